# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Structured output: the reply is JSON that validates against a Pydantic model."""

from _common import describe_cost, run
from haystack.dataclasses import ChatMessage
from pydantic import BaseModel

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator


class City(BaseModel):
    name: str
    country: str
    population: int


def main() -> None:
    generator = AIMLAPIChatGenerator(model="openai/gpt-5-chat-latest", generation_kwargs={"response_format": City})
    reply = generator.run([ChatMessage.from_user("Describe Lyon.")])["replies"][0]
    city = City.model_validate_json(reply.text)
    print(city)
    print(describe_cost(reply.meta))


if __name__ == "__main__":
    run(main)
