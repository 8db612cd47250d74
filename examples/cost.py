# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Add up what a conversation cost, from the `cost` meta AI/ML API returns with every reply."""

from haystack.dataclasses import ChatMessage

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

if __name__ == "__main__":
    generator = AIMLAPIChatGenerator(model="openai/gpt-5-nano-2025-08-07")
    conversation = [ChatMessage.from_user("Name a French cheese.")]
    total_usd = 0.0
    for follow_up in ("And a Swiss one?", "And an Italian one?"):
        reply = generator.run(conversation)["replies"][0]
        cost = reply.meta.get("cost") or {}
        total_usd += cost.get("usd_spent") or 0.0
        print(f"{reply.text!r}: {cost.get('credits_used')} credits")
        conversation += [reply, ChatMessage.from_user(follow_up)]
    print(f"total: ${total_usd:.6f}")
