# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The floor of a stream's client CPU: what sending the request and reading the body's bytes cost, with no decoding at
all, as a ratio to the raw `openai` SDK reading the same stream, sync and async, in one interleaved run.

Usage:
```bash
python benchmarks/floor.py              # 2,000-chunk stream, 15 rounds of 2 requests per contender
python benchmarks/floor.py --rounds 5
```

No client that reads a stream through the SDK's HTTP stack can cost less than the floor, so the floor bounds every
ratio `run.py` reports for streams. The async floor is the higher one: the HTTP stack's async path (anyio, the event
loop) costs more per chunk than its blocking path, while the SDK's own per-chunk work is the same in both.
"""

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from chat import _async_sdk_client, _async_sdk_stream_text, _ChunkCounter, _sdk_client, _sdk_messages, _sdk_stream_text  # noqa: E402
from servers import LLMockServer  # noqa: E402

MODEL = "bench/floor"


def _body() -> dict[str, Any]:
    return {"model": MODEL, "messages": _sdk_messages(), "stream": True, "stream_options": {"include_usage": True}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--words", type=int, default=2000)
    args = parser.parse_args()
    with LLMockServer() as server:
        server.scenario({"type": "reply", "text": " ".join(f"w{i}" for i in range(args.words)), "times": None})
        client = _sdk_client(server.url)
        async_client = _async_sdk_client(server.url)
        loop = asyncio.new_event_loop()
        counter = _ChunkCounter()

        def floor() -> None:
            response = client.post("/chat/completions", body=_body(), cast_to=httpx.Response, stream=True)
            try:
                for _ in response.iter_raw():
                    pass
            finally:
                response.close()

        async def floor_async() -> None:
            response = await async_client.post("/chat/completions", body=_body(), cast_to=httpx.Response, stream=True)
            try:
                async for _ in response.aiter_raw():
                    pass
            finally:
                await response.aclose()

        calls: dict[str, Callable[[], Any]] = {
            "sdk": lambda: _sdk_stream_text(client, MODEL, counter),
            "floor": floor,
            "sdk_async": lambda: loop.run_until_complete(_async_sdk_stream_text(async_client, MODEL, counter)),
            "floor_async": lambda: loop.run_until_complete(floor_async()),
        }
        for call in calls.values():
            call()
        seconds: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.rounds):
            for name, call in calls.items():
                started = time.process_time()
                call()
                call()
                seconds[name].append((time.process_time() - started) / 2)
        loop.run_until_complete(async_client.close())
        loop.close()
        client.close()

    def ratio(name: str, baseline: str) -> float:
        return statistics.median(a / b for a, b in zip(seconds[name], seconds[baseline], strict=True))

    print(f"{args.words:,}-chunk stream, {args.rounds} rounds of 2 requests; client CPU, medians\n")
    print("| contender | client CPU per request (ms) | ratio to the raw SDK |")
    print("| --- | ---: | ---: |")
    for name, baseline in (("sdk", "sdk"), ("floor", "sdk"), ("sdk_async", "sdk_async"), ("floor_async", "sdk_async")):
        shown = "1 (baseline)" if name == baseline else f"{ratio(name, baseline):.3f}x"
        print(f"| {name} | {statistics.median(seconds[name]) * 1000:.1f} | {shown} |")
    print(f"\nasync floor less sync floor: {ratio('floor_async', 'sdk_async') - ratio('floor', 'sdk'):+.3f}")


if __name__ == "__main__":
    main()
