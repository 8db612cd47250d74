# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Where one contender's client CPU goes on one chat workload: the workload of `run.py`, under cProfile.

Usage:
```bash
python benchmarks/profile_chat.py stream aimlapi                  # top functions by own time
python benchmarks/profile_chat.py plain haystack --sort cumtime --filter haystack
```
The contenders are `openai` (the raw SDK), `haystack` (Haystack's `OpenAIChatGenerator`) and `aimlapi`. cProfile
slows small functions down more than large ones, so use it to find hot spots, and `run.py` to measure them.
"""

import argparse
import cProfile
import pstats
import sys
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
    _ChunkCounter,
    _haystack_generator,
    _messages,
    _sdk_client,
    _sdk_messages,
    _sdk_reasoning_stream,
    _sdk_stream_text,
)
from servers import LLMockServer, ReasoningStreamServer  # noqa: E402


def _call(workload: str, contender: str, url: str) -> Callable[[], Any]:
    counter = _ChunkCounter()
    model = f"bench/{workload}"
    tools = [WEATHER_TOOL] if workload == "reasoning_tools" else None
    if contender == "openai":
        client = _sdk_client(url)
        if workload == "plain":
            return lambda: client.chat.completions.create(model=model, messages=_sdk_messages())
        if workload == "stream":
            return lambda: _sdk_stream_text(client, model, counter)
        sdk_tools = [{"type": "function", "function": WEATHER_TOOL.tool_spec}]
        return lambda: _sdk_reasoning_stream(client, model, sdk_tools, counter)
    build = _haystack_generator if contender == "haystack" else _aimlapi_generator
    generator = build(url, model, tools=tools)
    callback = None if workload == "plain" else counter
    return lambda: generator.run(_messages(), streaming_callback=callback)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workload", choices=("plain", "stream", "reasoning_tools"))
    parser.add_argument("contender", choices=("openai", "haystack", "aimlapi"))
    parser.add_argument("--requests", type=int, default=0, help="requests profiled (default: 300 plain, 5 streams)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumtime, ncalls, ...")
    parser.add_argument("--filter", default="", help="only functions whose file or name matches this regex")
    parser.add_argument("--limit", type=int, default=30)
    args = parser.parse_args()
    requests = args.requests or (300 if args.workload == "plain" else 5)

    if args.workload == "reasoning_tools":
        server: Any = ReasoningStreamServer()
    else:
        server = LLMockServer()
    with server:
        if isinstance(server, LLMockServer):
            text = PLAIN_REPLY if args.workload == "plain" else " ".join(f"w{i}" for i in range(2000))
            server.scenario({"type": "reply", "text": text, "times": None})
        call = _call(args.workload, args.contender, server.url)
        for _ in range(3):  # clients, connections and caches, outside the profile
            call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            call()
        profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs().sort_stats(args.sort)
    restrictions: list[Any] = [args.filter] if args.filter else []
    stats.print_stats(*restrictions, args.limit)


if __name__ == "__main__":
    main()
