# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Add up what a conversation cost, from the `cost` meta AI/ML API returns with every reply.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/cost.py

Servers that report no cost (most OpenAI-compatible ones other than AI/ML API) are named as such, not counted as 0.
"""

from _common import describe_cost, run, server
from haystack.dataclasses import ChatMessage

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

QUESTIONS = ("Name a French cheese.", "And a Swiss one?", "And an Italian one?")


def main() -> None:
    generator = AIMLAPIChatGenerator(model="openai/gpt-5-nano-2025-08-07")
    conversation: list[ChatMessage] = []
    total_usd, unreported = 0.0, 0
    for question in QUESTIONS:
        conversation.append(ChatMessage.from_user(question))
        reply = generator.run(conversation)["replies"][0]
        conversation.append(reply)
        cost = reply.meta.get("cost")
        if cost:
            total_usd += cost["usd_spent"]
        else:
            unreported += 1
        print(f"{question} -> {reply.text!r}; {describe_cost(reply.meta)}")
    if unreported == len(QUESTIONS):
        print(f"total: unknown, {server()} reported no cost for any of the {len(QUESTIONS)} calls")
    elif unreported:
        print(f"total: at least ${total_usd:.6f} ({unreported} of {len(QUESTIONS)} calls reported no cost)")
    else:
        print(f"total: ${total_usd:.6f} for {len(QUESTIONS)} calls")


if __name__ == "__main__":
    run(main)
