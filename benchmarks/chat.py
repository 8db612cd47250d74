# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Chat workloads: `AIMLAPIChatGenerator` against the raw `openai` SDK and Haystack's `OpenAIChatGenerator`.

Every contender talks to the same local server in the same run, with the same timeout, retries, HTTP stack and
connection limits, and receives the same bytes (all three ask for streaming usage). The raw-SDK contender does the
least a user of the bare SDK must do to get the same result: read the text, pass each chunk to the callback, and
for the reasoning workload collect reasoning and reassemble tool calls.

Usage example:
```python
from chat import QUICK, run_chat_benchmarks

workloads = run_chat_benchmarks(QUICK, progress=print)
print(workloads[0]["summary"]["ratios"]["aimlapi"]["cpu_ms"]["median"])
```
"""

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import httpx
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.tools import Tool
from haystack.utils import Secret
from measure import Sample, run_rounds, summarize, timed_batch
from openai import AsyncOpenAI, OpenAI
from servers import LLMockServer, ReasoningStreamServer

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

API_KEY = "sk-benchmark-not-a-real-key"
PROMPT = "Say hello in one short sentence."
TIMEOUT = 60.0
MAX_RETRIES = 2
PLAIN_REPLY = "Hello! It is nice to meet you, and I am happy to help."

BASELINE = "openai"
CONTENDERS = {
    "openai": "openai SDK (raw)",
    "haystack": "Haystack OpenAIChatGenerator",
    "aimlapi": "AIMLAPIChatGenerator",
    "floor": "the floor: request and bytes, nothing decoded",
}
# The workloads that also time the floor: the same request sent through the raw SDK's client (`client.post`, its
# HTTP stack, auth and retries) with the body read as bytes and nothing decoded, which no client reading through
# that stack can undercut. An async twin's ratio is judged against its own floor too: see `run.py`'s TARGETS.
FLOOR_WORKLOADS = ("plain", "plain_async", "stream", "stream_async", "paced")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ChatSettings:
    """How much of each workload to run. `FULL` is the published run; `QUICK` a smoke run of the same code."""

    plain_rounds: int
    plain_requests: int
    stream_rounds: int
    stream_requests: int
    stream_words: int
    reasoning_rounds: int
    reasoning_requests: int
    reasoning_chunks: int
    reasoning_text_chunks: int
    reasoning_tool_calls: int
    reasoning_argument_chunks: int
    concurrent_rounds: int
    concurrent_calls: int
    concurrent_latency_ms: int
    ttft_rounds: int
    ttft_requests: int
    ttft_first_token_ms: int
    paced_rounds: int
    paced_requests: int
    paced_words: int
    paced_chunk_delay_ms: int


FULL = ChatSettings(
    plain_rounds=25,
    plain_requests=40,
    stream_rounds=30,
    stream_requests=2,
    stream_words=2000,
    reasoning_rounds=20,
    reasoning_requests=5,
    reasoning_chunks=300,
    reasoning_text_chunks=100,
    reasoning_tool_calls=2,
    reasoning_argument_chunks=50,
    concurrent_rounds=6,
    concurrent_calls=500,
    concurrent_latency_ms=200,
    ttft_rounds=20,
    ttft_requests=5,
    ttft_first_token_ms=50,
    paced_rounds=12,
    paced_requests=1,
    paced_words=500,
    paced_chunk_delay_ms=1,
)

QUICK = replace(
    FULL,
    plain_rounds=2,
    plain_requests=3,
    stream_rounds=2,
    stream_requests=1,
    stream_words=100,
    reasoning_rounds=2,
    reasoning_requests=1,
    reasoning_chunks=20,
    reasoning_text_chunks=10,
    reasoning_argument_chunks=5,
    concurrent_rounds=2,
    concurrent_calls=10,
    ttft_rounds=2,
    ttft_requests=1,
    paced_rounds=2,
    paced_words=30,
)


# --- contenders --------------------------------------------------------------------------------------------------


def _sdk_messages() -> list[dict[str, Any]]:
    return [{"role": "user", "content": PROMPT}]


def _messages() -> list[ChatMessage]:
    return [ChatMessage.from_user(PROMPT)]


def _haystack_generator(url: str, model: str, **kwargs: Any) -> OpenAIChatGenerator:
    # Haystack's generator does not ask for streaming usage on its own; ask, so the server sends the same bytes.
    return OpenAIChatGenerator(
        api_key=Secret.from_token(API_KEY),
        model=model,
        api_base_url=url,
        timeout=TIMEOUT,
        max_retries=MAX_RETRIES,
        generation_kwargs={"stream_options": {"include_usage": True}},
        **kwargs,
    )


def _aimlapi_generator(url: str, model: str, **kwargs: Any) -> AIMLAPIChatGenerator:
    return AIMLAPIChatGenerator(
        api_key=Secret.from_token(API_KEY),
        model=model,
        api_base_url=url,
        timeout=TIMEOUT,
        max_retries=MAX_RETRIES,
        **kwargs,
    )


def _sdk_client(url: str) -> OpenAI:
    return OpenAI(base_url=url, api_key=API_KEY, timeout=TIMEOUT, max_retries=MAX_RETRIES)


class _ChunkCounter:
    """The streaming callback of every contender: counts what it is shown, as a UI would render it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, chunk: Any) -> None:  # noqa: ARG002  # a callback receives the chunk
        self.calls += 1

    def reset(self) -> None:
        self.calls = 0


def _check(condition: bool, message: str) -> None:
    # A benchmark that measures a broken call measures nothing: stop before timing it.
    if not condition:
        raise RuntimeError(f"benchmark sanity check failed: {message}")


def _floor_body(model: str, *, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": _sdk_messages()}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return body


def _floor_reply(client: OpenAI, model: str, expected: str) -> str | None:
    """The plain reply's floor: `expected` when the body arrived whole (a sanity check, not a decoding)."""
    response = client.post("/chat/completions", body=_floor_body(model, stream=False), cast_to=httpx.Response)
    return expected if response.status_code == 200 and response.read().endswith(b"}") else None


def _floor_stream(client: OpenAI, model: str, expected: str, on_piece: Callable[[], None] | None = None) -> str | None:
    """The stream's floor: `expected` when the last bytes read held `[DONE]`. `on_piece` runs for each piece read."""
    response = client.post(
        "/chat/completions", body=_floor_body(model, stream=True), cast_to=httpx.Response, stream=True
    )
    last = b""
    try:
        for piece in response.iter_raw():
            last = piece
            if on_piece is not None:
                on_piece()
    finally:
        response.close()
    return expected if b"[DONE]" in last else None


async def _floor_reply_async(client: AsyncOpenAI, model: str, expected: str) -> str | None:
    response = await client.post("/chat/completions", body=_floor_body(model, stream=False), cast_to=httpx.Response)
    return expected if response.status_code == 200 and (await response.aread()).endswith(b"}") else None


async def _floor_stream_async(
    client: AsyncOpenAI, model: str, expected: str, on_piece: Callable[[], None] | None = None
) -> str | None:
    response = await client.post(
        "/chat/completions", body=_floor_body(model, stream=True), cast_to=httpx.Response, stream=True
    )
    last = b""
    try:
        async for piece in response.aiter_raw():
            last = piece
            if on_piece is not None:
                on_piece()
    finally:
        await response.aclose()
    return expected if b"[DONE]" in last else None


def _progress_for(progress: Progress | None, workload: str) -> Progress | None:
    if progress is None:
        return None
    return lambda status: progress(f"{workload}: {status}")


def _result(
    name: str, title: str, description: str, settings: dict[str, Any], samples: dict[str, list[Sample]], **extra: Any
) -> dict[str, Any]:
    summary = summarize(samples, baseline=BASELINE, differences=("ttft_ms",) if name == "ttft" else ())
    # "Leaner than Haystack's own generator" is judged per round, like the ratios to the SDK.
    versus_haystack = summarize({k: samples[k] for k in ("haystack", "aimlapi")}, baseline="haystack")
    return {
        "name": name,
        "title": title,
        "description": description,
        "settings": settings,
        "summary": summary,
        "aimlapi_vs_haystack": versus_haystack["ratios"]["aimlapi"],
        **extra,
    }


# --- workloads ---------------------------------------------------------------------------------------------------


def plain_reply(server: LLMockServer, settings: ChatSettings, progress: Progress | None) -> dict[str, Any]:
    """A short, non-streamed reply."""
    model = "bench/plain"
    server.scenario({"type": "reply", "text": PLAIN_REPLY, "times": None, "match": {"model": model}})
    client = _sdk_client(server.url)
    haystack = _haystack_generator(server.url, model)
    aimlapi = _aimlapi_generator(server.url, model)

    calls: dict[str, Callable[[], str | None]] = {
        "openai": lambda: (
            client.chat.completions.create(model=model, messages=_sdk_messages()).choices[0].message.content
        ),
        "haystack": lambda: haystack.run(_messages())["replies"][0].text,
        "aimlapi": lambda: aimlapi.run(_messages())["replies"][0].text,
        "floor": lambda: _floor_reply(client, model, PLAIN_REPLY),
    }
    for name, call in calls.items():  # warm-up: clients, connections, caches; and a check of the answer
        for _ in range(3):
            reply = call()
        _check(reply == PLAIN_REPLY, f"{name} replied {reply!r}")
    requests = settings.plain_requests
    samples = run_rounds(
        {name: (lambda call=call: timed_batch(call, requests)) for name, call in calls.items()},
        rounds=settings.plain_rounds,
        progress=_progress_for(progress, "plain"),
    )
    client.close()
    server.forget_requests()
    return _result(
        "plain",
        "Plain reply",
        f"A {len(PLAIN_REPLY)}-character reply, not streamed; sync `run()` / `create()`.",
        {"rounds": settings.plain_rounds, "requests_per_round": requests},
        samples,
    )


def _sdk_stream_text(client: OpenAI, model: str, callback: _ChunkCounter) -> str:
    stream = client.chat.completions.create(
        model=model, messages=_sdk_messages(), stream=True, stream_options={"include_usage": True}
    )
    parts = []
    for chunk in stream:
        callback(chunk)
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    return "".join(parts)


def long_stream(server: LLMockServer, settings: ChatSettings, progress: Progress | None) -> dict[str, Any]:
    """A streamed reply of `stream_words` text chunks (llmock streams one word per chunk), with a callback."""
    model = "bench/stream"
    text = " ".join(f"w{i}" for i in range(settings.stream_words))
    server.scenario({"type": "reply", "text": text, "times": None, "match": {"model": model}})
    client = _sdk_client(server.url)
    haystack = _haystack_generator(server.url, model)
    aimlapi = _aimlapi_generator(server.url, model)
    counter = _ChunkCounter()

    calls: dict[str, Callable[[], str | None]] = {
        "openai": lambda: _sdk_stream_text(client, model, counter),
        "haystack": lambda: haystack.run(_messages(), streaming_callback=counter)["replies"][0].text,
        "aimlapi": lambda: aimlapi.run(_messages(), streaming_callback=counter)["replies"][0].text,
        "floor": lambda: _floor_stream(client, model, text),
    }
    for name, call in calls.items():
        counter.reset()
        reply = call()
        _check(reply == text, f"{name} assembled a different reply")
        # role chunk + one per word + finish chunk + usage chunk; the floor has no callback
        expected_calls = 0 if name == "floor" else settings.stream_words + 3
        _check(counter.calls == expected_calls, f"{name}'s callback saw {counter.calls} chunks")
    requests = settings.stream_requests
    samples = run_rounds(
        {name: (lambda call=call: timed_batch(call, requests)) for name, call in calls.items()},
        rounds=settings.stream_rounds,
        progress=_progress_for(progress, "stream"),
    )
    client.close()
    server.forget_requests()
    return _result(
        "stream",
        f"{settings.stream_words:,}-chunk stream",
        f"A streamed reply of {settings.stream_words:,} text chunks (plus role, finish and usage chunks), every "
        "chunk passed to a callback; sync.",
        {
            "rounds": settings.stream_rounds,
            "requests_per_round": requests,
            "chunks_per_reply": settings.stream_words + 3,
        },
        samples,
    )


class _Loop:
    """One event loop for every asynchronous call of a workload, so clients and their connections live across calls
    (a loop per call would time a new client and a new connection each time)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def close(self) -> None:
        self.loop.close()


def _close_async(loop: _Loop, client: AsyncOpenAI, *generators: Any) -> None:
    # Release every contender's connections on the loop that opened them, before that loop closes.
    loop.run(client.close())
    for generator in generators:
        close = getattr(generator, "close_async", None)
        if close is not None:
            loop.run(close())
    loop.close()


def _async_sdk_client(url: str) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=url, api_key=API_KEY, timeout=TIMEOUT, max_retries=MAX_RETRIES)


async def _async_sdk_stream_text(client: AsyncOpenAI, model: str, callback: _ChunkCounter) -> str:
    stream = await client.chat.completions.create(
        model=model, messages=_sdk_messages(), stream=True, stream_options={"include_usage": True}
    )
    parts = []
    async for chunk in stream:
        callback(chunk)
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    return "".join(parts)


def plain_reply_async(server: LLMockServer, settings: ChatSettings, progress: Progress | None) -> dict[str, Any]:
    """The plain reply, through `run_async()` / `AsyncOpenAI`, every call on one event loop."""
    model = "bench/plain"
    server.scenario({"type": "reply", "text": PLAIN_REPLY, "times": None, "match": {"model": model}})
    loop = _Loop()
    client = _async_sdk_client(server.url)
    haystack = _haystack_generator(server.url, model)
    aimlapi = _aimlapi_generator(server.url, model)

    async def sdk_call() -> str | None:
        completion = await client.chat.completions.create(model=model, messages=_sdk_messages())
        return completion.choices[0].message.content

    calls: dict[str, Callable[[], str | None]] = {
        "openai": lambda: loop.run(sdk_call()),
        "haystack": lambda: loop.run(haystack.run_async(_messages()))["replies"][0].text,
        "aimlapi": lambda: loop.run(aimlapi.run_async(_messages()))["replies"][0].text,
        "floor": lambda: loop.run(_floor_reply_async(client, model, PLAIN_REPLY)),
    }
    for name, call in calls.items():
        for _ in range(3):
            reply = call()
        _check(reply == PLAIN_REPLY, f"{name} replied {reply!r}")
    requests = settings.plain_requests
    samples = run_rounds(
        {name: (lambda call=call: timed_batch(call, requests)) for name, call in calls.items()},
        rounds=settings.plain_rounds,
        progress=_progress_for(progress, "plain_async"),
    )
    _close_async(loop, client, haystack, aimlapi)
    server.forget_requests()
    return _result(
        "plain_async",
        "Plain reply, async",
        f"The plain reply through `run_async()` / `AsyncOpenAI`, {len(PLAIN_REPLY)} characters, on one event loop.",
        {"rounds": settings.plain_rounds, "requests_per_round": requests},
        samples,
    )


def long_stream_async(server: LLMockServer, settings: ChatSettings, progress: Progress | None) -> dict[str, Any]:
    """The long stream, through `run_async()` / `AsyncOpenAI`, every call on one event loop."""
    model = "bench/stream"
    text = " ".join(f"w{i}" for i in range(settings.stream_words))
    server.scenario({"type": "reply", "text": text, "times": None, "match": {"model": model}})
    loop = _Loop()
    client = _async_sdk_client(server.url)
    haystack = _haystack_generator(server.url, model)
    aimlapi = _aimlapi_generator(server.url, model)
    counter = _ChunkCounter()

    calls: dict[str, Callable[[], str | None]] = {
        "openai": lambda: loop.run(_async_sdk_stream_text(client, model, counter)),
        "haystack": lambda: loop.run(haystack.run_async(_messages(), streaming_callback=counter))["replies"][0].text,
        "aimlapi": lambda: loop.run(aimlapi.run_async(_messages(), streaming_callback=counter))["replies"][0].text,
        "floor": lambda: loop.run(_floor_stream_async(client, model, text)),
    }
    for name, call in calls.items():
        counter.reset()
        reply = call()
        _check(reply == text, f"{name} assembled a different reply")
        expected_calls = 0 if name == "floor" else settings.stream_words + 3
        _check(counter.calls == expected_calls, f"{name}'s callback saw {counter.calls} chunks")
    requests = settings.stream_requests
    samples = run_rounds(
        {name: (lambda call=call: timed_batch(call, requests)) for name, call in calls.items()},
        rounds=settings.stream_rounds,
        progress=_progress_for(progress, "stream_async"),
    )
    _close_async(loop, client, haystack, aimlapi)
    server.forget_requests()
    return _result(
        "stream_async",
        f"{settings.stream_words:,}-chunk stream, async",
        f"The {settings.stream_words:,}-chunk stream through `run_async()` / `AsyncOpenAI`, on one event loop.",
        {
            "rounds": settings.stream_rounds,
            "requests_per_round": requests,
            "chunks_per_reply": settings.stream_words + 3,
        },
        samples,
    )


def paced_stream(settings: ChatSettings, progress: Progress | None) -> dict[str, Any]:
    """A stream whose server pauses between chunks, as real models send them."""
    model = "bench/paced"
    text = " ".join(f"w{i}" for i in range(settings.paced_words))
    with LLMockServer(chunk_delay_ms=settings.paced_chunk_delay_ms) as server:
        server.scenario({"type": "reply", "text": text, "times": None, "match": {"model": model}})
        client = _sdk_client(server.url)
        haystack = _haystack_generator(server.url, model)
        aimlapi = _aimlapi_generator(server.url, model)
        counter = _ChunkCounter()
        calls: dict[str, Callable[[], str | None]] = {
            "openai": lambda: _sdk_stream_text(client, model, counter),
            "haystack": lambda: haystack.run(_messages(), streaming_callback=counter)["replies"][0].text,
            "aimlapi": lambda: aimlapi.run(_messages(), streaming_callback=counter)["replies"][0].text,
            "floor": lambda: _floor_stream(client, model, text),
        }
        for name, call in calls.items():
            counter.reset()
            _check(call() == text, f"{name} assembled a different reply")
        requests = settings.paced_requests
        samples = run_rounds(
            {name: (lambda call=call: timed_batch(call, requests)) for name, call in calls.items()},
            rounds=settings.paced_rounds,
            progress=_progress_for(progress, "paced"),
        )
        client.close()
    return _result(
        "paced",
        f"{settings.paced_words:,}-chunk stream, paced",
        f"A streamed reply of {settings.paced_words:,} text chunks with {settings.paced_chunk_delay_ms} ms between "
        "chunks, as real models send them; sync. Wall time is the server's pace; client CPU is what differs.",
        {
            "rounds": settings.paced_rounds,
            "requests_per_round": requests,
            "chunks_per_reply": settings.paced_words + 3,
            "chunk_delay_ms": settings.paced_chunk_delay_ms,
        },
        samples,
    )


def _sdk_reasoning_stream(client: OpenAI, model: str, tools: list[dict[str, Any]], callback: _ChunkCounter) -> dict:
    stream = client.chat.completions.create(
        model=model, messages=_sdk_messages(), tools=tools, stream=True, stream_options={"include_usage": True}
    )
    text: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    for chunk in stream:
        callback(chunk)
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        extra = delta.model_extra
        if extra and extra.get("reasoning_content"):
            reasoning.append(extra["reasoning_content"])
        if delta.content:
            text.append(delta.content)
        for call in delta.tool_calls or ():
            state = calls.setdefault(call.index, {"id": None, "name": None, "arguments": []})
            state["id"] = state["id"] or call.id
            if call.function is not None:
                state["name"] = state["name"] or call.function.name
                if call.function.arguments:
                    state["arguments"].append(call.function.arguments)
    return {
        "text": "".join(text),
        "reasoning": "".join(reasoning),
        "tool_calls": [
            {"id": state["id"], "name": state["name"], "arguments": json.loads("".join(state["arguments"]))}
            for _, state in sorted(calls.items())
        ],
    }


def _weather(city: str) -> str:
    return f"Sunny in {city}"


WEATHER_TOOL = Tool(
    name="get_weather",
    description="The current weather in a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}, "notes": {"type": "string"}},
        "required": ["city"],
    },
    function=_weather,
)


def reasoning_stream(settings: ChatSettings, progress: Progress | None) -> dict[str, Any]:
    """A streamed reply with reasoning, text and tool-call deltas, from the stdlib SSE server."""
    model = "deepseek/deepseek-r1"
    with ReasoningStreamServer(
        reasoning_chunks=settings.reasoning_chunks,
        text_chunks=settings.reasoning_text_chunks,
        tool_calls=settings.reasoning_tool_calls,
        argument_chunks=settings.reasoning_argument_chunks,
    ) as server:
        client = _sdk_client(server.url)
        sdk_tools = [{"type": "function", "function": WEATHER_TOOL.tool_spec}]
        haystack = _haystack_generator(server.url, model, tools=[WEATHER_TOOL])
        aimlapi = _aimlapi_generator(server.url, model, tools=[WEATHER_TOOL])
        counter = _ChunkCounter()

        def tool_call_count(reply: ChatMessage) -> int:
            return len(reply.tool_calls)

        calls: dict[str, Callable[[], Any]] = {
            "openai": lambda: len(_sdk_reasoning_stream(client, model, sdk_tools, counter)["tool_calls"]),
            "haystack": lambda: tool_call_count(haystack.run(_messages(), streaming_callback=counter)["replies"][0]),
            "aimlapi": lambda: tool_call_count(aimlapi.run(_messages(), streaming_callback=counter)["replies"][0]),
        }
        for name, call in calls.items():
            counter.reset()
            tool_calls = call()
            _check(tool_calls == settings.reasoning_tool_calls, f"{name} assembled {tool_calls} tool calls")
            _check(counter.calls >= server.chunks_per_reply - 1, f"{name}'s callback saw {counter.calls} chunks")
        reply = aimlapi.run(_messages(), streaming_callback=counter)["replies"][0]
        _check(reply.reasoning is not None and len(reply.reasoning.reasoning_text) > 0, "aimlapi lost the reasoning")
        requests = settings.reasoning_requests
        samples = run_rounds(
            {name: (lambda call=call: timed_batch(call, requests)) for name, call in calls.items()},
            rounds=settings.reasoning_rounds,
            progress=_progress_for(progress, "reasoning"),
        )
        client.close()
        chunks = server.chunks_per_reply
    return _result(
        "reasoning_tools",
        "Reasoning + tool-call stream",
        f"A streamed reply of {chunks} chunks: {settings.reasoning_chunks} `reasoning_content` deltas, "
        f"{settings.reasoning_text_chunks} text deltas, {settings.reasoning_tool_calls} tool calls in "
        f"{settings.reasoning_argument_chunks} argument fragments each, finish and usage chunks; one tool offered; "
        "sync. Haystack's generator drops the reasoning, so it does less work here.",
        {"rounds": settings.reasoning_rounds, "requests_per_round": requests, "chunks_per_reply": chunks},
        samples,
    )


def _limits(calls: int) -> httpx.Limits:
    # openai's own default pool (1000 connections, 100 kept alive) differs from httpx's (100, 20), and Haystack
    # builds a plain httpx client from `http_client_kwargs`: give every contender the same explicit pool.
    return httpx.Limits(max_connections=calls, max_keepalive_connections=calls)


def _concurrent_sample(calls: int, build: Callable[[], Any], call: Callable[[Any], Any]) -> Sample:
    async def main() -> Sample:
        target = build()
        warm_up = getattr(target, "warm_up_async", None)
        if warm_up is not None:
            await warm_up()
        try:
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            replies = await asyncio.gather(*(call(target) for _ in range(calls)))
            cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
        finally:
            await (target.close() if isinstance(target, AsyncOpenAI) else target.close_async())
        _check(all(reply == PLAIN_REPLY for reply in replies), "a concurrent call got a different reply")
        return {"wall_ms": wall * 1000, "cpu_ms": cpu * 1000 / calls}

    return asyncio.run(main())


def concurrent_calls(settings: ChatSettings, progress: Progress | None) -> dict[str, Any]:
    """`concurrent_calls` calls at once with `asyncio.gather`, against a server that takes 200 ms per answer."""
    model = "bench/concurrent"
    calls = settings.concurrent_calls
    with LLMockServer(latency_ms=settings.concurrent_latency_ms) as server:
        server.scenario({"type": "reply", "text": PLAIN_REPLY, "times": None, "match": {"model": model}})
        limits = _limits(calls)

        async def sdk_call(client: AsyncOpenAI) -> str | None:
            completion = await client.chat.completions.create(model=model, messages=_sdk_messages())
            return completion.choices[0].message.content

        async def generator_call(generator: Any) -> str | None:
            return (await generator.run_async(_messages()))["replies"][0].text

        def sdk() -> AsyncOpenAI:
            return AsyncOpenAI(
                base_url=server.url,
                api_key=API_KEY,
                timeout=TIMEOUT,
                max_retries=MAX_RETRIES,
                http_client=httpx.AsyncClient(limits=limits),  # type: ignore[arg-type]
            )

        contenders: dict[str, Callable[[], Sample]] = {
            "openai": lambda: _concurrent_sample(calls, sdk, sdk_call),
            "haystack": lambda: _concurrent_sample(
                calls,
                lambda: _haystack_generator(server.url, model, http_client_kwargs={"limits": limits}),
                generator_call,
            ),
            "aimlapi": lambda: _concurrent_sample(
                calls,
                lambda: _aimlapi_generator(server.url, model, http_client_kwargs={"limits": limits}),
                generator_call,
            ),
        }
        warm_up_calls = min(calls, 50)
        for build, call in (
            (sdk, sdk_call),
            (lambda: _haystack_generator(server.url, model), generator_call),
            (lambda: _aimlapi_generator(server.url, model), generator_call),
        ):  # warm-up (imports, first-call caches) and the checks inside
            _concurrent_sample(warm_up_calls, build, call)
        samples = run_rounds(
            contenders, rounds=settings.concurrent_rounds, progress=_progress_for(progress, "concurrent")
        )
    return _result(
        "concurrent",
        f"{calls} concurrent `run_async` calls",
        f"{calls} calls gathered at once (`asyncio.gather`), server latency {settings.concurrent_latency_ms} ms, "
        f"a fresh client per round with a pool of {calls} connections for every contender; `wall_ms` is the wall "
        "time of the whole batch, `cpu_ms` the client CPU per call.",
        {"rounds": settings.concurrent_rounds, "calls": calls, "latency_ms": settings.concurrent_latency_ms},
        samples,
    )


def _ttft_sample(requests: int, stream_once: Callable[[], tuple[float, float]]) -> Sample:
    firsts, totals = [], []
    for _ in range(requests):
        first, total = stream_once()
        firsts.append(first)
        totals.append(total)
    return {"ttft_ms": statistics.median(firsts), "wall_ms": statistics.median(totals)}


class _FirstToken:
    """A streaming callback that notes when the first text arrives."""

    def __init__(self) -> None:
        self.at: float | None = None

    def __call__(self, chunk: Any) -> None:
        if self.at is not None:
            return
        if isinstance(chunk, StreamingChunk):
            if chunk.content:
                self.at = time.perf_counter()
        elif chunk.choices and chunk.choices[0].delta.content:
            self.at = time.perf_counter()


def time_to_first_token(server: LLMockServer, settings: ChatSettings, progress: Progress | None) -> dict[str, Any]:
    """Time from the call to the first text the callback sees, against a server slow to send its first chunk."""
    model = "bench/ttft"
    text = " ".join(f"token{i}" for i in range(20))
    delay = settings.ttft_first_token_ms / 1000
    server.scenario(
        {"type": "slow_first_token", "seconds": delay, "times": None, "match": {"model": model, "stream": True}},
        {"type": "reply", "text": text, "times": None, "match": {"model": model}},
    )
    client = _sdk_client(server.url)
    haystack = _haystack_generator(server.url, model)
    aimlapi = _aimlapi_generator(server.url, model)

    def sdk_once() -> tuple[float, float]:
        callback = _FirstToken()
        start = time.perf_counter()
        _sdk_stream_text(client, model, callback)  # type: ignore[arg-type]
        end = time.perf_counter()
        assert callback.at is not None  # noqa: S101
        return (callback.at - start) * 1000, (end - start) * 1000

    def generator_once(generator: Any) -> Callable[[], tuple[float, float]]:
        def once() -> tuple[float, float]:
            callback = _FirstToken()
            start = time.perf_counter()
            generator.run(_messages(), streaming_callback=callback)
            end = time.perf_counter()
            assert callback.at is not None  # noqa: S101
            return (callback.at - start) * 1000, (end - start) * 1000

        return once

    onces = {"openai": sdk_once, "haystack": generator_once(haystack), "aimlapi": generator_once(aimlapi)}
    for name, once in onces.items():
        first, _ = once()
        _check(first >= settings.ttft_first_token_ms * 0.9, f"{name}: the first token came before the server's delay")
    requests = settings.ttft_requests
    samples = run_rounds(
        {name: (lambda once=once: _ttft_sample(requests, once)) for name, once in onces.items()},
        rounds=settings.ttft_rounds,
        progress=_progress_for(progress, "ttft"),
    )
    client.close()
    server.forget_requests()
    return _result(
        "ttft",
        "Time to first token",
        f"A streamed reply whose first chunk the server holds back {settings.ttft_first_token_ms} ms; the time from "
        "the call to the first text the callback sees (median of each round's requests), sync.",
        {
            "rounds": settings.ttft_rounds,
            "requests_per_round": requests,
            "first_token_delay_ms": settings.ttft_first_token_ms,
        },
        samples,
    )


WORKLOADS = ("plain", "plain_async", "stream", "stream_async", "paced", "reasoning_tools", "concurrent", "ttft")


def run_chat_benchmarks(
    settings: ChatSettings, *, progress: Progress | None = None, only: tuple[str, ...] = WORKLOADS
) -> list[dict[str, Any]]:
    """Run the chat workloads named in `only`, in order, each against its own server; return their results."""
    results = []
    if {"plain", "plain_async", "stream", "stream_async", "ttft"} & set(only):
        with LLMockServer() as server:
            if "plain" in only:
                results.append(plain_reply(server, settings, progress))
            if "plain_async" in only:
                results.append(plain_reply_async(server, settings, progress))
            if "stream" in only:
                results.append(long_stream(server, settings, progress))
            if "stream_async" in only:
                results.append(long_stream_async(server, settings, progress))
            if "ttft" in only:
                results.append(time_to_first_token(server, settings, progress))
    if "paced" in only:
        results.append(paced_stream(settings, progress))
    if "reasoning_tools" in only:
        results.append(reasoning_stream(settings, progress))
    if "concurrent" in only:
        results.append(concurrent_calls(settings, progress))
    for result in results:
        result["contender_labels"] = CONTENDERS
    return results


def settings_dict(settings: ChatSettings) -> dict[str, Any]:
    return asdict(settings)
