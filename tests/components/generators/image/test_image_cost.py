# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The image generator's cost: inside its usage, and reported to a CostTracker once per answer."""

import asyncio

import pytest

from haystack_integrations.common.aimlapi import CostTracker
from haystack_integrations.components.generators.aimlapi.image.errors import ImageDownloadError, ImageResponseError
from tests.support import MockAPI, fixture_json

from .helpers import async_generator, generator, image_response


def test_the_cost_is_inside_usage_and_tracked():
    body = fixture_json("images_openai_b64.json")
    api = MockAPI(image_response(body))
    with CostTracker() as tracker:
        meta = generator(api, model="openai/gpt-image-1").run("a red square")["meta"]
    assert meta["usage"]["total_tokens"] == 284
    assert meta["usage"]["credits_used"] == 44100
    assert meta["usage"]["cost"] == 0.02205
    assert meta["cost"] == {"credits_used": 44100, "usd_spent": 0.02205}
    (call,) = tracker.calls
    assert (call.credits_used, call.component, call.model) == (44100, "AIMLAPIImageGenerator", "openai/gpt-image-1")


def test_the_async_run_is_tracked():
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    with CostTracker() as tracker:
        asyncio.run(async_generator(api, model="openai/gpt-image-1").run_async("a red square"))
    assert tracker.credits_used == 44100


def test_an_answer_without_a_usage_gets_none_made_up():
    body = fixture_json("images_openai_b64.json")
    del body["usage"]
    meta = generator(MockAPI(image_response(body)), model="openai/gpt-image-1").run("a red square")["meta"]
    assert "usage" not in meta
    assert meta["cost"]["credits_used"] == 44100


def test_an_answer_charged_without_a_readable_image_is_still_counted():
    body = {"data": [{"revised_prompt": "nothing"}], "meta": {"usage": {"credits_used": 100, "usd_spent": 0.00005}}}
    with CostTracker() as tracker, pytest.raises(ImageResponseError):
        generator(MockAPI(image_response(body)), model="openai/gpt-image-1").run("x")
    assert tracker.credits_used == 100


def test_an_image_that_cannot_be_downloaded_was_charged_all_the_same():
    body = fixture_json("images_fal_url.json")
    body["meta"] = {"usage": {"credits_used": 6300, "usd_spent": 0.00315}}
    api = MockAPI(image_response(body), image_response({"message": "gone"}, status=404))
    with CostTracker() as tracker, pytest.raises(ImageDownloadError):
        generator(api, model="flux/schnell").run("x")
    assert tracker.credits_used == 6300
