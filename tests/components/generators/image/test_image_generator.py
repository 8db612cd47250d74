# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Construction, settings, serialization, client lifecycle, copies and pipelines."""

import copy
import pickle
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from haystack import Pipeline
from haystack.utils import Secret

from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json

from .helpers import RED_PNG_B64, generator, image_response

TYPE = "haystack_integrations.components.generators.aimlapi.image.image_generator.AIMLAPIImageGenerator"


def test_defaults() -> None:
    component = AIMLAPIImageGenerator()
    assert component.model == "flux/schnell"
    assert component.family == "fal"
    assert component.api_base_url == "https://api.aimlapi.com/v1"
    assert component.download_images is True
    assert component.client is None  # nothing is built until warm-up


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model_family": "midjourney"}, ValueError, "model_family must be one of 'openai', 'fal', 'google'"),
        ({"n": 0}, ValueError, "n must be at least 1"),
        ({"n": "2"}, TypeError, "n must be a whole number"),
        ({"size": "1024x"}, ValueError, "is not a size"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
        ({"model": "dall-e-3", "size": "landscape_4_3"}, ValueError, "cannot be expressed for openai-style models"),
        ({"model": "flux/dev", "size": "auto"}, ValueError, "cannot be expressed for fal-style models"),
        ({"download_timeout": 0}, ValueError, "download_timeout must be a positive number"),
        ({"max_download_bytes": -1}, ValueError, "max_download_bytes must be a positive whole number"),
        ({"generation_kwargs": [("quality", "hd")]}, TypeError, "generation_kwargs must be a dict.*Pass a dict"),
        ({"generation_kwargs": "quality=hd"}, TypeError, "generation_kwargs must be a dict.*Pass a dict"),
        ({"generation_kwargs": {"num_images": 0}}, ValueError, r"generation_kwargs\['num_images'\] must be a whole"),
        ({"model": "dall-e-3", "generation_kwargs": {"n": -1}}, ValueError, r"generation_kwargs\['n'\] must be"),
        ({"generation_kwargs": {"extra_body": {"n": True}}}, ValueError, r"generation_kwargs\['n'\] must be"),
        ({"generation_kwargs": {"extra_body": 1}}, TypeError, r"generation_kwargs\['extra_body'\] must be a dict"),
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        AIMLAPIImageGenerator(**kwargs)


def test_missing_key_fails_at_warm_up_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY")
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    component = generator(api, model="dall-e-3")  # constructing works: a saved pipeline must always load
    with pytest.raises(ValueError, match="AIMLAPI_API_KEY"):
        component.run("x")
    assert api.requests == []


def test_timeout_and_retries_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_TIMEOUT", "12.5")
    monkeypatch.setenv("AIMLAPI_MAX_RETRIES", "2")
    component = AIMLAPIImageGenerator()
    component.warm_up()
    assert component.client is not None
    assert component.client.timeout == 12.5
    assert component.client.max_retries == 2


def test_to_dict_keeps_the_key_as_an_env_var_reference() -> None:
    component = AIMLAPIImageGenerator(
        model="dall-e-3",
        n=1,
        size="1024x1792",
        seed=3,
        generation_kwargs={"quality": "hd"},
        download_images=False,
        download_timeout=10.0,
        max_download_bytes=1000,
        api_base_url="https://example.test/v1",
        timeout=90.0,
        max_retries=1,
        extra_headers={"X-Title": "app"},
        http_client_kwargs={"proxy": "http://127.0.0.1:3128"},
    )
    data = component.to_dict()
    assert data == {
        "type": TYPE,
        "init_parameters": {
            "api_key": {"type": "env_var", "env_vars": ["AIMLAPI_API_KEY"], "strict": True},
            "model": "dall-e-3",
            "model_family": None,
            "n": 1,
            "size": "1024x1792",
            "seed": 3,
            "generation_kwargs": {"quality": "hd"},
            "download_images": False,
            "download_timeout": 10.0,
            "max_download_bytes": 1000,
            "api_base_url": "https://example.test/v1",
            "timeout": 90.0,
            "max_retries": 1,
            "extra_headers": {"X-Title": "app"},
            "http_client_kwargs": {"proxy": "http://127.0.0.1:3128"},
        },
    }
    assert TEST_KEY not in str(data)
    restored = AIMLAPIImageGenerator.from_dict(data)
    assert restored.to_dict() == data
    assert restored.api_key == Secret.from_env_var("AIMLAPI_API_KEY")


def test_from_dict_with_a_size_mapping_and_family() -> None:
    data = AIMLAPIImageGenerator(model="acme/new", model_family="fal", size={"width": 800, "height": 600}).to_dict()
    restored = AIMLAPIImageGenerator.from_dict(data)
    assert restored.family == "fal"
    assert restored.size == {"width": 800, "height": 600}


def test_a_token_secret_is_never_serialized_nor_shown() -> None:
    component = AIMLAPIImageGenerator(api_key=Secret.from_token("sk-very-secret-token-123"))
    with pytest.raises(ValueError, match="Cannot serialize token-based secret"):
        component.to_dict()
    component.warm_up()
    assert "sk-very-secret-token-123" not in repr(component)


def test_pipeline_round_trip_through_yaml() -> None:
    pipeline = Pipeline()
    pipeline.add_component("images", AIMLAPIImageGenerator(model="recraft-v3", size="square_hd"))
    loaded = Pipeline.loads(pipeline.dumps())
    component = loaded.get_component("images")
    assert isinstance(component, AIMLAPIImageGenerator)
    assert component.model == "recraft-v3"
    assert component.size == "square_hd"


def test_runs_in_a_pipeline() -> None:
    api = MockAPI(image_response({"data": [{"b64_json": RED_PNG_B64}]}))
    pipeline = Pipeline()
    pipeline.add_component("images", generator(api, model="dall-e-3"))
    result = pipeline.run({"images": {"prompt": "a red square", "size": "1024x1024"}})
    assert api.body() == {"model": "dall-e-3", "prompt": "a red square", "size": "1024x1024"}
    assert result["images"]["images"][0].base64_image == RED_PNG_B64
    assert result["images"]["meta"]["image_count"] == 1


def test_concurrent_runs_share_one_instance() -> None:
    api = MockAPI(image_response({"data": [{"b64_json": RED_PNG_B64}]}))
    component = generator(api, model="dall-e-3")
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda i: component.run(f"image {i}"), range(12)))
    assert len(api.requests) == 12
    assert sorted(request.content for request in api.requests) == sorted(
        f'{{"model":"dall-e-3","prompt":"image {i}"}}'.encode() for i in range(12)
    )
    assert all(result["images"][0].base64_image == RED_PNG_B64 for result in results)


def test_deepcopy_before_and_after_warm_up() -> None:
    api = MockAPI(image_response({"data": [{"b64_json": RED_PNG_B64}]}))
    component = AIMLAPIImageGenerator(model="dall-e-3", max_retries=0)
    cold = copy.deepcopy(component)
    assert cold.client is None

    component.http_client_kwargs = {"transport": api.transport()}
    component.warm_up()
    assert component.client is not None
    warm = copy.deepcopy(component)
    assert warm.client is None  # the copy builds its own client on first use
    assert warm._http_client is None
    warm.http_client_kwargs = {"transport": api.transport()}
    result = warm.run("a red square")
    assert warm.client is not None and warm.client is not component.client
    assert result["images"][0].base64_image == RED_PNG_B64
    # The original keeps working with its own client.
    assert component.run("again")["images"][0].base64_image == RED_PNG_B64
    assert len(api.requests) == 2


def test_pickle_before_warm_up() -> None:
    component = AIMLAPIImageGenerator(model="recraft-v3", size="square_hd")
    restored = pickle.loads(pickle.dumps(component))
    assert restored.to_dict() == component.to_dict()
    assert restored.client is None


def test_pickle_after_warm_up() -> None:
    component = AIMLAPIImageGenerator(model="dall-e-3")
    component.warm_up()
    restored = pickle.loads(pickle.dumps(component))
    assert restored.client is None
    assert restored.to_dict() == component.to_dict()
    restored.warm_up()
    assert restored.client is not None


def test_close_releases_the_client_and_a_later_run_builds_a_new_one() -> None:
    api = MockAPI(image_response({"data": [{"b64_json": RED_PNG_B64}]}))
    component = generator(api, model="dall-e-3")
    component.run("x")
    first = component.client
    component.close()
    assert component.client is None
    component.run("y")
    assert component.client is not None and component.client is not first
    assert len(api.requests) == 2


async def test_close_async() -> None:
    api = MockAPI(image_response({"data": [{"b64_json": RED_PNG_B64}]}))
    component = AIMLAPIImageGenerator(model="dall-e-3", http_client_kwargs={"transport": api.async_transport()})
    await component.run_async("x")
    assert component.async_client is not None
    await component.close_async()
    assert component.async_client is None
