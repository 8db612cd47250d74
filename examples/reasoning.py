# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Reasoning models: the reasoning arrives as the reply's ReasoningContent, streamed or not.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/reasoning.py

A server or model that sends no reasoning is named as such.
"""

from _common import describe_cost, describe_reasoning, run
from haystack.dataclasses import ChatMessage, StreamingChunk

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator


def show(chunk: StreamingChunk) -> None:
    if chunk.reasoning:
        print(f"\033[2m{chunk.reasoning.reasoning_text}\033[0m", end="", flush=True)
    elif chunk.content:
        print(chunk.content, end="", flush=True)


def main() -> None:
    question = [ChatMessage.from_user("Is 9.11 larger than 9.9? Think it through.")]

    # DeepSeek and Qwen stream `reasoning_content`; Claude takes a thinking budget.
    deepseek = AIMLAPIChatGenerator(model="deepseek/deepseek-r1")
    reply = deepseek.run(question, streaming_callback=show)["replies"][0]
    print()
    details = (reply.meta.get("usage") or {}).get("completion_tokens_details") or {}
    tokens = details.get("reasoning_tokens")
    print("reasoning tokens:", tokens if tokens is not None else "not reported by the server")
    print(describe_reasoning(reply))
    print(describe_cost(reply.meta))

    claude = AIMLAPIChatGenerator(
        model="anthropic/claude-sonnet-4.5",
        generation_kwargs={"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
    )
    reply = claude.run(question)["replies"][0]
    print(describe_reasoning(reply))
    print("answer:", reply.text)
    print(
        f"finish_reason: {reply.meta.get('finish_reason')} (upstream said {reply.meta.get('provider_finish_reason')})"
    )
    print(describe_cost(reply.meta))


if __name__ == "__main__":
    run(main)
