# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Reasoning models: the reasoning arrives as the reply's ReasoningContent, streamed or not."""

from haystack.dataclasses import ChatMessage, StreamingChunk

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator


def show(chunk: StreamingChunk) -> None:
    if chunk.reasoning:
        print(f"\033[2m{chunk.reasoning.reasoning_text}\033[0m", end="", flush=True)
    elif chunk.content:
        print(chunk.content, end="", flush=True)


if __name__ == "__main__":
    question = [ChatMessage.from_user("Is 9.11 larger than 9.9? Think it through.")]

    # DeepSeek and Qwen stream `reasoning_content`; Claude takes a thinking budget.
    deepseek = AIMLAPIChatGenerator(model="deepseek/deepseek-r1")
    reply = deepseek.run(question, streaming_callback=show)["replies"][0]
    print("\n\nreasoning tokens:", (reply.meta["usage"].get("completion_tokens_details") or {}).get("reasoning_tokens"))

    claude = AIMLAPIChatGenerator(
        model="anthropic/claude-sonnet-4.5",
        generation_kwargs={"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
    )
    reply = claude.run(question)["replies"][0]
    print("reasoning:", reply.reasoning.reasoning_text if reply.reasoning else None)
    print("answer:", reply.text)
    print("finish_reason:", reply.meta["finish_reason"], "(upstream said", reply.meta["provider_finish_reason"] + ")")
