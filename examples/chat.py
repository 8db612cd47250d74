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
import os
import sys

import openai
from haystack.dataclasses import ChatMessage, StreamingChunk

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, StreamInterruptedError


def show(chunk: StreamingChunk) -> None:
    if chunk.reasoning:
        print(f"\033[2m{chunk.reasoning.reasoning_text}\033[0m", end="", flush=True)
    print(chunk.content, end="", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt", nargs="?", default="What is the capital of France? Answer in one sentence.")
    parser.add_argument("--model", default="openai/gpt-5-chat-latest")
    args = parser.parse_args()

    if not os.environ.get("AIMLAPI_API_KEY"):
        print(
            "error: AIMLAPI_API_KEY is not set. Create a key at https://aimlapi.com/app/keys, then\n"
            "  export AIMLAPI_API_KEY=<your key>",
            file=sys.stderr,
        )
        return 2

    generator = AIMLAPIChatGenerator(model=args.model, streaming_callback=show)
    try:
        reply = generator.run([ChatMessage.from_user(args.prompt)])["replies"][0]
    except (openai.APIError, StreamInterruptedError) as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    print()
    meta = reply.meta
    usage = meta.get("usage") or {}
    print(
        f"[{meta['model']}] finish_reason={meta['finish_reason']} "
        f"tokens={usage.get('prompt_tokens')}+{usage.get('completion_tokens')} cost={meta.get('cost')}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
