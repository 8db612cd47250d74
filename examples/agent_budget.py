# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
An Agent with a $0.01 budget: it stops before the LLM call that would go past it, and prints what the run spent.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/agent_budget.py [--model openai/gpt-5-nano-2025-08-07] [--max-usd 0.01]

Set AIMLAPI_BASE_URL to talk to any other OpenAI-compatible server instead.
"""

import argparse

from _common import cost_not_reported, run
from haystack.components.agents import Agent
from haystack.dataclasses import ChatMessage
from haystack.tools import tool

from haystack_integrations.common.aimlapi import CostTracker
from haystack_integrations.components.agents.aimlapi import AIMLAPICostBudgetHook
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    :param a: The first integer.
    :param b: The second integer.
    """
    return a + b


def main(args: argparse.Namespace) -> None:
    agent = Agent(
        chat_generator=AIMLAPIChatGenerator(model=args.model),
        tools=[add],
        system_prompt="Use the add tool for every sum, one call at a time.",
        hooks={"before_llm": [AIMLAPICostBudgetHook(max_usd=args.max_usd, add_final_message=True)]},
        max_agent_steps=20,
    )
    question = "Add 1 + 2, then add 3 to the result, then 4, then 5, and so on up to 20."
    with CostTracker() as tracker:
        result = agent.run(messages=[ChatMessage.from_user(question)])

    usage = result["token_usage"]
    print(result["last_message"].text or result["last_message"].tool_call_result)
    print(f"exit_reason={result['exit_reason']} steps={result['step_count']}")
    if "cost" not in usage:
        # Nothing to add up, so the budget had nothing to check: say so rather than claim $0 was spent.
        print(f"{cost_not_reported()}; the ${args.max_usd} budget could not be checked")
        return
    print(f"spent ${usage['cost']:.6f} ({usage.get('credits_used', 0)} credits) of a ${args.max_usd} budget")
    print(f"tracked ${tracker.usd_spent:.6f} over {len(tracker.calls)} calls")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="openai/gpt-5-nano-2025-08-07")
    parser.add_argument("--max-usd", type=float, default=0.01)
    arguments = parser.parse_args()
    run(lambda: main(arguments))
