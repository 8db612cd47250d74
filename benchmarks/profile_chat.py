# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Where one contender's client CPU goes on one chat workload: the workload of `run.py`, under cProfile.

Usage:
```bash
python benchmarks/profile_chat.py stream aimlapi                  # top functions by own time
python benchmarks/profile_chat.py plain haystack --sort cumtime --filter haystack
python benchmarks/profile_chat.py paced aimlapi --breakdown          # client CPU by part of the stack, as a table
```
The contenders are `openai` (the raw SDK), `haystack` (Haystack's `OpenAIChatGenerator`) and `aimlapi`. cProfile
slows small functions down more than large ones, so use it to find hot spots, and `run.py` to measure them.
`--breakdown` profiles CPU time (not wall time, so waiting for the server counts for nothing) and sums each
function's own time into the parts of the stack listed in `PARTS`.
"""

import argparse
import asyncio
import cProfile
import pstats
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from chat import (  # noqa: E402
    PLAIN_REPLY,
    WEATHER_TOOL,
    _aimlapi_generator,
    _async_sdk_client,
    _async_sdk_stream_text,
    _ChunkCounter,
    _haystack_generator,
    _messages,
    _sdk_client,
    _sdk_messages,
    _sdk_reasoning_stream,
    _sdk_stream_text,
)
from servers import LLMockServer, ReasoningStreamServer  # noqa: E402

# The parts of the stack a breakdown sums functions' own CPU time into: the first pattern matching a function's file
# (or, for built-ins, whose file is "~", its name) wins; a function matching none is charged to its callers.
PARTS = (
    (
        "HTTP stack (httpx, httpcore, h11, sockets, event loop)",
        r"httpx|httpcore|h11|anyio|asyncio|selectors|socket|ssl|select\.epoll|method 'recv|method 'poll|sniffio|idna",
    ),
    ("SSE framing (this package)", r"aimlapi/sse\.py"),
    ("JSON decoding (the json module)", r"/json/|_json"),
    (
        "chunk checks and assembly (this package)",
        r"aimlapi/chat/conversions\.py|aimlapi/finish_reasons\.py|aimlapi/cost\.py",
    ),
    (
        "chat generator (this package)",
        r"aimlapi/chat/chat_generator\.py|aimlapi/upstream\.py|aimlapi/clients\.py|aimlapi/tracking\.py",
    ),
    (
        "Haystack's StreamingChunk, ChatMessage and timestamps",
        r"haystack/dataclasses|haystack/utils/dataclasses|dataclasses\.py|datetime|isoformat",
    ),
    ("openai SDK (request, pydantic objects, its SSE decoder)", r"openai/|pydantic|typing_extensions|typing\.py"),
    ("Haystack (the rest: component, tracing, logging)", r"haystack/"),
    ("the benchmark's callback and loop", r"benchmarks/"),
)


def _breakdown(stats: pstats.Stats, chunks: int) -> str:
    """
    A markdown table of each part's share of the profiled CPU time, and its time per chunk. A function that belongs
    to no part (a built-in such as `dict.get`, or a standard-library helper such as `contextlib`) is counted in the
    parts of the functions that called it, in proportion to the time each call took.
    """
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    compiled = [(name, re.compile(pattern)) for name, pattern in PARTS]
    memo: dict[Any, dict[str, float]] = {}

    def shares(key: Any, depth: int = 0) -> dict[str, float]:
        """The parts `key`'s own time belongs to, as fractions that sum to 1."""
        if key in memo:
            return memo[key]
        filename, _line, function = key
        where = function if filename == "~" else filename
        part = next((name for name, pattern in compiled if pattern.search(where)), None)
        result: dict[str, float] = {}
        if part is not None:
            result = {part: 1.0}
        else:
            callers = table[key][4] if key in table else {}
            weights = {caller: timing[2] for caller, timing in callers.items()}
            whole = sum(weights.values())
            if depth > 20 or not whole:
                result = {"other": 1.0}
            else:
                for caller, weight in weights.items():
                    for name, fraction in shares(caller, depth + 1).items():
                        result[name] = result.get(name, 0.0) + fraction * weight / whole
        memo[key] = result
        return result

    totals = dict.fromkeys([name for name, _ in PARTS] + ["other"], 0.0)
    for key, (_cc, _nc, own, _cum, _callers) in table.items():
        for name, fraction in shares(key).items():
            totals[name] += own * fraction
    whole = sum(totals.values())
    lines = ["| part | share of client CPU | us per chunk (profiled) |", "| --- | ---: | ---: |"]
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        if seconds / whole >= 0.0005:
            lines.append(f"| {name} | {seconds / whole:.1%} | {seconds / chunks * 1e6:.1f} |")
    lines.append(f"| all | 100% | {whole / chunks * 1e6:.1f} |")
    return "\n".join(lines)


def _call(workload: str, contender: str, url: str) -> Callable[[], Any]:
    counter = _ChunkCounter()
    model = f"bench/{workload}"
    tools = [WEATHER_TOOL] if workload == "reasoning_tools" else None
    if workload == "stream_async":
        return _async_call(contender, url, model, counter)
    if contender == "openai":
        client = _sdk_client(url)
        if workload == "plain":
            return lambda: client.chat.completions.create(model=model, messages=_sdk_messages())
        if workload in ("stream", "paced"):
            return lambda: _sdk_stream_text(client, model, counter)
        sdk_tools = [{"type": "function", "function": WEATHER_TOOL.tool_spec}]
        return lambda: _sdk_reasoning_stream(client, model, sdk_tools, counter)
    build = _haystack_generator if contender == "haystack" else _aimlapi_generator
    generator = build(url, model, tools=tools)
    callback = None if workload == "plain" else counter
    return lambda: generator.run(_messages(), streaming_callback=callback)


def _async_call(contender: str, url: str, model: str, counter: _ChunkCounter) -> Callable[[], Any]:
    loop = asyncio.new_event_loop()  # one loop for every call, so clients and connections live across calls
    if contender == "openai":
        client = _async_sdk_client(url)
        return lambda: loop.run_until_complete(_async_sdk_stream_text(client, model, counter))
    build = _haystack_generator if contender == "haystack" else _aimlapi_generator
    generator = build(url, model)
    return lambda: loop.run_until_complete(generator.run_async(_messages(), streaming_callback=counter))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=("plain", "stream", "stream_async", "paced", "reasoning_tools"))
    parser.add_argument("contender", choices=("openai", "haystack", "aimlapi"))
    parser.add_argument("--requests", type=int, default=0, help="requests profiled (default: 300 plain, 5 streams)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumtime, ncalls, ...")
    parser.add_argument("--filter", default="", help="only functions whose file or name matches this regex")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--breakdown", action="store_true", help="CPU time by part of the stack, as a markdown table")
    args = parser.parse_args()
    requests = args.requests or (300 if args.workload == "plain" else 5)

    words = 500 if args.workload == "paced" else 2000
    if args.workload == "reasoning_tools":
        server: Any = ReasoningStreamServer()
    else:
        server = LLMockServer(chunk_delay_ms=1 if args.workload == "paced" else 0)
    with server:
        if isinstance(server, LLMockServer):
            text = PLAIN_REPLY if args.workload == "plain" else " ".join(f"w{i}" for i in range(words))
            server.scenario({"type": "reply", "text": text, "times": None})
        call = _call(args.workload, args.contender, server.url)
        for _ in range(3):  # clients, connections and caches, outside the profile
            call()
        # CPU time for a breakdown: a stream's wall time is mostly waiting for the server.
        profiler = cProfile.Profile(time.process_time) if args.breakdown else cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            call()
        profiler.disable()
    if args.breakdown:
        chunks = requests * (1 if args.workload == "plain" else words + 3)
        print(f"{args.workload}, {args.contender}: {requests} request(s), {chunks:,} chunk(s)\n")
        print(_breakdown(pstats.Stats(profiler), chunks))
        return
    stats = pstats.Stats(profiler).strip_dirs().sort_stats(args.sort)
    restrictions: list[Any] = [args.filter] if args.filter else []
    stats.print_stats(*restrictions, args.limit)


if __name__ == "__main__":
    main()
