# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Stream a reply through a pipeline, sync with a callback and async with `Pipeline.stream`."""

import asyncio

from _common import describe_cost, run
from haystack import Pipeline
from haystack.components.builders import ChatPromptBuilder
from haystack.components.generators.utils import print_streaming_chunk
from haystack.dataclasses import ChatMessage

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator


def build() -> Pipeline:
    pipeline = Pipeline()
    pipeline.add_component("prompt", ChatPromptBuilder(template=[ChatMessage.from_user("Tell me about {{topic}}.")]))
    pipeline.add_component("llm", AIMLAPIChatGenerator(model="openai/gpt-5-chat-latest"))
    pipeline.connect("prompt.prompt", "llm.messages")
    return pipeline


def sync_stream() -> None:
    result = build().run(
        {"prompt": {"topic": "the Eiffel Tower"}, "llm": {"streaming_callback": print_streaming_chunk}}
    )
    print(describe_cost(result["llm"]["replies"][0].meta))


async def async_stream() -> None:
    handle = build().stream({"prompt": {"topic": "the Brandenburg Gate"}})
    async for chunk in handle:
        print(chunk.content, end="", flush=True)
    print()
    print(describe_cost(handle.result["llm"]["replies"][0].meta))


def main() -> None:
    sync_stream()
    asyncio.run(async_stream())


if __name__ == "__main__":
    run(main)
