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
python benchmarks/floor.py --busy-us 20  # the floor readers spin 20 us per piece read; the spin is left out
```

No client that reads a stream through the SDK's HTTP stack can cost less than the floor, so the floor bounds every
ratio `run.py` reports for streams. The async floor is the higher one: the HTTP stack's async path (anyio, the event
loop) costs more per chunk than its blocking path, while the SDK's own per-chunk work is the same in both.

The floor is the cost of a reader that does nothing with the bytes. On an unpaced stream a reader that works on
each piece finds more of the server's bytes waiting at each wake-up and pays the HTTP stack less per chunk;
`--busy-us` shows how much less, by making the floor readers spin that long per piece and leaving the spin out of
their figures.
"""

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from chat import (  # noqa: E402
    _async_sdk_client,
    _async_sdk_stream_text,
    _ChunkCounter,
    _floor_stream,
    _floor_stream_async,
    _sdk_client,
    _sdk_stream_text,
)
from servers import LLMockServer  # noqa: E402

MODEL = "bench/floor"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--busy-us", type=float, default=0.0, help="CPU to spend per piece read by the floor readers")
    args = parser.parse_args()
    busy = args.busy_us / 1e6
    pieces = [0]

    def work() -> None:
        pieces[0] += 1
        if busy:
            until = time.process_time() + busy
            while time.process_time() < until:
                pass

    with LLMockServer() as server:
        server.scenario({"type": "reply", "text": " ".join(f"w{i}" for i in range(args.words)), "times": None})
        client = _sdk_client(server.url)
        async_client = _async_sdk_client(server.url)
        loop = asyncio.new_event_loop()
        counter = _ChunkCounter()

        calls: dict[str, Callable[[], Any]] = {
            "sdk": lambda: _sdk_stream_text(client, MODEL, counter),
            "floor": lambda: _floor_stream(client, MODEL, "", work),
            "sdk_async": lambda: loop.run_until_complete(_async_sdk_stream_text(async_client, MODEL, counter)),
            "floor_async": lambda: loop.run_until_complete(_floor_stream_async(async_client, MODEL, "", work)),
        }
        for call in calls.values():
            call()
        seconds: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(args.rounds):
            for name, call in calls.items():
                pieces[0] = 0
                started = time.process_time()
                call()
                call()
                spun = pieces[0] * busy if name.startswith("floor") else 0.0
                seconds[name].append((time.process_time() - started - spun) / 2)
        loop.run_until_complete(async_client.close())
        loop.close()
        client.close()

    def ratio(name: str, baseline: str) -> float:
        return statistics.median(a / b for a, b in zip(seconds[name], seconds[baseline], strict=True))

    spin = f", the floor readers spinning {args.busy_us:g} us per piece (left out)" if busy else ""
    print(f"{args.words:,}-chunk stream, {args.rounds} rounds of 2 requests{spin}; client CPU, medians\n")
    print("| contender | client CPU per request (ms) | ratio to the raw SDK |")
    print("| --- | ---: | ---: |")
    for name, baseline in (("sdk", "sdk"), ("floor", "sdk"), ("sdk_async", "sdk_async"), ("floor_async", "sdk_async")):
        shown = "1 (baseline)" if name == baseline else f"{ratio(name, baseline):.3f}x"
        print(f"| {name} | {statistics.median(seconds[name]) * 1000:.1f} | {shown} |")
    print(f"\nasync floor less sync floor: {ratio('floor_async', 'sdk_async') - ratio('floor', 'sdk'):+.3f}")


if __name__ == "__main__":
    main()
