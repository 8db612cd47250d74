# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Non-streamed replies: text, meta, cost, finish reasons, reasoning and tool calls."""

import pytest
from haystack.dataclasses import ToolCall

from tests.support import MockAPI, fixture_json, json_response


def reply_for(make_generator, body: dict, **kwargs):
    return make_generator(MockAPI(json_response(body)), **kwargs).run("hi")["replies"]


def test_openai_route_reply_meta(make_generator):
    (reply,) = reply_for(make_generator, fixture_json("chat_openai_route.json"))
    assert reply.text == "The capital of France is Paris."
    assert reply.meta["model"] == "gpt-4o-2024-08-06"
    assert reply.meta["index"] == 0
    assert reply.meta["finish_reason"] == "stop"
    assert reply.meta["provider_finish_reason"] == "stop"
    assert reply.meta["usage"]["prompt_tokens"] == 14
    assert reply.meta["usage"]["completion_tokens"] == 8
    assert reply.meta["usage"]["total_tokens"] == 22
    assert reply.meta["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
    assert reply.meta["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    assert reply.meta["cost"] == {"credits_used": 248, "usd_spent": 0.000124}
    assert reply.reasoning is None


def test_claude_route_reply(make_generator):
    (reply,) = reply_for(make_generator, fixture_json("chat_claude_route.json"))
    assert reply.text == "The capital of France is Paris."
    assert reply.meta["finish_reason"] == "stop"
    assert reply.meta["provider_finish_reason"] == "end_turn"
    assert reply.reasoning.reasoning_text == "The user asks for the capital of France. That is Paris."
    assert reply.meta["cost"] == {"credits_used": 14310, "usd_spent": 0.007155}


def test_reasoning_string_and_details(make_generator):
    (reply,) = reply_for(make_generator, fixture_json("chat_reasoning_details.json"))
    assert reply.text == "Paris."
    assert reply.reasoning.reasoning_text == "Capital of France: Paris."
    details = reply.reasoning.extra["reasoning_details"]
    assert details[0]["type"] == "reasoning.text"
    assert details[0]["format"] == "anthropic-claude-v1"


def test_reasoning_only_in_details_still_yields_text(make_generator):
    body = fixture_json("chat_reasoning_details.json")
    del body["choices"][0]["message"]["reasoning"]
    (reply,) = reply_for(make_generator, body)
    assert reply.reasoning.reasoning_text == "Capital of France: Paris."


def test_encrypted_reasoning_details_are_kept_without_text(make_generator):
    body = fixture_json("chat_reasoning_details.json")
    message = body["choices"][0]["message"]
    del message["reasoning"]
    message["reasoning_details"] = [{"type": "reasoning.encrypted", "data": "opaque", "index": 0}]
    (reply,) = reply_for(make_generator, body)
    assert reply.reasoning.reasoning_text == ""
    assert reply.reasoning.extra["reasoning_details"] == [{"type": "reasoning.encrypted", "data": "opaque", "index": 0}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("STOP", "stop"),
        ("MAX_TOKENS", "length"),
        ("SAFETY", "content_filter"),
        ("content_filter", "content_filter"),
        ("length", "length"),
        ("something_new", "something_new"),
    ],
)
def test_finish_reasons_are_translated_and_the_original_kept(make_generator, raw, expected):
    body = fixture_json("chat_openai_route.json")
    body["choices"][0]["finish_reason"] = raw
    (reply,) = reply_for(make_generator, body)
    assert reply.meta["finish_reason"] == expected
    assert reply.meta["provider_finish_reason"] == raw


def test_truncated_reply_is_logged(make_generator, caplog):
    body = fixture_json("chat_claude_route.json")
    body["choices"][0]["finish_reason"] = "max_tokens"
    reply_for(make_generator, body)
    assert "truncated" in caplog.text


def test_parallel_tool_calls(make_generator):
    (reply,) = reply_for(make_generator, fixture_json("chat_tool_calls.json"))
    assert reply.text is None
    assert reply.tool_calls == [
        ToolCall(id="call_paris01", tool_name="weather", arguments={"city": "Paris"}),
        ToolCall(id="call_berlin02", tool_name="weather", arguments={"city": "Berlin"}),
    ]
    assert reply.meta["finish_reason"] == "tool_calls"
    assert reply.meta["usage"]["completion_tokens_details"]["reasoning_tokens"] == 128


def test_invalid_tool_call_arguments_are_kept_raw_and_reported(make_generator, caplog):
    body = fixture_json("chat_tool_calls.json")
    body["choices"][0]["message"]["tool_calls"][1]["function"]["arguments"] = '{"city": "Ber'
    (reply,) = reply_for(make_generator, body)
    assert [call.id for call in reply.tool_calls] == ["call_paris01"]
    (invalid,) = reply.meta["invalid_tool_calls"]
    assert invalid["id"] == "call_berlin02"
    assert invalid["tool_name"] == "weather"
    assert invalid["arguments"] == '{"city": "Ber'
    assert invalid["error"]
    assert "not valid JSON" in caplog.text


def test_claude_style_finish_for_tool_use(make_generator):
    body = fixture_json("chat_tool_calls.json")
    body["choices"][0]["finish_reason"] = "tool_use"
    body["id"] = "msg_01ToolUse"
    (reply,) = reply_for(make_generator, body)
    assert reply.meta["finish_reason"] == "tool_calls"
    assert len(reply.tool_calls) == 2


def test_cost_derives_usd_from_credits_when_only_credits_are_given(make_generator):
    body = fixture_json("chat_openai_route.json")
    body["meta"] = {"usage": {"credits_used": 2000}}
    (reply,) = reply_for(make_generator, body)
    assert reply.meta["cost"] == {"credits_used": 2000, "usd_spent": 0.001}


def test_reply_without_cost_block_has_no_cost_key(make_generator):
    body = fixture_json("chat_openai_route.json")
    del body["meta"]
    (reply,) = reply_for(make_generator, body)
    assert "cost" not in reply.meta


COST_HEADERS = {"x-aimlapi-credits-used": "630", "x-aimlapi-usd-spent": "0.000315"}


def test_cost_comes_from_the_headers_when_the_body_has_none(make_generator):
    body = fixture_json("chat_openai_route.json")
    del body["meta"]
    api = MockAPI(json_response(body, headers=COST_HEADERS))
    (reply,) = make_generator(api).run("hi")["replies"]
    assert reply.meta["cost"] == {"credits_used": 630, "usd_spent": 0.000315}


async def test_cost_comes_from_the_headers_when_the_body_has_none_async(make_generator):
    body = fixture_json("chat_openai_route.json")
    body["meta"] = {"route": "openai"}  # a meta block without usage: kept, and given the cost
    api = MockAPI(json_response(body, headers={"x-aimlapi-credits-used": "4000"}))
    (reply,) = (await make_generator(api, use_async=True).run_async("hi"))["replies"]
    assert reply.meta["cost"] == {"credits_used": 4000, "usd_spent": 0.002}


def test_the_body_cost_wins_over_the_headers(make_generator):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json"), headers=COST_HEADERS))
    (reply,) = make_generator(api).run("hi")["replies"]
    assert reply.meta["cost"] == {"credits_used": 248, "usd_spent": 0.000124}


def test_several_choices(make_generator):
    body = fixture_json("chat_openai_route.json")
    second = {**body["choices"][0], "index": 1, "message": {"role": "assistant", "content": "Paris!"}}
    body["choices"].append(second)
    replies = make_generator(MockAPI(json_response(body))).run("hi", generation_kwargs={"n": 2})["replies"]
    assert [reply.text for reply in replies] == ["The capital of France is Paris.", "Paris!"]
    assert [reply.meta["index"] for reply in replies] == [0, 1]


def test_a_reply_with_no_choices_is_an_error_not_an_empty_list(make_generator):
    body = fixture_json("chat_openai_route.json")
    body["choices"] = []
    with pytest.raises(ValueError, match="no choices"):
        reply_for(make_generator, body)


def test_refusal_is_kept(make_generator):
    body = fixture_json("chat_openai_route.json")
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
    (reply,) = reply_for(make_generator, body)
    assert reply.meta["refusal"] == "I can't help with that."


def test_a_custom_tool_call_is_kept_in_meta_not_dropped(make_generator, caplog):
    body = fixture_json("chat_openai_route.json")
    body["choices"][0]["finish_reason"] = "tool_calls"
    body["choices"][0]["message"]["content"] = None
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": "call_sql", "type": "custom", "custom": {"name": "sql", "input": "SELECT 1"}}
    ]
    (reply,) = reply_for(make_generator, body)
    assert reply.tool_calls == []
    assert reply.meta["invalid_tool_calls"] == [
        {
            "id": "call_sql",
            "tool_name": "sql",
            "arguments": "SELECT 1",
            "error": "a tool call of type 'custom', not a function call",
        }
    ]
    assert "tool call of type custom" in caplog.text
