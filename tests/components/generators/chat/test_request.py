# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""What goes over the wire: the JSON body of /chat/completions."""

import openai
import pytest
from haystack.dataclasses import ChatMessage, ReasoningContent, ToolCall
from haystack.tools import Tool
from pydantic import BaseModel

from tests.support import MockAPI, fixture_json, fixture_text, json_response, sse_response


def lookup(query: str, filters: dict | None = None) -> str:
    return query


NESTED_TOOL = Tool(
    name="lookup",
    description="Look something up",
    parameters={
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "filters": {
                "type": "object",
                "properties": {
                    "year": {"type": "integer"},
                    "tags": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
                },
            },
        },
        "required": ["query"],
    },
    function=lookup,
)


class Answer(BaseModel):
    city: str


def plain_api() -> MockAPI:
    return MockAPI(json_response(fixture_json("chat_openai_route.json")))


def stream_api() -> MockAPI:
    return MockAPI(sse_response(fixture_text("stream_openai_route.sse")))


def test_plain_call_body(make_generator, read_path):
    api = plain_api()
    make_generator(api, model="openai/gpt-5-nano-2025-08-07").run([ChatMessage.from_user("hi")])
    expected = {"model": "openai/gpt-5-nano-2025-08-07", "messages": [{"role": "user", "content": "hi"}]}
    # `n: 1` and `stream: false` are the API's defaults: the lean path leaves them out, while a replaced `create()`
    # gets them, as Haystack's generator passes them, and the SDK sends them.
    if read_path == "standard":
        expected.update(n=1, stream=False)
    assert api.body() == expected


def test_several_choices_are_asked_for(make_generator):
    api = plain_api()
    make_generator(api).run("hi", generation_kwargs={"n": 3})
    assert api.body()["n"] == 3


def test_aimlapi_parameters_travel_at_the_top_level(make_generator):
    api = plain_api()
    generation_kwargs = {
        "temperature": 0.1,
        "max_tokens": 50,
        "provider": "auto",
        "reasoning": {"effort": "low", "exclude": False},
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "enable_thinking": False,
        "thinking_budget": 256,
        "top_k": 40,
        "min_p": 0.05,
        "repetition_penalty": 1.1,
        "web_search_options": {"search_context_size": "low"},
        "normalize_tool_schemas": True,
    }
    make_generator(api, generation_kwargs=generation_kwargs).run("hi")
    body = api.body()
    for key, value in generation_kwargs.items():
        assert body[key] == value, key
    assert "extra_body" not in body


def test_user_extra_body_is_merged_never_nested(make_generator):
    api = plain_api()
    generator = make_generator(api, generation_kwargs={"extra_body": {"top_k": 5, "search_mode": "academic"}})
    generator.run("hi", generation_kwargs={"provider": "openai"})
    body = api.body()
    assert body["top_k"] == 5
    assert body["search_mode"] == "academic"
    assert body["provider"] == "openai"
    assert "extra_body" not in body


def test_run_kwargs_override_init_kwargs_key_by_key(make_generator):
    api = plain_api()
    generator = make_generator(api, generation_kwargs={"temperature": 0.1, "top_k": 3})
    generator.run("hi", generation_kwargs={"temperature": 0.9})
    body = api.body()
    assert body["temperature"] == 0.9
    assert body["top_k"] == 3


@pytest.mark.parametrize("where", ["generation_kwargs", "extra_body"])
def test_stream_model_and_messages_stay_under_the_component_control(make_generator, where, caplog):
    api = plain_api()
    owned = {"stream": True, "model": "someone/else", "messages": [{"role": "user", "content": "injected"}]}
    kwargs = owned if where == "generation_kwargs" else {"extra_body": owned}
    make_generator(api, model="openai/gpt-4o", generation_kwargs=kwargs).run("hi")
    body = api.body()
    assert body.get("stream", False) is False  # left out on the lean path, `false` through `create()`
    assert body["model"] == "openai/gpt-4o"
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert "is ignored" in caplog.text


def test_stream_kwarg_does_not_leak_into_a_structured_output_call(make_generator):
    api = MockAPI(json_response(_structured_reply()))
    generator = make_generator(api, generation_kwargs={"stream": True, "response_format": Answer})
    reply = generator.run("Where?")["replies"][0]
    body = api.body()
    assert body.get("stream", False) is False  # the SDK's parse() itself sends `stream: false`
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "Answer"
    assert reply.text == '{"city": "Paris"}'


def test_streaming_asks_for_usage(make_generator):
    api = stream_api()
    make_generator(api).run("hi", streaming_callback=lambda chunk: None)
    body = api.body()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_user_stream_options_are_respected(make_generator):
    api = stream_api()
    make_generator(api, generation_kwargs={"stream_options": {"include_usage": False}}).run(
        "hi", streaming_callback=lambda chunk: None
    )
    assert api.body()["stream_options"] == {"include_usage": False}


def test_stream_options_are_dropped_when_not_streaming(make_generator):
    api = plain_api()
    make_generator(api, generation_kwargs={"stream_options": {"include_usage": True}}).run("hi")
    assert "stream_options" not in api.body()


def test_pydantic_response_format_streams_as_json_schema(make_generator):
    api = stream_api()
    make_generator(api, generation_kwargs={"response_format": Answer}).run("hi", streaming_callback=lambda c: None)
    response_format = api.body()["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"]["required"] == ["city"]


def test_init_tools_are_sent_and_empty_run_tools_send_none(make_generator):
    api = plain_api()
    generator = make_generator(api, tools=[NESTED_TOOL])
    generator.run("hi")
    assert [tool["function"]["name"] for tool in api.body()["tools"]] == ["lookup"]
    generator.run("hi", tools=[])
    assert "tools" not in api.body()


def test_tools_strict_is_recursive_and_leaves_the_tool_alone(make_generator):
    api = plain_api()
    before = NESTED_TOOL.parameters["properties"]["filters"].copy()
    make_generator(api, tools=[NESTED_TOOL], tools_strict=True).run("hi")
    function = api.body()["tools"][0]["function"]
    assert function["strict"] is True
    parameters = function["parameters"]
    assert parameters["additionalProperties"] is False
    assert parameters["required"] == ["query", "filters"]
    filters = parameters["properties"]["filters"]
    assert filters["additionalProperties"] is False
    assert filters["required"] == ["year", "tags"]
    assert filters["properties"]["tags"]["items"]["additionalProperties"] is False
    # The caller's Tool is untouched.
    assert NESTED_TOOL.parameters["properties"]["filters"] == before
    assert "additionalProperties" not in NESTED_TOOL.parameters


def test_tools_strict_at_run_time_overrides_init(make_generator):
    api = plain_api()
    make_generator(api, tools=[NESTED_TOOL], tools_strict=True).run("hi", tools_strict=False)
    assert "strict" not in api.body()["tools"][0]["function"]


def test_reasoning_details_go_back_with_the_assistant_message(make_generator):
    api = MockAPI(json_response(fixture_json("chat_reasoning_details.json")))
    generator = make_generator(api, model="anthropic/claude-sonnet-4.5")
    first = generator.run("Capital of France?")["replies"][0]
    assert first.reasoning.extra["reasoning_details"][0]["signature"] == "EqQBCkgIBxABGAIiQExample"

    generator.run([ChatMessage.from_user("Capital of France?"), first, ChatMessage.from_user("And Germany?")])
    messages = api.body()["messages"]
    assert messages[1]["role"] == "assistant"
    assert (
        messages[1]["reasoning_details"]
        == fixture_json("chat_reasoning_details.json")["choices"][0]["message"]["reasoning_details"]
    )
    assert "reasoning_details" not in messages[0]
    assert "reasoning_details" not in messages[2]


def test_an_assistant_message_without_details_is_sent_as_haystack_formats_it(make_generator):
    api = plain_api()
    assistant = ChatMessage.from_assistant(
        tool_calls=[ToolCall(id="call_1", tool_name="lookup", arguments={"query": "x"})],
        reasoning=ReasoningContent(reasoning_text="thinking"),
    )
    result = ChatMessage.from_tool(tool_result="x", origin=assistant.tool_calls[0])
    make_generator(api, tools=[NESTED_TOOL]).run([ChatMessage.from_user("q"), assistant, result])
    messages = api.body()["messages"]
    assert messages[1]["tool_calls"][0]["id"] == "call_1"
    assert "reasoning_details" not in messages[1]
    assert messages[2] == {"role": "tool", "content": "x", "tool_call_id": "call_1"}


def _structured_reply() -> dict:
    reply = fixture_json("chat_openai_route.json")
    reply["choices"][0]["message"]["content"] = '{"city": "Paris"}'
    return reply


def test_qwen3_non_streamed_calls_switch_thinking_off(make_generator):
    api = plain_api()
    generator = make_generator(api, model="alibaba/qwen3-32b")
    generator.run("hi")
    assert api.body()["enable_thinking"] is False
    generator.run("hi", generation_kwargs={"enable_thinking": True})
    assert api.body()["enable_thinking"] is True


def test_qwen3_streamed_calls_are_left_alone(make_generator):
    api = stream_api()
    make_generator(api, model="alibaba/qwen3-32b").run("hi", streaming_callback=lambda chunk: None)
    assert "enable_thinking" not in api.body()


def test_other_models_get_no_thinking_switch(make_generator):
    api = plain_api()
    make_generator(api, model="deepseek/deepseek-r1").run("hi")
    assert "enable_thinking" not in api.body()


# --- structured output, not streamed -------------------------------------------------------------------------------


def _claude_structured_reply(content: str, finish_reason: str) -> dict:
    reply = fixture_json("chat_claude_route.json")
    reply["choices"][0]["message"]["content"] = content
    reply["choices"][0]["finish_reason"] = finish_reason
    return reply


def test_a_pydantic_response_format_is_sent_as_a_strict_json_schema(make_generator):
    api = MockAPI(json_response(_structured_reply()))
    (reply,) = make_generator(api).run("Where?", generation_kwargs={"response_format": Answer})["replies"]
    response_format = api.body()["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Answer"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"]["required"] == ["city"]
    assert Answer.model_validate_json(reply.text) == Answer(city="Paris")


@pytest.mark.parametrize("use_async", [False, True])
async def test_a_structured_reply_cut_off_on_a_claude_route_raises_the_length_error(make_generator, use_async):
    """The SDK's own parse() knew only OpenAI's "length", so `max_tokens` used to fail as bare invalid JSON."""
    api = MockAPI(json_response(_claude_structured_reply('{"city": "Ly', "max_tokens")))
    generator = make_generator(api, use_async=use_async, generation_kwargs={"response_format": Answer})
    with pytest.raises(openai.LengthFinishReasonError) as raised:
        await generator.run_async("Where?") if use_async else generator.run("Where?")
    # What was received stays reachable.
    assert raised.value.completion.choices[0].message.content == '{"city": "Ly'
    assert raised.value.completion.usage.total_tokens > 0


def test_a_filtered_structured_reply_raises_the_content_filter_error(make_generator):
    api = MockAPI(json_response(_claude_structured_reply("", "SAFETY")))
    with pytest.raises(openai.ContentFilterFinishReasonError):
        make_generator(api, generation_kwargs={"response_format": Answer}).run("Where?")


def test_a_structured_reply_that_does_not_validate_says_what_came_back(make_generator):
    api = MockAPI(json_response(_claude_structured_reply('{"town": "Paris"}', "end_turn")))
    with pytest.raises(ValueError, match=r"(?s)does not match response_format Answer.*began '\{\"town\": \"Paris\"\}'"):
        make_generator(api, generation_kwargs={"response_format": Answer}).run("Where?")


def test_structured_output_works_with_tools_that_are_not_strict(make_generator):
    """The SDK's parse() refuses tools without `strict`; the component sends the schema through create()."""
    api = MockAPI(json_response(_structured_reply()))
    generator = make_generator(api, tools=[NESTED_TOOL], generation_kwargs={"response_format": Answer})
    (reply,) = generator.run("Where?")["replies"]
    body = api.body()
    assert body["tools"][0]["function"]["name"] == "lookup"
    assert "strict" not in body["tools"][0]["function"]
    assert body["response_format"]["json_schema"]["name"] == "Answer"
    assert reply.text == '{"city": "Paris"}'


def test_a_structured_reply_with_tool_calls_is_not_validated(make_generator):
    api = MockAPI(json_response(fixture_json("chat_tool_calls.json")))
    generator = make_generator(api, tools=[NESTED_TOOL], generation_kwargs={"response_format": Answer})
    (reply,) = generator.run("Where?")["replies"]
    assert reply.tool_calls
