# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""An Agent that calls a tool through AI/ML API, with any tool-capable model."""

from _common import describe_cost, run
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


def describe(message: ChatMessage) -> str:
    """A message as one readable line: its text, the tools it calls, or the result of a tool."""
    if message.tool_calls:
        return ", ".join(f"calls {call.tool_name}({call.arguments})" for call in message.tool_calls)
    if message.tool_call_result:
        return f"{message.tool_call_result.origin.tool_name} returned {message.tool_call_result.result!r}"
    return message.text or ""


def main() -> None:
    agent = Agent(
        chat_generator=AIMLAPIChatGenerator(model="anthropic/claude-sonnet-4.5", tools_strict=False),
        tools=[weather],
        system_prompt="Use the tools when they help.",
    )
    result = agent.run(messages=[ChatMessage.from_user("What's the weather in Paris and in Berlin?")])
    for message in result["messages"]:
        print(f"{message.role.value:>9}: {describe(message)}")
    # Each model call's cost is on its reply; the Agent's last message is the final one.
    print(describe_cost(result["last_message"].meta))


if __name__ == "__main__":
    run(main)
