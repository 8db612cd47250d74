# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The generator inside Haystack: pipelines (run, run_async, stream) and the Agent's tool loop."""

import json

import httpx
from haystack import Pipeline
from haystack.components.agents import Agent
from haystack.components.builders import ChatPromptBuilder
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.tools import Tool

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.support import MockAPI, fixture_json, fixture_text, json_response, sse_response


def weather(city: str) -> str:
    return f"22 degrees and sunny in {city}"


WEATHER = Tool(
    name="weather",
    description="Current weather in a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    function=weather,
)


def final_answer() -> dict:
    body = fixture_json("chat_claude_route.json")
    body["choices"][0]["message"]["content"] = "Paris: 22 degrees. Berlin: 22 degrees."
    return body


def agent_api() -> MockAPI:
    return MockAPI(json_response(fixture_json("chat_tool_calls.json")), json_response(final_answer()))


def assert_tool_round_trip(api: MockAPI, result: dict) -> None:
    assert result["last_message"].text == "Paris: 22 degrees. Berlin: 22 degrees."
    second = json.loads(api.requests[1].content)
    tool_messages = [m for m in second["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["call_paris01", "call_berlin02"]
    assert tool_messages[0]["content"] == "22 degrees and sunny in Paris"
    assert second["tools"][0]["function"]["name"] == "weather"
    assert len(api.requests) == 2


def test_agent_tool_round_trip():
    api = agent_api()
    generator = AIMLAPIChatGenerator(max_retries=0, http_client_kwargs={"transport": api.transport()})
    agent = Agent(chat_generator=generator, tools=[WEATHER])
    result = agent.run(messages=[ChatMessage.from_user("Weather in Paris and Berlin?")])
    assert_tool_round_trip(api, result)


async def test_agent_tool_round_trip_async():
    api = agent_api()
    generator = AIMLAPIChatGenerator(max_retries=0, http_client_kwargs={"transport": api.async_transport()})
    agent = Agent(chat_generator=generator, tools=[WEATHER])
    result = await agent.run_async(messages=[ChatMessage.from_user("Weather in Paris and Berlin?")])
    assert_tool_round_trip(api, result)


def test_agent_stops_on_a_claude_style_tool_use_finish_reason_only_after_the_tools_ran():
    tool_use = fixture_json("chat_tool_calls.json")
    tool_use["choices"][0]["finish_reason"] = "tool_use"
    api = MockAPI(json_response(tool_use), json_response(final_answer()))
    generator = AIMLAPIChatGenerator(max_retries=0, http_client_kwargs={"transport": api.transport()})
    result = Agent(chat_generator=generator, tools=[WEATHER]).run(messages=[ChatMessage.from_user("Weather?")])
    assert_tool_round_trip(api, result)


def prompt_pipeline(generator: AIMLAPIChatGenerator) -> Pipeline:
    pipeline = Pipeline()
    pipeline.add_component("prompt", ChatPromptBuilder(template=[ChatMessage.from_user("Capital of {{country}}?")]))
    pipeline.add_component("llm", generator)
    pipeline.connect("prompt.prompt", "llm.messages")
    return pipeline


def test_pipeline_run():
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    generator = AIMLAPIChatGenerator(max_retries=0, http_client_kwargs={"transport": api.transport()})
    result = prompt_pipeline(generator).run({"prompt": {"country": "France"}})
    assert result["llm"]["replies"][0].meta["cost"]["credits_used"] == 248
    assert json.loads(api.last.content)["messages"] == [{"role": "user", "content": "Capital of France?"}]


async def test_pipeline_run_async_with_async_callback():
    received: list[StreamingChunk] = []

    async def callback(chunk: StreamingChunk) -> None:
        received.append(chunk)

    api = MockAPI(sse_response(fixture_text("stream_openai_route.sse")))
    generator = AIMLAPIChatGenerator(
        max_retries=0, streaming_callback=callback, http_client_kwargs={"transport": api.async_transport()}
    )
    result = await prompt_pipeline(generator).run_async({"prompt": {"country": "France"}})
    assert result["llm"]["replies"][0].text == "The capital of France is Paris."
    assert "".join(c.content for c in received) == "The capital of France is Paris."
    assert received[0].component_info.name == "llm"


async def test_pipeline_stream():
    api = MockAPI(sse_response(fixture_text("stream_qwen_reasoning.sse")))
    generator = AIMLAPIChatGenerator(max_retries=0, http_client_kwargs={"transport": api.async_transport()})
    handle = prompt_pipeline(generator).stream({"prompt": {"country": "France"}})
    chunks = [chunk async for chunk in handle]
    assert "".join(c.content for c in chunks) == "Paris is the capital."
    assert "".join(c.reasoning.reasoning_text for c in chunks if c.reasoning) == "The user wants the capital of France."
    reply = handle.result["llm"]["replies"][0]
    assert reply.reasoning.reasoning_text == "The user wants the capital of France."
    assert json.loads(api.last.content)["stream"] is True


def test_each_request_is_a_valid_http_request():
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    AIMLAPIChatGenerator(http_client_kwargs={"transport": api.transport()}).run("hi")
    request: httpx.Request = api.last
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
