# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""An Agent that calls a tool through AI/ML API, with any tool-capable model."""

from haystack.components.agents import Agent
from haystack.dataclasses import ChatMessage
from haystack.tools import tool

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator


@tool
def weather(city: str) -> str:
    """Current weather in a city.

    :param city: The city's name.
    """
    return f"22 degrees and sunny in {city}"


if __name__ == "__main__":
    agent = Agent(
        chat_generator=AIMLAPIChatGenerator(model="anthropic/claude-sonnet-4.5", tools_strict=False),
        tools=[weather],
        system_prompt="Use the tools when they help.",
    )
    result = agent.run(messages=[ChatMessage.from_user("What's the weather in Paris and in Berlin?")])
    for message in result["messages"]:
        print(f"{message.role.value:>9}: {message.text or message.tool_calls or message.tool_call_result}")
