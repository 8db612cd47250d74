# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The live contract with AI/ML API's image models. Runs only when asked for (-m integration or
AIMLAPI_LIVE=1) with AIMLAPI_API_KEY set, against AIMLAPI_BASE_URL if it is set; the models can be changed
with AIMLAPI_TEST_IMAGE_MODEL (fal-style), AIMLAPI_TEST_OPENAI_IMAGE_MODEL and AIMLAPI_TEST_VISION_MODEL."""

import base64
import os

import pytest
from haystack.dataclasses import ChatMessage

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, AIMLAPIImageGenerator

pytestmark = pytest.mark.integration

FAL_MODEL = os.environ.get("AIMLAPI_TEST_IMAGE_MODEL", "flux/schnell")
OPENAI_MODEL = os.environ.get("AIMLAPI_TEST_OPENAI_IMAGE_MODEL", "dall-e-3")
VISION_MODEL = os.environ.get("AIMLAPI_TEST_VISION_MODEL", "openai/gpt-5-chat-latest")
RASTER_TYPES = {"image/png", "image/jpeg", "image/webp"}


def test_live_fal_style_image() -> None:
    result = AIMLAPIImageGenerator(model=FAL_MODEL, timeout=120).run(
        "A red apple on a white table, photo", size="512x512", seed=7
    )
    (image,) = result["images"]
    assert image.mime_type in RASTER_TYPES
    assert len(base64.b64decode(image.base64_image)) > 1000
    assert result["meta"]["image_count"] == 1
    assert result["meta"]["cost"]["usd_spent"] >= 0


def test_live_openai_style_image_without_download() -> None:
    result = AIMLAPIImageGenerator(model=OPENAI_MODEL, download_images=False, timeout=180).run(
        "A small blue circle on a white background", n=1, size="1024x1024"
    )
    # Some models answer with a URL, others with base64 regardless of the request: one of them must hold the image.
    assert len(result["images"]) + len(result["urls"]) >= 1
    assert all(url.startswith("https://") for url in result["urls"])


async def test_live_async_and_describe() -> None:
    result = await AIMLAPIImageGenerator(model=FAL_MODEL, timeout=120).run_async("A yellow banana, studio photo")
    image = result["images"][0]
    message = ChatMessage.from_user(content_parts=["What fruit is shown? One word.", image])
    (reply,) = (await AIMLAPIChatGenerator(model=VISION_MODEL).run_async([message]))["replies"]
    assert "banana" in (reply.text or "").lower()
