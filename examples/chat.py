# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Chat with an AI/ML API model, streaming the answer, then print what the call cost.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/chat.py "What is the capital of France?" [--model openai/gpt-5-chat-latest]

Set AIMLAPI_BASE_URL to talk to any other OpenAI-compatible server instead.
"""

import argparse
import sys

from _common import describe_cost, run
from haystack.dataclasses import ChatMessage, StreamingChunk

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator


def show(chunk: StreamingChunk) -> None:
    if chunk.reasoning:
        print(f"\033[2m{chunk.reasoning.reasoning_text}\033[0m", end="", flush=True)
    print(chunk.content, end="", flush=True)


def main(args: argparse.Namespace) -> None:
    generator = AIMLAPIChatGenerator(model=args.model, streaming_callback=show)
    reply = generator.run([ChatMessage.from_user(args.prompt)])["replies"][0]
    print()
    meta = reply.meta
    usage = meta.get("usage") or {}
    print(
        f"[{meta.get('model')}] finish_reason={meta.get('finish_reason')} "
        f"tokens={usage.get('prompt_tokens')}+{usage.get('completion_tokens')} {describe_cost(meta)}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt", nargs="?", default="What is the capital of France? Answer in one sentence.")
    parser.add_argument("--model", default="openai/gpt-5-chat-latest")
    arguments = parser.parse_args()
    run(lambda: main(arguments))
