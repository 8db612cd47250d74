# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The generator against a real HTTP server (llmock) on 127.0.0.1: sockets, SSE framing, retries and timeouts."""

import asyncio
import time

import openai
import pytest
from haystack.dataclasses import ChatMessage, StreamingChunk
from pydantic import BaseModel

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.support import ADD_TOOL, LLMock

pytestmark = pytest.mark.loopback


class Capital(BaseModel):
    country: str
    capital: str


def generator_for(server: LLMock, **kwargs) -> AIMLAPIChatGenerator:
    kwargs.setdefault("max_retries", 0)
    return AIMLAPIChatGenerator(api_base_url=server.url, model="openai/gpt-4o", **kwargs)


def test_plain_reply(llmock_server):
    llmock_server.scenario({"type": "reply", "text": "Paris is the capital of France."})
    (reply,) = generator_for(llmock_server).run("Capital of France?")["replies"]
    assert reply.text == "Paris is the capital of France."
    assert reply.meta["finish_reason"] == "stop"
    assert reply.meta["usage"]["total_tokens"] > 0
    (request,) = llmock_server.requests()
    assert request["body"]["model"] == "openai/gpt-4o"
    assert request["body"]["messages"] == [{"role": "user", "content": "Capital of France?"}]


def test_streamed_reply(llmock_server):
    llmock_server.scenario({"type": "reply", "text": "one two three four five"})
    received: list[StreamingChunk] = []
    (reply,) = generator_for(llmock_server).run("Count", streaming_callback=received.append)["replies"]
    assert reply.text == "one two three four five"
    assert "".join(c.content for c in received) == reply.text
    assert reply.meta["usage"]["completion_tokens"] > 0
    (request,) = llmock_server.requests()
    assert request["stream"] is True
    assert request["body"]["stream_options"] == {"include_usage": True}


async def test_streamed_reply_async(llmock_server):
    llmock_server.scenario({"type": "reply", "text": "async hello"})
    received: list[StreamingChunk] = []

    async def callback(chunk: StreamingChunk) -> None:
        received.append(chunk)

    (reply,) = (await generator_for(llmock_server).run_async("Hi", streaming_callback=callback))["replies"]
    assert reply.text == "async hello"
    assert received


@pytest.mark.parametrize("streaming", [False, True])
def test_tool_call(llmock_server, streaming):
    llmock_server.scenario({"type": "reply", "tool_calls": [{"name": "add", "arguments": {"a": 2, "b": 3}}]})
    callback = (lambda chunk: None) if streaming else None
    (reply,) = generator_for(llmock_server, tools=[ADD_TOOL]).run("2+3?", streaming_callback=callback)["replies"]
    (call,) = reply.tool_calls
    assert call.tool_name == "add"
    assert call.arguments == {"a": 2, "b": 3}
    assert call.id
    assert reply.meta["finish_reason"] == "tool_calls"
    (request,) = llmock_server.requests()
    assert request["body"]["tools"][0]["function"]["name"] == "add"


def test_structured_reply(llmock_server):
    llmock_server.scenario({"type": "reply", "text": '{"country": "France", "capital": "Paris"}'})
    generator = generator_for(llmock_server, generation_kwargs={"response_format": Capital})
    (reply,) = generator.run("Capital of France as JSON")["replies"]
    assert Capital.model_validate_json(reply.text) == Capital(country="France", capital="Paris")
    (request,) = llmock_server.requests()
    assert request["body"]["response_format"]["json_schema"]["name"] == "Capital"


def test_retry_after_is_honoured(llmock_server):
    llmock_server.scenario({"type": "fail", "status": 429, "retry_after": 0.4, "times": 1})
    llmock_server.scenario({"type": "reply", "text": "after the wait"})
    started = time.monotonic()
    (reply,) = generator_for(llmock_server, max_retries=2).run("hi")["replies"]
    elapsed = time.monotonic() - started
    assert reply.text == "after the wait"
    assert elapsed >= 0.4
    statuses = [request["status"] for request in llmock_server.requests()]
    assert statuses == [429, 200]


def test_timeout(llmock_server):
    llmock_server.scenario({"type": "delay", "seconds": 3})
    generator = generator_for(llmock_server, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        generator.run([ChatMessage.from_user("slow")])
    assert time.monotonic() - started < 2.5


def test_run_async_from_successive_event_loops(llmock_server):
    """A second `asyncio.run` must not reuse connections pooled on the first, closed, loop."""
    generator = generator_for(llmock_server)
    texts = [asyncio.run(generator.run_async(f"call {i}"))["replies"][0].text for i in range(3)]
    assert all(texts)
    assert len(llmock_server.requests()) == 3
