# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the image generator's tests."""

import base64
from typing import Any

import httpx

from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator
from tests.support import MockAPI, fixture_json

BASE_URL = "https://api.aimlapi.com/v1"
GENERATIONS_URL = f"{BASE_URL}/images/generations"

RED_PNG_B64 = fixture_json("images_openai_b64.json")["data"][0]["b64_json"]
BLUE_PNG_B64 = fixture_json("images_openai_b64.json")["data"][1]["b64_json"]
RED_PNG = base64.b64decode(RED_PNG_B64)
BLUE_PNG = base64.b64decode(BLUE_PNG_B64)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def image_response(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def file_response(content: bytes, content_type: str | None = "image/jpeg", status: int = 200) -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    return httpx.Response(status, content=content, headers=headers)


def generator(api: MockAPI, **kwargs: Any) -> AIMLAPIImageGenerator:
    """A generator whose requests (generation and downloads) all go to `api`."""
    kwargs.setdefault("max_retries", 0)
    return AIMLAPIImageGenerator(http_client_kwargs={"transport": api.transport()}, **kwargs)


def async_generator(api: MockAPI, **kwargs: Any) -> AIMLAPIImageGenerator:
    kwargs.setdefault("max_retries", 0)
    return AIMLAPIImageGenerator(http_client_kwargs={"transport": api.async_transport()}, **kwargs)
