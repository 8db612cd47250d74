# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The chain of examples/image_to_chat.py: a generated image goes to a vision model as an `image_url` part."""

import base64
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import httpx
from haystack import Pipeline
from haystack.components.builders import ChatPromptBuilder

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, AIMLAPIImageGenerator
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json, json_response

from .helpers import GENERATIONS_URL, JPEG_BYTES, file_response, image_response

EXAMPLE = Path(__file__).parents[4] / "examples" / "image_to_chat.py"
CHAT_URL = "https://api.aimlapi.com/v1/chat/completions"


def _example() -> ModuleType:
    # The examples import their shared helper (examples/_common.py) as a sibling module, as `python examples/...` does.
    if str(EXAMPLE.parent) not in sys.path:
        sys.path.insert(0, str(EXAMPLE.parent))
    spec = importlib.util.spec_from_file_location("image_to_chat_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _image_part(request: httpx.Request) -> dict[str, str]:
    (message,) = json.loads(request.content)["messages"]
    assert message["role"] == "user"
    text_part, image_part = message["content"]
    assert text_part["type"] == "text"
    assert image_part["type"] == "image_url"
    return {"text": text_part["text"], "url": image_part["image_url"]["url"]}


def test_the_example_chain_sends_the_generated_image_to_the_chat_model() -> None:
    body = fixture_json("images_fal_url.json")
    image_url = body["images"][0]["url"]
    api = MockAPI(
        image_response(body),  # 1. the generation
        file_response(JPEG_BYTES, "image/jpeg"),  # 2. the download of the image it points to
        json_response(fixture_json("chat_openai_route.json")),  # 3. the chat reply
    )
    transport = {"transport": api.transport()}
    image, meta, reply = _example().describe_new_image(
        "A lighthouse on a cliff at dawn",
        image_generator=AIMLAPIImageGenerator(model="flux/schnell", max_retries=0, http_client_kwargs=transport),
        chat_generator=AIMLAPIChatGenerator(
            model="openai/gpt-5-chat-latest", max_retries=0, http_client_kwargs=transport
        ),
        size="landscape_4_3",
    )

    generation, download, chat = api.requests
    assert str(generation.url) == GENERATIONS_URL
    assert api.body(0) == {
        "model": "flux/schnell",
        "prompt": "A lighthouse on a cliff at dawn",
        "num_images": 1,
        "image_size": "landscape_4_3",
    }
    assert str(download.url) == image_url
    assert "authorization" not in download.headers
    assert str(chat.url) == CHAT_URL
    assert chat.headers["authorization"] == f"Bearer {TEST_KEY}"
    part = _image_part(chat)
    assert part["text"] == "Describe this image in two sentences."
    assert part["url"] == "data:image/jpeg;base64," + base64.b64encode(JPEG_BYTES).decode()
    assert api.body(2)["model"] == "openai/gpt-5-chat-latest"

    assert image.mime_type == "image/jpeg"
    assert meta["cost"]["credits_used"] == 6300
    assert reply.text == "The capital of France is Paris."


def test_the_same_chain_as_a_pipeline_with_chat_prompt_builder() -> None:
    api = MockAPI(
        image_response(fixture_json("images_fal_data_url.json")),
        json_response(fixture_json("chat_openai_route.json")),
    )
    transport = {"transport": api.transport()}
    template = """
{% message role="user" %}
What is in this picture?
{% for image in images %}{{ image | templatize_part }}{% endfor %}
{% endmessage %}
"""
    pipeline = Pipeline()
    pipeline.add_component("images", AIMLAPIImageGenerator(model="flux/schnell", http_client_kwargs=transport))
    pipeline.add_component("prompt", ChatPromptBuilder(template=template, required_variables=["images"]))
    pipeline.add_component("chat", AIMLAPIChatGenerator(http_client_kwargs=transport))
    pipeline.connect("images.images", "prompt.images")
    pipeline.connect("prompt.prompt", "chat.messages")

    result = pipeline.run({"images": {"prompt": "a red square"}})

    assert len(api.requests) == 2  # a data: URL needs no download
    part = _image_part(api.requests[1])
    assert part["text"].strip() == "What is in this picture?"
    red = fixture_json("images_fal_data_url.json")["images"][0]["url"]
    assert part["url"] == red  # the same data: URL the image model answered with
    assert result["chat"]["replies"][0].text == "The capital of France is Paris."


def test_the_example_explains_a_missing_key() -> None:
    env = {"PATH": "/usr/bin:/bin"}
    completed = subprocess.run(
        [sys.executable, str(EXAMPLE), "x"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert completed.returncode == 2
    assert "AIMLAPI_API_KEY is not set" in completed.stderr
