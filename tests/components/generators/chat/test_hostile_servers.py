# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Answers that are not what the protocol promises end in a correct reply or one typed error, never a crash."""

import json
from typing import Any

import httpx
import openai
import pytest
from haystack.components.agents import Agent
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.tools import Tool

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, StreamInterruptedError
from tests.conftest import TEST_KEY
from tests.support import MockAPI, json_response, sse_body, sse_response

MODEL = "gpt-5-nano-2025-08-07"


def completion(message: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    message = message if message is not None else {"role": "assistant", "content": "Paris."}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }
    body.update(extra)
    return body


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, index: int = 0) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": index, "finish_reason": finish}
    if delta is not None:
        choice["delta"] = delta
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": MODEL, "choices": [choice]}


def raw(body: bytes | str, content_type: str = "application/json", status: int = 200) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers={"content-type": content_type})


async def run(generator: AIMLAPIChatGenerator, use_async: bool, **kwargs: Any) -> dict[str, Any]:
    if use_async:
        return await generator.run_async("hi", **kwargs)
    return generator.run("hi", **kwargs)


def make(make_generator, response: httpx.Response, use_async: bool, **kwargs: Any) -> AIMLAPIChatGenerator:
    return make_generator(MockAPI(response), use_async=use_async, **kwargs)


# --- non-streamed bodies that are not a chat completion ---------------------------------------------------------

NOT_A_COMPLETION = {
    "empty": (b"", "application/json", "the body is empty"),
    "whitespace": (b"  \n ", "application/json", "the body is empty"),
    "html": (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", "not JSON"),
    "text": (b"upstream connect error", "text/plain", "not JSON"),
    "truncated json": (b'{"id": "x", "choices": [{"index": 0, "mess', "application/json", "not JSON"),
    "invalid utf-8": (b'{"choices": "\xff\xfe"}', "application/json", "not JSON"),
    "deep nesting": (b"[" * 100_000, "application/json", "not JSON"),
    "a list": (b"[]", "application/json", "the body is a list"),
    "null": (b"null", "application/json", "the body is null"),
    "a number": (b"42", "application/json", "the body is a number"),
    "a string": (b'"ok"', "application/json", "the body is a string"),
    "no choices key": (b'{"id": "x"}', "application/json", "choices is null"),
    "choices an object": (b'{"choices": {"0": {}}}', "application/json", "choices is an object"),
    "choice a string": (b'{"choices": ["Paris"]}', "application/json", "choices[0] is a string"),
    "choice null": (b'{"choices": [null]}', "application/json", "choices[0] is null"),
    "message missing": (b'{"choices": [{"index": 0}]}', "application/json", "choices[0].message is null"),
    "message a string": (b'{"choices": [{"message": "Paris"}]}', "application/json", "message is a string"),
    "content a number": (b'{"choices": [{"message": {"content": 5}}]}', "application/json", "content is a number"),
    "content a list": (b'{"choices": [{"message": {"content": ["a"]}}]}', "application/json", "content is a list"),
    "tool_calls an object": (b'{"choices": [{"message": {"tool_calls": {}}}]}', "application/json", "tool_calls is"),
    "tool call a string": (b'{"choices": [{"message": {"tool_calls": ["x"]}}]}', "application/json", "tool_calls[0]"),
    "tool name a number": (
        b'{"choices": [{"message": {"tool_calls": [{"id": "a", "function": {"name": 1}}]}}]}',
        "application/json",
        "function.name is a number",
    ),
    "arguments a list": (
        b'{"choices": [{"message": {"tool_calls": [{"id": "a", "function": {"name": "f", "arguments": [1]}}]}}]}',
        "application/json",
        "arguments is a list",
    ),
    "finish_reason a number": (b'{"choices": [{"message": {}, "finish_reason": 1}]}', "application/json", "finish"),
    "index a string": (b'{"choices": [{"message": {}, "index": "0"}]}', "application/json", "index is a string"),
    "index a boolean": (b'{"choices": [{"message": {}, "index": true}]}', "application/json", "index is a boolean"),
    "usage a list": (b'{"choices": [{"message": {}}], "usage": []}', "application/json", "usage is a list"),
    "model a number": (b'{"choices": [{"message": {}}], "model": 3}', "application/json", "model is a number"),
    "reasoning a number": (
        b'{"choices": [{"message": {"reasoning_content": 1}}]}',
        "application/json",
        "reasoning_content is a number",
    ),
    "error body with 200": (
        b'{"message": "Internal upstream error", "statusCode": 500}',
        "application/json",
        "Internal upstream error",
    ),
}


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("case", list(NOT_A_COMPLETION))
async def test_a_body_that_is_not_a_completion_is_one_typed_error(make_generator, case, use_async):
    body, content_type, problem = NOT_A_COMPLETION[case]
    generator = make(make_generator, raw(body, content_type), use_async)
    with pytest.raises(openai.APIResponseValidationError) as raised:
        await run(generator, use_async)
    text = str(raised.value)
    assert isinstance(raised.value, openai.APIError)
    assert "200" in text and content_type in text
    assert problem in text
    assert ("began: " in text) if body.strip() else ("an empty body" in text)


@pytest.mark.parametrize("status", [201, 203])
def test_other_success_statuses_are_read_and_named(make_generator, status):
    reply = make(make_generator, raw(json.dumps(completion()), status=status), False).run("hi")["replies"][0]
    assert reply.text == "Paris."
    with pytest.raises(openai.APIResponseValidationError, match=f"answered {status} "):
        make(make_generator, raw(b"<html>", "text/html", status=status), False).run("hi")


def test_the_key_a_server_echoes_in_a_bad_body_is_redacted(make_generator):
    body = f"<html>Invalid token Bearer {TEST_KEY} for this route</html>".encode()
    with pytest.raises(openai.APIResponseValidationError) as raised:
        make(make_generator, raw(body, "text/html"), False).run("hi")
    assert TEST_KEY not in str(raised.value)
    assert TEST_KEY not in repr(raised.value.body)
    assert "***" in str(raised.value)


def test_a_long_body_is_quoted_only_in_part(make_generator):
    body = b"<html>" + b"x" * 10_000 + b"</html>"
    with pytest.raises(openai.APIResponseValidationError) as raised:
        make(make_generator, raw(body, "text/html"), False).run("hi")
    assert len(str(raised.value)) < 700


def test_a_byte_order_mark_before_a_json_reply_is_read(make_generator):
    body = b"\xef\xbb\xbf" + json.dumps(completion()).encode()
    assert make(make_generator, raw(body), False).run("hi")["replies"][0].text == "Paris."


def test_arguments_sent_as_an_object_are_read(make_generator):
    message = {"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": {"x": 1}}}]}
    (reply,) = make(make_generator, json_response(completion(message)), False).run("hi")["replies"]
    assert reply.tool_calls[0].arguments == {"x": 1}


# --- tool-call arguments that are not an object -----------------------------------------------------------------

NON_OBJECT_ARGUMENTS = ["null", "[1, 2]", "42", '"Paris"', "true", "{not json"]


@pytest.mark.parametrize("arguments", NON_OBJECT_ARGUMENTS)
def test_plain_reply_arguments_that_are_not_an_object_are_invalid_calls(make_generator, arguments):
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "bad", "type": "function", "function": {"name": "weather", "arguments": arguments}},
            {"id": "good", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Rome"}'}},
        ],
    }
    (reply,) = make(make_generator, json_response(completion(message)), False).run("hi")["replies"]
    assert [call.id for call in reply.tool_calls] == ["good"]
    (invalid,) = reply.meta["invalid_tool_calls"]
    assert invalid["id"] == "bad" and invalid["arguments"] == arguments and invalid["tool_name"] == "weather"


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("arguments", NON_OBJECT_ARGUMENTS)
async def test_streamed_arguments_that_are_not_an_object_are_invalid_calls(make_generator, arguments, use_async):
    events = [
        chunk({"tool_calls": [{"index": 0, "id": "bad", "function": {"name": "weather", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments}}]}),
        chunk(finish="tool_calls"),
    ]
    generator = make(make_generator, sse_response(sse_body(events)), use_async)
    (reply,) = (await run(generator, use_async, streaming_callback=lambda c: None))["replies"]
    assert reply.tool_calls == []
    assert reply.meta["invalid_tool_calls"][0]["arguments"] == arguments


def test_a_tool_call_without_a_name_is_invalid_not_an_empty_name(make_generator):
    message = {"role": "assistant", "tool_calls": [{"id": "a", "function": {"arguments": "{}"}}]}
    (reply,) = make(make_generator, json_response(completion(message)), False).run("hi")["replies"]
    assert reply.tool_calls == []
    assert reply.meta["invalid_tool_calls"][0]["error"] == "the call names no tool"


def weather(city: str) -> str:
    return f"Sunny in {city}"


WEATHER = Tool(
    name="weather",
    description="Weather in a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    function=weather,
)


@pytest.mark.parametrize("arguments", ["null", "[1]", "7", '"Rome"'])
def test_an_agent_does_not_crash_on_arguments_that_are_not_an_object(make_generator, arguments):
    bad_call = {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": arguments}}
    api = MockAPI(
        json_response(completion({"role": "assistant", "content": "Let me check.", "tool_calls": [bad_call]}))
    )
    agent = Agent(chat_generator=make_generator(api), tools=[WEATHER])
    result = agent.run([ChatMessage.from_user("Weather in Rome?")])
    last = result["messages"][-1]
    assert last.tool_calls == []
    assert last.meta["invalid_tool_calls"][0]["arguments"] == arguments
    assert len(api.requests) == 1  # nothing was run, so nothing was sent back


# --- parallel tool calls told apart by id -----------------------------------------------------------------------

PLAIN_TWO_CALLS = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {"id": "call_a", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}},
        {"id": "call_b", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Berlin"}'}},
    ],
}


def _delta(index: int | None, call_id: str | None, name: str | None, arguments: str) -> dict[str, Any]:
    call: dict[str, Any] = {"function": {"arguments": arguments}}
    if index is not None:
        call["index"] = index
    if call_id is not None:
        call["id"] = call_id
        call["type"] = "function"
    if name is not None:
        call["function"]["name"] = name
    return chunk({"tool_calls": [call]})


STREAMS_OF_TWO_CALLS = {
    # OpenAI: an index per call, id and name in the first delta only.
    "openai": [
        _delta(0, "call_a", "weather", ""),
        _delta(0, None, None, '{"city": "Paris"}'),
        _delta(1, "call_b", "weather", ""),
        _delta(1, None, None, '{"city": "Berlin"}'),
    ],
    # Gemini / Ollama style: no index at all, each call whole in one delta.
    "no index": [
        _delta(None, "call_a", "weather", '{"city": "Paris"}'),
        _delta(None, "call_b", "weather", '{"city": "Berlin"}'),
    ],
    # vLLM style: every call says index 0; a new id starts a new call.
    "index repeated": [
        _delta(0, "call_a", "weather", '{"city": '),
        _delta(0, None, None, '"Paris"}'),
        _delta(0, "call_b", "weather", '{"city": '),
        _delta(0, None, None, '"Berlin"}'),
    ],
    # Ids repeated in every delta, no index.
    "no index, id repeated": [
        _delta(None, "call_a", "weather", '{"city": '),
        _delta(None, "call_a", None, '"Paris"}'),
        _delta(None, "call_b", "weather", '{"city": '),
        _delta(None, "call_b", None, '"Berlin"}'),
    ],
    # Both calls in one delta, no index.
    "one delta, no index": [
        chunk(
            {
                "tool_calls": [
                    {"id": "call_a", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}},
                    {"id": "call_b", "function": {"name": "weather", "arguments": '{"city": "Berlin"}'}},
                ]
            }
        )
    ],
}


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("style", list(STREAMS_OF_TWO_CALLS))
async def test_parallel_calls_are_assembled_per_call_and_equal_the_plain_reply(make_generator, style, use_async):
    events = [*STREAMS_OF_TWO_CALLS[style], chunk(finish="tool_calls")]
    received: list[StreamingChunk] = []
    generator = make(make_generator, sse_response(sse_body(events)), use_async)
    (streamed,) = (await run(generator, use_async, streaming_callback=received.append))["replies"]
    (plain,) = make(make_generator, json_response(completion(PLAIN_TWO_CALLS)), False).run("hi")["replies"]
    assert streamed.tool_calls == plain.tool_calls
    assert [call.arguments for call in streamed.tool_calls] == [{"city": "Paris"}, {"city": "Berlin"}]
    assert "invalid_tool_calls" not in streamed.meta
    # The callback sees two calls, each numbered on its own.
    indices = {delta.index for c in received for delta in c.tool_calls or []}
    assert indices == {0, 1}


# --- stream chunks that are not chunks --------------------------------------------------------------------------

NOT_A_CHUNK = {
    "a list": "[1, 2]",
    "a number": "3",
    "a string": '"hello"',
    "null": "null",
    "choices an object": '{"choices": {"index": 0}}',
    "choice a string": '{"choices": ["x"]}',
    "delta a string": '{"choices": [{"index": 0, "delta": "more"}]}',
    "content a number": '{"choices": [{"index": 0, "delta": {"content": 7}}]}',
    "content an object": '{"choices": [{"index": 0, "delta": {"content": {"text": "x"}}}]}',
    "tool_calls a string": '{"choices": [{"index": 0, "delta": {"tool_calls": "f"}}]}',
    "tool call index a string": '{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": "0"}]}}]}',
    "arguments a number": '{"choices": [{"index": 0, "delta": {"tool_calls": [{"function": {"arguments": 1}}]}}]}',
    "finish_reason a list": '{"choices": [{"index": 0, "finish_reason": ["stop"]}]}',
    "usage a string": '{"choices": [], "usage": "lots"}',
    "model a list": '{"choices": [], "model": ["a"]}',
}


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("case", list(NOT_A_CHUNK))
async def test_an_event_that_is_not_a_chunk_is_malformed_and_keeps_the_partial_reply(make_generator, case, use_async):
    events = [chunk({"content": "Par"}), NOT_A_CHUNK[case], chunk({"content": "is"}, finish="stop")]
    received: list[StreamingChunk] = []
    generator = make(make_generator, sse_response(sse_body(events)), use_async)
    with pytest.raises(StreamInterruptedError) as raised:
        await run(generator, use_async, streaming_callback=received.append)
    assert raised.value.reason == "malformed"
    assert raised.value.partial_reply.text == "Par"
    assert raised.value.chunks_received == 1
    assert "".join(c.content for c in received) == "Par"


@pytest.mark.parametrize("use_async", [False, True])
async def test_a_stream_of_several_choices_is_refused_not_merged(make_generator, use_async):
    events = [chunk({"content": "Paris"}, index=0), chunk({"content": "Rome"}, index=1), chunk(finish="stop")]
    generator = make(make_generator, sse_response(sse_body(events)), use_async)
    with pytest.raises(StreamInterruptedError, match="more than one choice") as raised:
        await run(generator, use_async, streaming_callback=lambda c: None)
    assert raised.value.reason == "malformed"
    assert raised.value.partial_reply.text == "Paris"


def test_two_choices_in_one_chunk_are_refused(make_generator):
    two = chunk({"content": "a"})
    two["choices"].append({"index": 1, "delta": {"content": "b"}, "finish_reason": None})
    generator = make(make_generator, sse_response(sse_body([two, chunk(finish="stop")])), False)
    with pytest.raises(StreamInterruptedError, match="more than one choice"):
        generator.run("hi", streaming_callback=lambda c: None)


# --- SSE as servers send it, end to end ---------------------------------------------------------------------------

HELLO = [chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}), chunk(finish="stop")]


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b.replace(b"\n", b"\r"), id="cr"),
        pytest.param(lambda b: b": OPENROUTER PROCESSING\n\n" + b.replace(b"\n\n", b"\n\n: ping\n\n"), id="comments"),
        pytest.param(lambda b: b.replace(b"data: [DONE]\n\n", b""), id="no-done"),
    ],
)
async def test_sse_variants_give_the_whole_reply(make_generator, transform, use_async):
    generator = make(make_generator, sse_response(transform(sse_body(HELLO))), use_async)
    received: list[StreamingChunk] = []
    (reply,) = (await run(generator, use_async, streaming_callback=received.append))["replies"]
    assert reply.text == "Hello"
    assert "".join(c.content for c in received) == "Hello"


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize(
    ("error_event", "message"),
    [
        ('event: error\ndata: {"error": {"message": "Upstream overloaded", "code": 529}}\n\n', "Upstream overloaded"),
        ('event: error\ndata: {"message": "Provider timed out", "statusCode": 504}\n\n', "Provider timed out"),
        ("event: error\ndata: upstream went away\n\n", "upstream went away"),
        ('data: {"error": {"message": "Context window exceeded"}}\n\n', "Context window exceeded"),
        ('data: {"message": "Credits exhausted", "statusCode": 403}\n\n', "Credits exhausted"),
    ],
)
async def test_an_error_event_after_the_finish_reason_still_fails_the_stream(
    make_generator, error_event, message, use_async
):
    body = sse_body(HELLO, done=False) + error_event.encode() + b"data: [DONE]\n\n"
    generator = make(make_generator, sse_response(body), use_async)
    with pytest.raises(StreamInterruptedError, match=message) as raised:
        await run(generator, use_async, streaming_callback=lambda c: None)
    assert raised.value.reason == "error"
    assert raised.value.partial_reply.text == "Hello"


def test_an_html_page_answering_a_stream_is_truncated_not_a_reply(make_generator):
    generator = make(make_generator, raw(b"<html><body>Gateway</body></html>", "text/html"), False)
    with pytest.raises(StreamInterruptedError) as raised:
        generator.run("hi", streaming_callback=lambda c: None)
    assert raised.value.reason == "malformed"


@pytest.mark.parametrize("use_async", [False, True])
async def test_events_answering_a_request_that_did_not_stream_are_read_as_the_reply(make_generator, use_async):
    generator = make(make_generator, sse_response(sse_body(HELLO)), use_async)
    (reply,) = (await run(generator, use_async))["replies"]
    assert reply.text == "Hello"
    assert reply.meta["finish_reason"] == "stop"


def test_incomplete_events_answering_a_request_that_did_not_stream_are_not_a_reply(make_generator):
    generator = make(make_generator, sse_response(sse_body(HELLO[:2])), False)
    with pytest.raises(StreamInterruptedError) as raised:
        generator.run("hi")
    assert raised.value.reason == "truncated"
    assert raised.value.partial_reply.text == "Hello"


# --- broken connections on real sockets ---------------------------------------------------------------------------


@pytest.mark.loopback
@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("http_library", ["openai's own", "httpx from http_client_kwargs"])
@pytest.mark.parametrize(
    "fault", [("stall", "timeout", openai.APITimeoutError), ("disconnect", "disconnect", openai.APIConnectionError)]
)
async def test_a_broken_connection_is_the_sdks_own_error_inside_the_interruption(
    llmock_server, fault, http_library, use_async
):
    kind, reason, cause = fault
    llmock_server.scenario(
        {"type": "reply", "text": "one two three four five"},
        {"type": "stream_fault", "kind": kind, "after_chunks": 3, "stall_seconds": 3.0},
    )
    kwargs: dict[str, Any] = {"http_client_kwargs": {"timeout": 1.0}} if http_library.startswith("httpx") else {}
    generator = AIMLAPIChatGenerator(
        api_base_url=llmock_server.url, model="gpt-4o-mini", timeout=1.0, max_retries=0, **kwargs
    )
    received: list[StreamingChunk] = []
    with pytest.raises(StreamInterruptedError) as raised:
        await run(generator, use_async, streaming_callback=received.append)
    assert raised.value.reason == reason
    assert isinstance(raised.value.__cause__, cause)
    assert raised.value.partial_reply.text == "".join(c.content for c in received) == "one two "
    if use_async:
        await generator.close_async()


TEXT_PARTS = [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]


@pytest.mark.parametrize("use_async", [False, True])
async def test_content_sent_as_a_list_of_text_parts_is_read_as_text(make_generator, use_async):
    plain = make(make_generator, json_response(completion({"role": "assistant", "content": TEXT_PARTS})), use_async)
    assert (await run(plain, use_async))["replies"][0].text == "Hello"
    events = [chunk({"content": TEXT_PARTS[:1]}), chunk({"content": TEXT_PARTS[1:]}), chunk(finish="stop")]
    streamed = make(make_generator, sse_response(sse_body(events)), use_async)
    received: list[StreamingChunk] = []
    (reply,) = (await run(streamed, use_async, streaming_callback=received.append))["replies"]
    assert reply.text == "Hello" == "".join(c.content for c in received)


def test_content_parts_that_are_not_text_are_refused(make_generator):
    parts = [{"type": "text", "text": "Look:"}, {"type": "image_url", "image_url": {"url": "https://x"}}]
    with pytest.raises(openai.APIResponseValidationError, match="content is a list"):
        make(make_generator, json_response(completion({"role": "assistant", "content": parts})), False).run("hi")
    events = [chunk({"content": parts}), chunk(finish="stop")]
    with pytest.raises(StreamInterruptedError, match="content is a list") as raised:
        make(make_generator, sse_response(sse_body(events)), False).run("hi", streaming_callback=lambda c: None)
    assert raised.value.reason == "malformed"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1/")), "timeout"),
        (httpx.ReadTimeout("timed out"), "timeout"),
        (httpx.RemoteProtocolError("peer closed connection without sending complete message body"), "disconnect"),
        (httpx.ReadError("connection reset"), "disconnect"),
    ],
)
def test_a_read_failure_below_or_inside_the_sdk_names_its_reason(error, reason):
    from haystack_integrations.components.generators.aimlapi.chat.conversions import StreamAssembler  # noqa: PLC0415

    assembler = StreamAssembler()
    assembler.add(chunk({"content": "Par"}))
    interrupted = assembler.interrupted(error)
    assert interrupted.reason == reason
    assert interrupted.partial_reply.text == "Par"
