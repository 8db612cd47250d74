# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Streamed replies are assembled right however the upstream chunks them, and never pass when incomplete."""

from typing import Any

import httpx
import pytest
from haystack.dataclasses import StreamingChunk, ToolCall

from haystack_integrations.components.generators.aimlapi import StreamInterruptedError
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json, fixture_text, json_response, sse_body, sse_response

MODEL = "gpt-5-nano-2025-08-07"


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "finish_reason": finish}
    if delta is not None:
        choice["delta"] = delta
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": MODEL, "choices": [choice]}
    body.update(extra)
    return body


def usage_chunk(**extra: Any) -> dict[str, Any]:
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": MODEL, "choices": []}
    body.update(extra)
    return body


USAGE = {"prompt_tokens": 80, "completion_tokens": 150, "total_tokens": 230}
COST = {"usage": {"credits_used": 190, "usd_spent": 9.5e-05}}


def stream(make_generator, body: bytes | str) -> tuple[Any, list[StreamingChunk]]:
    received: list[StreamingChunk] = []
    generator = make_generator(MockAPI(sse_response(body)))
    (reply,) = generator.run("hi", streaming_callback=received.append)["replies"]
    return reply, received


def test_openai_route_stream_equals_the_non_streamed_reply(make_generator):
    reply, chunks = stream(make_generator, fixture_text("stream_openai_route.sse"))
    (plain,) = make_generator(MockAPI(json_response(fixture_json("chat_openai_route.json")))).run("hi")["replies"]
    assert reply.text == plain.text == "The capital of France is Paris."
    for key in ("model", "index", "finish_reason", "provider_finish_reason", "cost"):
        assert reply.meta[key] == plain.meta[key], key
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert reply.meta["usage"][key] == plain.meta["usage"][key]
    assert reply.meta["completion_start_time"]
    assert "".join(c.content for c in chunks) == reply.text
    assert chunks[-1].meta["cost"] == {"credits_used": 248, "usd_spent": 0.000124}
    assert chunks[-1].meta["usage"]["total_tokens"] == 22


def test_every_chunk_reaches_the_callback_with_block_indices(make_generator):
    _, chunks = stream(make_generator, fixture_text("stream_openai_route.sse"))
    assert len(chunks) == 10  # one per data event, usage-only chunk included
    text_chunks = [c for c in chunks if c.content]
    assert text_chunks[0].start is True
    assert all(c.start is False for c in text_chunks[1:])
    assert {c.index for c in text_chunks} == {0}
    assert [c.finish_reason for c in chunks if c.finish_reason] == ["stop"]


def test_claude_route_stream(make_generator):
    reply, chunks = stream(make_generator, fixture_text("stream_claude_route.sse"))
    assert reply.text == "The capital of France is Paris."
    assert reply.meta["finish_reason"] == "stop"
    assert reply.meta["usage"]["total_tokens"] == 24
    assert reply.meta["cost"] == {"credits_used": 300, "usd_spent": 0.00015}
    assert reply.meta["model"] == "claude-sonnet-4-5-20250929"
    assert len(chunks) == 4


def test_qwen_reasoning_stream(make_generator):
    reply, chunks = stream(make_generator, fixture_text("stream_qwen_reasoning.sse"))
    assert reply.reasoning.reasoning_text == "The user wants the capital of France."
    assert reply.text == "Paris is the capital."
    reasoning_chunks = [c for c in chunks if c.reasoning]
    assert [c.reasoning.reasoning_text for c in reasoning_chunks] == ["The user", " wants the capital", " of France."]
    assert reasoning_chunks[0].start is True
    text_chunks = [c for c in chunks if c.content]
    assert text_chunks[0].start is True
    assert text_chunks[0].index == reasoning_chunks[0].index + 1
    assert reply.meta["usage"]["completion_tokens_details"]["reasoning_tokens"] == 30
    assert reply.meta["cost"]["credits_used"] == 120


def test_tool_call_stream_equals_the_non_streamed_reply(make_generator):
    reply, chunks = stream(make_generator, fixture_text("stream_tool_calls.sse"))
    (plain,) = make_generator(MockAPI(json_response(fixture_json("chat_tool_calls.json")))).run("hi")["replies"]
    assert reply.tool_calls == plain.tool_calls
    assert reply.meta["finish_reason"] == plain.meta["finish_reason"] == "tool_calls"
    assert reply.meta["cost"] == {"credits_used": 190, "usd_spent": 9.5e-05}
    starts = [c for c in chunks if c.tool_calls and c.start]
    assert [c.tool_calls[0].tool_name for c in starts] == ["weather", "weather"]
    assert starts[0].index != starts[1].index


def tool_delta(position: int, *, call_id: str | None, name: str | None, arguments: str) -> dict[str, Any]:
    call: dict[str, Any] = {"index": position, "function": {"arguments": arguments}}
    if call_id is not None:
        call["id"] = call_id
        call["type"] = "function"
    if name is not None:
        call["function"]["name"] = name
    return {"tool_calls": [call]}


def test_ids_and_names_repeated_in_every_delta_are_not_concatenated(make_generator):
    body = sse_body(
        [
            chunk({"role": "assistant", "content": None}),
            chunk(tool_delta(0, call_id="call_a", name="weather", arguments='{"city": ')),
            chunk(tool_delta(0, call_id="call_a", name="weather", arguments='"Paris"}')),
            chunk(tool_delta(1, call_id="call_b", name="weather", arguments='{"city": "Rome"}')),
            chunk(tool_delta(1, call_id="call_b", name="weather", arguments="")),
            chunk({}, finish="tool_calls"),
            usage_chunk(usage=USAGE, meta=COST),
        ]
    )
    reply, chunks = stream(make_generator, body)
    assert reply.tool_calls == [
        ToolCall(id="call_a", tool_name="weather", arguments={"city": "Paris"}),
        ToolCall(id="call_b", tool_name="weather", arguments={"city": "Rome"}),
    ]
    names_shown = [d.tool_name for c in chunks if c.tool_calls for d in c.tool_calls if d.tool_name]
    assert names_shown == ["weather", "weather"]


def test_ids_and_names_left_out_after_the_first_delta(make_generator):
    body = sse_body(
        [
            chunk(tool_delta(0, call_id="call_a", name="search", arguments="")),
            chunk(tool_delta(0, call_id=None, name=None, arguments='{"q"')),
            chunk(tool_delta(0, call_id=None, name=None, arguments=': "x"}')),
            chunk({}, finish="tool_calls"),
        ]
    )
    reply, _ = stream(make_generator, body)
    assert reply.tool_calls == [ToolCall(id="call_a", tool_name="search", arguments={"q": "x"})]


def test_id_that_arrives_only_in_a_later_delta(make_generator):
    body = sse_body(
        [
            chunk(tool_delta(0, call_id=None, name="search", arguments='{"q": 1}')),
            chunk({"tool_calls": [{"index": 0, "id": "call_late", "function": {}}]}, finish="tool_use"),
        ]
    )
    reply, _ = stream(make_generator, body)
    assert reply.tool_calls == [ToolCall(id="call_late", tool_name="search", arguments={"q": 1})]
    assert reply.meta["finish_reason"] == "tool_calls"
    assert reply.meta["provider_finish_reason"] == "tool_use"


def test_irregular_chunking(make_generator):
    """No delta, empty choices mid-stream, usage beside content, finish reason on a content chunk."""
    body = sse_body(
        [
            chunk({"role": "assistant", "content": "Hel"}),
            usage_chunk(),
            chunk(None),
            chunk({"role": "assistant", "content": "lo"}, usage={"prompt_tokens": 3, "completion_tokens": 1}),
            chunk({"content": "!"}, finish="end_turn", usage=USAGE),
            chunk(None, finish="stop", meta=COST),
        ]
    )
    reply, chunks = stream(make_generator, body)
    assert reply.text == "Hello!"
    assert reply.meta["usage"]["total_tokens"] == 230
    assert reply.meta["cost"]["credits_used"] == 190
    assert reply.meta["finish_reason"] == "stop"
    assert len(chunks) == 6


def test_stream_equals_non_streamed_for_reasoning_details(make_generator):
    details = fixture_json("chat_reasoning_details.json")["choices"][0]["message"]["reasoning_details"]
    body = sse_body(
        [
            chunk({"role": "assistant", "reasoning": "Capital of France: ", "reasoning_details": details[:1]}),
            chunk({"reasoning": "Paris."}),
            chunk({"content": "Paris."}, finish="stop"),
        ]
    )
    reply, _ = stream(make_generator, body)
    assert reply.reasoning.reasoning_text == "Capital of France: Paris."
    assert reply.reasoning.extra["reasoning_details"] == details


def test_streamed_reasoning_detail_fragments_become_the_non_streamed_entry(make_generator):
    """The text of a detail arrives a fragment at a time and its signature last, all under one `index`."""
    (whole,) = fixture_json("chat_reasoning_details.json")["choices"][0]["message"]["reasoning_details"]
    fragment = {"type": whole["type"], "format": whole["format"], "index": 0}
    body = sse_body(
        [
            chunk(
                {"role": "assistant", "reasoning": "Capital", "reasoning_details": [{**fragment, "text": "Capital"}]}
            ),
            chunk({"reasoning": " of France: ", "reasoning_details": [{**fragment, "text": " of France: "}]}),
            chunk({"reasoning": "Paris.", "reasoning_details": [{**fragment, "text": "Paris."}]}),
            chunk({"reasoning_details": [{"type": whole["type"], "index": 0, "signature": whole["signature"]}]}),
            chunk({"content": "Paris."}, finish="stop"),
        ]
    )
    reply, _ = stream(make_generator, body)
    assert reply.reasoning.reasoning_text == "Capital of France: Paris."
    assert reply.reasoning.extra["reasoning_details"] == [whole]


def test_reasoning_details_of_separate_entries_stay_separate(make_generator):
    body = sse_body(
        [
            chunk({"reasoning_details": [{"type": "reasoning.text", "index": 0, "text": "First."}]}),
            chunk({"reasoning_details": [{"type": "reasoning.encrypted", "index": 1, "data": "b64"}]}),
            chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": "No index."}]}),
            chunk({"content": "Done."}, finish="stop"),
        ]
    )
    reply, _ = stream(make_generator, body)
    assert reply.reasoning.extra["reasoning_details"] == [
        {"type": "reasoning.text", "index": 0, "text": "First."},
        {"type": "reasoning.encrypted", "index": 1, "data": "b64"},
        {"type": "reasoning.summary", "summary": "No index."},
    ]


@pytest.mark.parametrize(
    ("provider_reason", "finish_reason"), [("max_tokens", "length"), ("tool_use", "tool_calls"), ("end_turn", "stop")]
)
def test_a_trailing_stop_chunk_does_not_replace_the_finish_reason(make_generator, provider_reason, finish_reason):
    """Claude routes send one more chunk, without a delta, that says "stop" after the real finish reason."""
    deltas = [chunk({"role": "assistant", "content": "The capital of France is"})]
    if provider_reason == "tool_use":
        deltas.append(chunk(tool_delta(0, call_id="call_1", name="search", arguments='{"q": "Paris"}')))
    deltas += [chunk({"content": ""}, finish=provider_reason, usage=USAGE), chunk(None, finish="stop", meta=COST)]
    reply, chunks = stream(make_generator, sse_body(deltas))
    assert reply.meta["finish_reason"] == finish_reason
    assert reply.meta["provider_finish_reason"] == provider_reason
    assert reply.meta["cost"]["credits_used"] == 190
    # The callback is told the stream finished once, with the reply's reason; the trailing chunk keeps its raw meta.
    assert [c.finish_reason for c in chunks if c.finish_reason] == [finish_reason]
    assert chunks[-1].meta["finish_reason"] == "stop"


def test_callback_sees_reasoning_and_content_of_one_delta_separately(make_generator):
    body = sse_body([chunk({"reasoning_content": "hmm", "content": "Yes"}, finish="stop")])
    reply, chunks = stream(make_generator, body)
    assert [bool(c.reasoning) for c in chunks] == [True, False]
    assert chunks[1].content == "Yes"
    assert chunks[1].finish_reason == "stop"
    assert reply.text == "Yes"


def test_a_stream_without_finish_reason_is_not_a_reply(make_generator):
    body = sse_body([chunk({"role": "assistant", "content": "The capital"}), chunk({"content": " of"})], done=False)
    received: list[StreamingChunk] = []
    generator = make_generator(MockAPI(sse_response(body)))
    with pytest.raises(StreamInterruptedError, match="without a finish reason") as error:
        generator.run("hi", streaming_callback=received.append)
    assert error.value.reason == "truncated"
    assert error.value.chunks_received == 2
    assert error.value.partial_reply.text == "The capital of"
    assert "".join(c.content for c in received) == "The capital of"


def test_a_malformed_chunk_says_so(make_generator):
    body = sse_body([chunk({"content": "Hi"}), "{not json"])
    received: list[StreamingChunk] = []
    generator = make_generator(MockAPI(sse_response(body)))
    with pytest.raises(StreamInterruptedError, match="could not be parsed") as error:
        generator.run("hi", streaming_callback=received.append)
    assert error.value.reason == "malformed"
    assert error.value.partial_reply.text == "Hi"
    assert [c.content for c in received] == ["Hi"]


def test_an_error_event_mid_stream_keeps_the_partial_reply(make_generator):
    body = sse_body([chunk({"content": "Hi"}), {"error": {"message": "upstream overloaded"}}])
    generator = make_generator(MockAPI(sse_response(body)))
    with pytest.raises(StreamInterruptedError, match="the server sent an error") as error:
        generator.run("hi", streaming_callback=lambda c: None)
    assert "upstream overloaded" in str(error.value)
    assert error.value.reason == "error"
    assert error.value.partial_reply.text == "Hi"


@pytest.mark.parametrize("use_async", [False, True])
async def test_an_error_event_in_aimlapi_shape_mid_stream_carries_its_message(make_generator, use_async):
    error_body = {**fixture_json("error_403_credits.json"), "message": f"You've run out of credits (key {TEST_KEY})"}
    body = sse_body([chunk({"role": "assistant", "content": "Hi"}), error_body])
    received: list[StreamingChunk] = []
    generator = make_generator(MockAPI(sse_response(body)), use_async=use_async)
    with pytest.raises(StreamInterruptedError, match="the server sent an error") as error:
        if use_async:
            await generator.run_async("hi", streaming_callback=received.append)
        else:
            generator.run("hi", streaming_callback=received.append)
    assert "status 403: You've run out of credits" in str(error.value)
    assert TEST_KEY not in str(error.value)
    assert error.value.reason == "error"
    assert error.value.chunks_received == 1
    assert error.value.partial_reply.text == "Hi"
    assert [c.content for c in received] == ["Hi"]


@pytest.mark.parametrize("use_async", [False, True])
async def test_a_json_reply_to_a_streaming_request_is_not_taken_for_an_empty_stream(make_generator, use_async):
    """Some OpenAI-compatible servers ignore `stream` and answer with one JSON body."""
    received: list[StreamingChunk] = []
    generator = make_generator(MockAPI(json_response(fixture_json("chat_claude_route.json"))), use_async=use_async)
    with pytest.raises(StreamInterruptedError, match="one JSON reply instead of an event stream") as error:
        if use_async:
            await generator.run_async("hi", streaming_callback=received.append)
        else:
            generator.run("hi", streaming_callback=received.append)
    assert error.value.reason == "malformed"
    assert error.value.partial_reply.text == "The capital of France is Paris."
    assert error.value.partial_reply.meta["provider_finish_reason"] == "end_turn"
    assert received == []


def test_a_json_error_body_answering_a_streaming_request_carries_its_message(make_generator):
    body = {**fixture_json("error_403_credits.json"), "message": f"You've run out of credits ({TEST_KEY})"}
    generator = make_generator(MockAPI(json_response(body)))
    with pytest.raises(StreamInterruptedError, match="instead of an event stream: You've run out of credits") as error:
        generator.run("hi", streaming_callback=lambda c: None)
    assert error.value.reason == "error"
    assert TEST_KEY not in str(error.value)


def test_invalid_streamed_arguments_are_reported_not_dropped(make_generator):
    body = sse_body([chunk(tool_delta(0, call_id="call_a", name="weather", arguments='{"city": ')), chunk({}, "stop")])
    reply, _ = stream(make_generator, body)
    assert reply.tool_calls == []
    assert reply.meta["invalid_tool_calls"][0]["arguments"] == '{"city": '


async def test_async_stream_with_async_callback(make_generator):
    received: list[StreamingChunk] = []

    async def callback(streaming_chunk: StreamingChunk) -> None:
        received.append(streaming_chunk)

    generator = make_generator(MockAPI(sse_response(fixture_text("stream_tool_calls.sse"))), use_async=True)
    (reply,) = (await generator.run_async("hi", streaming_callback=callback))["replies"]
    assert [call.arguments for call in reply.tool_calls] == [{"city": "Paris"}, {"city": "Berlin"}]
    assert len(received) == 10


async def test_async_stream_accepts_a_sync_callback(make_generator):
    received: list[StreamingChunk] = []
    generator = make_generator(MockAPI(sse_response(fixture_text("stream_qwen_reasoning.sse"))), use_async=True)
    (reply,) = (await generator.run_async("hi", streaming_callback=received.append))["replies"]
    assert reply.text == "Paris is the capital."
    assert received


async def test_async_truncated_stream_raises(make_generator):
    body = sse_body([chunk({"content": "partial"})], done=False)
    generator = make_generator(MockAPI(sse_response(body)), use_async=True)
    with pytest.raises(StreamInterruptedError) as error:
        await generator.run_async("hi", streaming_callback=lambda c: None)
    assert error.value.partial_reply.text == "partial"


def test_init_callback_streams_every_call(make_generator):
    received: list[StreamingChunk] = []
    api = MockAPI(sse_response(fixture_text("stream_openai_route.sse")))
    make_generator(api, streaming_callback=received.append).run("hi")
    assert api.body()["stream"] is True
    assert received


def test_sync_run_refuses_an_async_callback(make_generator):
    async def callback(streaming_chunk: StreamingChunk) -> None:
        return None

    api = MockAPI(sse_response(fixture_text("stream_openai_route.sse")))
    with pytest.raises(ValueError, match="coroutine"):
        make_generator(api).run("hi", streaming_callback=callback)
    assert api.requests == []


class CallbackFailedError(Exception):
    pass


def failing_callback(chunk: StreamingChunk) -> None:
    if chunk.content:
        raise CallbackFailedError


class TrackedStream(httpx.SyncByteStream):
    """A response body that records whether the client closed it."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.closed = False

    def __iter__(self):
        yield self.body

    def close(self) -> None:
        self.closed = True


def test_a_failing_callback_propagates_and_closes_the_response(make_generator):
    body = TrackedStream(fixture_text("stream_openai_route.sse").encode())
    response = httpx.Response(200, stream=body, headers={"content-type": "text/event-stream"})
    generator = make_generator(MockAPI(response))
    with pytest.raises(CallbackFailedError):
        generator.run("hi", streaming_callback=failing_callback)
    assert body.closed


async def test_a_failing_async_callback_propagates(make_generator):
    async def callback(chunk: StreamingChunk) -> None:
        failing_callback(chunk)

    generator = make_generator(MockAPI(sse_response(fixture_text("stream_openai_route.sse"))), use_async=True)
    with pytest.raises(CallbackFailedError):
        await generator.run_async("hi", streaming_callback=callback)
