# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Property-based tests of everything that reads an answer: whatever the server sends, the result is a reply consistent
with it or one of the documented errors, never another exception, and never a partial reply passed as complete.

A few dozen examples per test by default; `FUZZ_EXAMPLES=5000 pytest -m fuzz` for a long run.
"""

import json
import os
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, StreamInterruptedError
from haystack_integrations.components.generators.aimlapi.chat.conversions import (
    ReplyShapeError,
    StreamAssembler,
    convert_completion_to_messages,
)

pytestmark = pytest.mark.fuzz

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)
finish_reasons = st.none() | st.sampled_from(["stop", "length", "tool_calls", "end_turn", "max_tokens", ""])
tool_call_deltas = st.fixed_dictionaries(
    {},
    optional={
        "index": st.none() | st.integers(0, 2),
        "id": st.none() | st.sampled_from(["call_a", "call_b", "call_c", ""]),
        "function": st.fixed_dictionaries(
            {},
            optional={
                "name": st.none() | st.sampled_from(["weather", "add"]),
                "arguments": st.none() | st.sampled_from(['{"a"', ": 1}", "{}", "null", "[1]", "", '{"x": 2}']),
            },
        ),
    },
)
deltas = st.fixed_dictionaries(
    {},
    optional={
        "role": st.just("assistant"),
        "content": st.none() | st.text(max_size=6),
        "reasoning_content": st.none() | st.text(max_size=6),
        "tool_calls": st.none() | st.lists(tool_call_deltas, max_size=2),
    },
)
choices = st.fixed_dictionaries(
    {"index": st.just(0)}, optional={"delta": st.none() | deltas, "finish_reason": finish_reasons}
)
usage = st.fixed_dictionaries({"prompt_tokens": st.integers(0, 99), "completion_tokens": st.integers(0, 99)})
chunks = st.fixed_dictionaries(
    {"choices": st.lists(choices, max_size=1)},
    optional={
        "model": st.none() | st.text(max_size=5),
        "usage": st.none() | usage,
        "meta": st.fixed_dictionaries({"usage": st.fixed_dictionaries({"credits_used": st.integers(0, 999)})}),
    },
)
# A chunk, or (rarely) anything JSON can be: what a broken or hostile server might put in an event.
events = st.one_of(chunks, chunks, chunks, json_values.map(lambda value: ("junk", value)))


def _has_finish_reason(event: Any) -> bool:
    return isinstance(event, dict) and any(
        isinstance(choice, dict) and choice.get("finish_reason") for choice in event.get("choices") or []
    )


def _content(event: Any) -> str:
    text = ""
    for choice in event.get("choices") or []:
        delta = choice.get("delta") or {}
        text += delta.get("content") or ""
    return text


@FUZZ
@given(sequence=st.lists(events, max_size=8))
def test_the_assembler_gives_a_consistent_reply_or_a_documented_error(sequence):
    assembler = StreamAssembler()
    seen: list[Any] = []
    try:
        for item in sequence:
            event = item[1] if isinstance(item, tuple) else item
            seen.append(event)
            streaming_chunks = assembler.add(event)
            assert streaming_chunks, "every chunk reaches the callback"
        reply = assembler.finish()
    except StreamInterruptedError as error:
        assert error.reason in ("malformed", "truncated")
        if error.reason == "truncated":
            assert not any(_has_finish_reason(event) for event in seen)
            accepted = seen
        else:
            # Only something a hostile server made up is refused; every chunk of the strategy is well-formed.
            assert isinstance(sequence[len(seen) - 1], tuple)
            accepted = seen[:-1]
        if error.partial_reply is not None:
            assert error.partial_reply.text == ("".join(_content(event) for event in accepted) or None)
        else:
            assert not accepted
        return
    assert any(_has_finish_reason(event) for event in seen), "a reply without a finish reason passed as complete"
    assert all(isinstance(event, dict) for event in seen)
    assert (reply.text or "") == "".join(_content(event) for event in seen)
    for call in reply.tool_calls:
        assert isinstance(call.arguments, dict) and call.tool_name
    assert reply.meta["finish_reason"] is not None


completion_like = st.fixed_dictionaries(
    {
        "choices": st.one_of(
            json_values,
            st.lists(
                st.fixed_dictionaries(
                    {"message": st.one_of(json_values, st.fixed_dictionaries({}, optional={"content": json_values}))},
                    optional={"index": json_values, "finish_reason": json_values, "logprobs": json_values},
                ),
                max_size=2,
            ),
        )
    },
    optional={"usage": json_values, "model": json_values, "meta": json_values},
)


@FUZZ
@given(body=st.one_of(json_values, completion_like))
def test_the_converter_gives_messages_or_a_shape_error(body):
    try:
        messages = convert_completion_to_messages(body)
    except ReplyShapeError:
        return
    except ValueError as error:
        assert "no choices" in str(error)
        return
    assert len(messages) == len(body["choices"])
    for message in messages:
        assert message.text is None or isinstance(message.text, str)


class _Server:
    """One transport for many examples: answers with whatever the current example set."""

    def __init__(self) -> None:
        self.content: Any = b""
        self.content_type = "application/json"

    def handle(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=self.content, headers={"content-type": self.content_type})


@pytest.fixture(scope="module")
def server_and_generator() -> tuple[_Server, AIMLAPIChatGenerator]:
    server = _Server()
    generator = AIMLAPIChatGenerator(
        max_retries=0, http_client_kwargs={"transport": httpx.MockTransport(server.handle)}
    )
    return server, generator


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=60), json_values.map(lambda v: json.dumps(v).encode()), completion_like.map(json.dumps)
    )
)
def test_a_plain_reply_of_any_body_is_a_reply_or_a_typed_error(server_and_generator, body):
    server, generator = server_and_generator
    server.content, server.content_type = body if isinstance(body, bytes) else body.encode(), "application/json"
    try:
        replies = generator.run("hi")["replies"]
    except openai.APIResponseValidationError as error:
        assert "200" in str(error)
        return
    except ValueError as error:
        assert "no choices" in str(error)
        return
    assert replies


@FUZZ
@given(sequence=st.lists(chunks, min_size=1, max_size=6), cuts=st.lists(st.integers(0, 5000), max_size=6))
def test_a_stream_split_anywhere_gives_the_same_reply(server_and_generator, sequence, cuts):
    server, generator = server_and_generator
    sequence = [*sequence, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
    body = "".join(f"data: {json.dumps(event)}\r\n\r\n" for event in sequence).encode() + b"data: [DONE]\n\n"
    positions = sorted({cut % (len(body) + 1) for cut in cuts})
    pieces = [body[a:b] for a, b in zip([0, *positions], [*positions, len(body)], strict=True)]
    server.content, server.content_type = iter(pieces), "text/event-stream"
    received: list[Any] = []
    (reply,) = generator.run("hi", streaming_callback=received.append)["replies"]
    assert (reply.text or "") == "".join(_content(event) for event in sequence)
    assert "".join(c.content for c in received) == (reply.text or "")

    assembler = StreamAssembler()
    for event in sequence:
        assembler.add(event)
    expected = assembler.finish()
    assert reply.tool_calls == expected.tool_calls
    assert reply.meta.get("invalid_tool_calls") == expected.meta.get("invalid_tool_calls")


def _checked_field_by_field(chunk: Any) -> None:
    """Every field `_chunk_choices` reads, checked against the field tables one by one, with no shortcut: the
    reference its written-out checks for common chunks must agree with."""
    from haystack_integrations.components.generators.aimlapi.chat import conversions as c  # noqa: PLC0415

    if type(chunk) is not dict:
        raise ReplyShapeError("not a chunk")
    c._check_fields(chunk, c._CHUNK_FIELDS, "the chunk")
    found = chunk.get("choices")
    if found is None:
        return
    if type(found) is not list:
        raise ReplyShapeError("choices")
    for position, choice in enumerate(found):
        if type(choice) is not dict:
            raise ReplyShapeError("choice")
        c._check_fields(choice, c._CHOICE_FIELDS, f"choices[{position}]")
        delta = choice.get("delta")
        if delta is None:
            continue
        if type(delta) is not dict:
            raise ReplyShapeError("delta")
        c._check_fields(delta, c._DELTA_FIELDS, "delta")
        content = delta.get("content")
        if content is not None and type(content) is not str:
            c._text_content(content, "delta")
        if delta.get("tool_calls") is not None:
            c._check_tool_call_deltas(delta["tool_calls"], "delta")


# Every field `_chunk_choices` reads (and one it does not), to be given a value of any type in an otherwise
# well-formed chunk.
CHECKED_FIELDS = [
    ("chunk", "model"),
    ("chunk", "usage"),
    ("chunk", "choices"),
    ("choice", "index"),
    ("choice", "finish_reason"),
    ("choice", "logprobs"),
    ("choice", "delta"),
    ("delta", "role"),
    ("delta", "content"),
    ("delta", "reasoning_content"),
    ("delta", "reasoning"),
    ("delta", "reasoning_details"),
    ("delta", "tool_calls"),
]
anything = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3)
odd_values = (
    anything
    | st.lists(anything, max_size=2)
    | st.dictionaries(st.text(max_size=3), anything, max_size=2)
    | st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": anything}), min_size=1, max_size=2)
)


@FUZZ
@given(chunk=chunks, field=st.sampled_from(CHECKED_FIELDS), value=odd_values)
def test_the_quick_checks_of_a_chunk_agree_with_checking_every_field(chunk, field, value):
    from haystack_integrations.components.generators.aimlapi.chat.conversions import _chunk_choices  # noqa: PLC0415

    level, key = field
    target = chunk
    if level != "chunk":
        if not chunk["choices"]:
            chunk["choices"] = [{"index": 0}]
        target = chunk["choices"][0]
        if level == "delta":
            if not isinstance(target.get("delta"), dict):
                target["delta"] = {}
            target = target["delta"]
    target[key] = value
    try:
        _checked_field_by_field(chunk)
    except ReplyShapeError:
        with pytest.raises(ReplyShapeError):
            _chunk_choices(chunk)
    else:
        _chunk_choices(chunk)
