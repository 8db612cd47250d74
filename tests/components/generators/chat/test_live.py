# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The live contract with AI/ML API. Runs only when asked for (-m integration or
AIMLAPI_LIVE=1) with AIMLAPI_API_KEY set, against AIMLAPI_BASE_URL if it is set; the model can be changed with
AIMLAPI_TEST_CHAT_MODEL."""

import os

import pytest
from haystack.components.agents import Agent
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.tools import Tool

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

pytestmark = pytest.mark.integration

MODEL = os.environ.get("AIMLAPI_TEST_CHAT_MODEL", "openai/gpt-5-chat-latest")


def capital(country: str) -> str:
    return {"france": "Paris"}.get(country.lower(), "unknown")


CAPITAL = Tool(
    name="capital",
    description="The capital city of a country",
    parameters={"type": "object", "properties": {"country": {"type": "string"}}, "required": ["country"]},
    function=capital,
)


def test_live_chat():
    (reply,) = AIMLAPIChatGenerator(model=MODEL).run("What is the capital of France? One word.")["replies"]
    assert "paris" in reply.text.lower()
    assert reply.meta["finish_reason"] == "stop"
    assert reply.meta["usage"]["total_tokens"] > 0
    assert reply.meta["cost"]["usd_spent"] >= 0


def test_live_streamed_chat():
    received: list[StreamingChunk] = []
    generator = AIMLAPIChatGenerator(model=MODEL)
    (reply,) = generator.run("Count from 1 to 5.", streaming_callback=received.append)["replies"]
    assert "5" in reply.text
    assert len(received) > 1
    assert reply.meta["usage"]["total_tokens"] > 0


def test_live_tool_round_trip():
    agent = Agent(chat_generator=AIMLAPIChatGenerator(model=MODEL), tools=[CAPITAL])
    result = agent.run(messages=[ChatMessage.from_user("Use the capital tool: what is the capital of France?")])
    assert any(message.tool_call_result for message in result["messages"])
    assert "paris" in result["last_message"].text.lower()
