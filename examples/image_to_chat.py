# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Generate an image with an AI/ML API image model, then ask a vision model to describe it.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/image_to_chat.py "A lighthouse on a cliff at dawn, watercolor" \
        [--image-model flux/schnell] [--chat-model openai/gpt-5-chat-latest] [--size 1024x768] [--save out.jpg]

The generated image is a Haystack `ImageContent` (base64 plus MIME type), so it goes into a multimodal
`ChatMessage` as it is; the chat model receives it as an `image_url` part.
"""

import argparse
import base64
import sys
from pathlib import Path
from typing import Any

from _common import describe_cost, run
from haystack.dataclasses import ChatMessage, ImageContent

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, AIMLAPIImageGenerator

QUESTION = "Describe this image in two sentences."


def describe_new_image(
    prompt: str,
    *,
    image_generator: AIMLAPIImageGenerator,
    chat_generator: AIMLAPIChatGenerator,
    size: str | None = None,
    question: str = QUESTION,
) -> tuple[ImageContent, dict[str, Any], ChatMessage]:
    """Generates one image for `prompt` and returns it, the generation's meta, and the chat model's description."""
    generated = image_generator.run(prompt, n=1, size=size)
    image = generated["images"][0]
    message = ChatMessage.from_user(content_parts=[question, image])
    reply = chat_generator.run([message])["replies"][0]
    return image, generated["meta"], reply


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt", nargs="?", default="A lighthouse on a cliff at dawn, watercolor")
    parser.add_argument("--image-model", default="flux/schnell")
    parser.add_argument("--chat-model", default="openai/gpt-5-chat-latest")
    parser.add_argument("--size", default=None, help="e.g. 1024x768, landscape_4_3 (fal-style) or 16:9 (Google)")
    parser.add_argument("--save", type=Path, default=None, help="write the generated image to this file")
    return parser.parse_args()


def main(args: argparse.Namespace) -> None:
    image, meta, reply = describe_new_image(
        args.prompt,
        image_generator=AIMLAPIImageGenerator(model=args.image_model, timeout=120),
        chat_generator=AIMLAPIChatGenerator(model=args.chat_model),
        size=args.size,
    )

    if args.save:
        args.save.write_bytes(base64.b64decode(image.base64_image))
        print(f"[image saved to {args.save}]", file=sys.stderr)
    print(f"[{meta['model']}] {image.mime_type}, {describe_cost(meta)}", file=sys.stderr)
    print(reply.text)
    print(f"[{reply.meta.get('model')}] {describe_cost(reply.meta)}", file=sys.stderr)


if __name__ == "__main__":
    arguments = parse_arguments()
    run(lambda: main(arguments))
