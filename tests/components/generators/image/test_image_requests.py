# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""What goes over the wire: the request body per model family, headers, and bad input caught before sending."""

import logging
from typing import Any

import pytest

from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json

from .helpers import GENERATIONS_URL, async_generator, generator, image_response


def _sent_body(model: str, run_kwargs: dict[str, Any] | None = None, **init_kwargs: Any) -> dict[str, Any]:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    generator(api, model=model, **init_kwargs).run("a red square", **(run_kwargs or {}))
    assert len(api.requests) == 1
    return api.body()


@pytest.mark.parametrize(
    ("model", "run_kwargs", "expected"),
    [
        # OpenAI-style: n and size "WxH"
        ("dall-e-3", {"n": 1, "size": "1024x1792"}, {"n": 1, "size": "1024x1792"}),
        ("openai/gpt-image-1", {"n": 2, "size": (1536, 1024)}, {"n": 2, "size": "1536x1024"}),
        ("openai/gpt-image-1", {"size": "auto"}, {"size": "auto"}),
        ("x-ai/grok-2-image", {"n": 3}, {"n": 3}),
        (
            "bytedance/seedream-3.0",
            {"size": {"width": 1024, "height": 768}, "seed": 5},
            {"size": "1024x768", "seed": 5},
        ),
        # fal-style: num_images and image_size as a preset or {width, height}
        ("flux/schnell", {"n": 2, "size": "1024x768"}, {"num_images": 2, "image_size": {"width": 1024, "height": 768}}),
        ("flux-pro/v1.1", {"size": "landscape_16_9", "seed": 42}, {"image_size": "landscape_16_9", "seed": 42}),
        (
            "stable-diffusion-v35-large",
            {"n": 1, "size": [512, 512]},
            {"num_images": 1, "image_size": {"width": 512, "height": 512}},
        ),
        ("recraft-v3", {"size": "square_hd"}, {"image_size": "square_hd"}),
        # Google: num_images and aspect_ratio
        ("google/imagen-4.0-generate-001", {"n": 2, "size": "16:9"}, {"num_images": 2, "aspect_ratio": "16:9"}),
        ("google/nano-banana-pro", {"size": "1920x1080"}, {"aspect_ratio": "16:9"}),
        ("imagen-3.0-generate-002", {"size": {"width": 768, "height": 1024}}, {"aspect_ratio": "3:4"}),
    ],
)
def test_each_family_gets_its_own_parameter_names(
    model: str, run_kwargs: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = _sent_body(model, run_kwargs)
    assert body == {"model": model, "prompt": "a red square", **expected}


def test_nothing_is_sent_that_was_not_asked_for() -> None:
    assert _sent_body("dall-e-3") == {"model": "dall-e-3", "prompt": "a red square"}
    assert _sent_body("flux/schnell") == {"model": "flux/schnell", "prompt": "a red square"}


def test_init_settings_are_sent_and_run_arguments_override_them() -> None:
    init = {"n": 2, "size": "512x512", "seed": 1, "generation_kwargs": {"guidance_scale": 3.5, "output_format": "png"}}
    body = _sent_body(
        "flux/dev",
        {"size": "landscape_4_3", "generation_kwargs": {"num_inference_steps": 4, "output_format": "jpeg"}},
        **init,
    )
    assert body == {
        "model": "flux/dev",
        "prompt": "a red square",
        "num_images": 2,
        "image_size": "landscape_4_3",
        "seed": 1,
        "guidance_scale": 3.5,
        "num_inference_steps": 4,
        "output_format": "jpeg",
    }


def test_generation_kwargs_travel_as_they_are() -> None:
    kwargs = {
        "quality": "hd",
        "style": "natural",
        "response_format": "b64_json",
        "background": "transparent",
        "provider": {"order": ["openai"]},
    }
    body = _sent_body("dall-e-3", {"generation_kwargs": kwargs})
    assert body == {"model": "dall-e-3", "prompt": "a red square", **kwargs}


def test_a_family_specific_size_can_be_sent_as_is_through_generation_kwargs() -> None:
    body = _sent_body("flux-pro/v1.1-ultra", {"generation_kwargs": {"aspect_ratio": "21:9", "raw": True}})
    assert body == {"model": "flux-pro/v1.1-ultra", "prompt": "a red square", "aspect_ratio": "21:9", "raw": True}


def test_extra_body_is_merged_into_the_top_level() -> None:
    body = _sent_body("flux/schnell", {"generation_kwargs": {"extra_body": {"enable_safety_checker": False}}})
    assert body == {"model": "flux/schnell", "prompt": "a red square", "enable_safety_checker": False}


def test_the_same_value_in_both_places_is_fine_but_different_values_are_refused() -> None:
    body = _sent_body("flux/schnell", {"n": 2, "generation_kwargs": {"num_images": 2}})
    assert body["num_images"] == 2

    api = MockAPI(image_response(fixture_json("images_fal_url.json")))
    with pytest.raises(ValueError, match=r"n=2 and generation_kwargs\['num_images'\]=3"):
        generator(api, model="flux/schnell").run("x", n=2, generation_kwargs={"num_images": 3})
    assert api.requests == []


def test_model_family_overrides_the_inference() -> None:
    body = _sent_body("acme/brand-new-image-model", {"n": 2, "size": "1024x768"}, model_family="fal")
    assert body["num_images"] == 2
    assert body["image_size"] == {"width": 1024, "height": 768}

    body = _sent_body("dall-e-3", {"n": 2, "size": "4:3"}, model_family="google")
    assert body == {"model": "dall-e-3", "prompt": "a red square", "num_images": 2, "aspect_ratio": "4:3"}


def test_an_unknown_model_gets_openai_names_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        body = _sent_body("acme/brand-new-image-model", {"n": 2, "size": (640, 480)})
    assert body == {"model": "acme/brand-new-image-model", "prompt": "a red square", "n": 2, "size": "640x480"}
    assert "model_family" in caplog.text


def test_model_and_prompt_in_generation_kwargs_are_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        body = _sent_body("dall-e-3", {"generation_kwargs": {"model": "other", "prompt": "other"}})
    assert body == {"model": "dall-e-3", "prompt": "a red square"}
    assert "generation_kwargs['model'] is ignored" in caplog.text
    assert "generation_kwargs['prompt'] is ignored" in caplog.text


def test_request_goes_to_the_generations_path_with_key_and_attribution_headers() -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    generator(api, model="dall-e-3", extra_headers={"X-Title": "my app", "X-Client-Request-Id": "req-1"}).run("x")
    request = api.last
    assert request.method == "POST"
    assert str(request.url) == GENERATIONS_URL
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["http-referer"] == "https://github.com/aimlapi/aimlapi-haystack"
    assert request.headers["x-title"] == "my app"
    assert request.headers["x-client-request-id"] == "req-1"


def test_base_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://127.0.0.1:9/custom/v1/")
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    generator(api, model="dall-e-3").run("x")
    assert str(api.last.url) == "http://127.0.0.1:9/custom/v1/images/generations"


async def test_run_async_sends_the_same_body() -> None:
    api = MockAPI(image_response(fixture_json("images_fal_data_url.json")))
    component = AIMLAPIImageGenerator(
        model="flux/schnell", max_retries=0, http_client_kwargs={"transport": api.async_transport()}
    )
    await component.run_async("a red square", n=1, size="square", seed=3)
    assert str(api.last.url) == GENERATIONS_URL
    assert api.body() == {
        "model": "flux/schnell",
        "prompt": "a red square",
        "num_images": 1,
        "image_size": "square",
        "seed": 3,
    }


# --- bad input: refused before any request --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_kwargs", "error", "match"),
    [
        ({"prompt": ""}, ValueError, "prompt is empty"),
        ({"prompt": "   \n"}, ValueError, "prompt is empty"),
        ({"prompt": None}, TypeError, "prompt must be a str"),
        ({"prompt": "x", "n": 0}, ValueError, "n must be at least 1"),
        ({"prompt": "x", "n": -2}, ValueError, "n must be at least 1"),
        ({"prompt": "x", "n": 1.5}, TypeError, "n must be a whole number"),
        ({"prompt": "x", "n": True}, TypeError, "n must be a whole number"),
        ({"prompt": "x", "size": "1024"}, ValueError, "size '1024' is not a size"),
        ({"prompt": "x", "size": "0x1024"}, ValueError, "is not a size"),
        ({"prompt": "x", "size": "big"}, ValueError, "is not a size"),
        ({"prompt": "x", "size": (1024,)}, ValueError, "is not a size"),
        ({"prompt": "x", "size": {"width": 1024}}, ValueError, "is not a size"),
        ({"prompt": "x", "size": {"width": -1, "height": 5}}, ValueError, "is not a size"),
        ({"prompt": "x", "size": "landscape_4_3"}, ValueError, "cannot be expressed for openai-style models"),
        ({"prompt": "x", "size": "16:9"}, ValueError, "cannot be expressed for openai-style models"),
        ({"prompt": "x", "seed": "7"}, TypeError, "seed must be an int"),
        ({"prompt": "x", "generation_kwargs": {"extra_body": "no"}}, TypeError, "extra_body"),
    ],
)
def test_bad_input_is_refused_before_any_request(run_kwargs: dict[str, Any], error: type, match: str) -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    with pytest.raises(error, match=match):
        generator(api, model="dall-e-3").run(**run_kwargs)
    assert api.requests == []


@pytest.mark.parametrize(
    ("model", "size", "match"),
    [
        ("flux/schnell", "16:9", "cannot be expressed for fal-style models, which take 'image_size'"),
        ("flux/schnell", "auto", "cannot be expressed for fal-style"),
        ("google/imagen-4.0-generate-001", "landscape_4_3", "cannot be expressed for google-style"),
    ],
)
def test_a_size_the_family_cannot_express_is_refused(model: str, size: str, match: str) -> None:
    api = MockAPI(image_response(fixture_json("images_fal_url.json")))
    with pytest.raises(ValueError, match=match):
        generator(api, model=model).run("x", size=size)
    assert api.requests == []


async def test_bad_input_is_refused_before_any_request_async() -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    component = AIMLAPIImageGenerator(http_client_kwargs={"transport": api.async_transport()})
    with pytest.raises(ValueError, match="prompt is empty"):
        await component.run_async("")
    with pytest.raises(ValueError, match="n must be at least 1"):
        await component.run_async("x", n=0)
    assert api.requests == []


# --- generation_kwargs: its type, the counts it carries, and counts under another family's name ------------------

_BAD_COUNTS = [0, -3, True, 1.5, "2"]


@pytest.mark.parametrize("generation_kwargs", [["quality", "hd"], "quality=hd", ("n", 2)])
def test_generation_kwargs_that_is_not_a_dict_is_refused_before_any_request(generation_kwargs: Any) -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    with pytest.raises(TypeError, match=r"generation_kwargs must be a dict of request fields, got \w+\. Pass a dict"):
        generator(api, model="dall-e-3").run("x", generation_kwargs=generation_kwargs)
    assert api.requests == []


async def test_generation_kwargs_that_is_not_a_dict_is_refused_before_any_request_async() -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    with pytest.raises(TypeError, match=r"generation_kwargs must be a dict.*Pass a dict"):
        await async_generator(api, model="dall-e-3").run_async("x", generation_kwargs=[("quality", "hd")])
    assert api.requests == []


@pytest.mark.parametrize("model", ["dall-e-3", "flux/schnell", "google/imagen-4.0-generate-001", "acme/unknown"])
@pytest.mark.parametrize("key", ["n", "num_images"])
@pytest.mark.parametrize("count", _BAD_COUNTS)
def test_a_bad_count_in_generation_kwargs_is_refused_under_any_family_name(model: str, key: str, count: Any) -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    with pytest.raises(ValueError, match=rf"generation_kwargs\['{key}'\] must be a whole number of images, at least 1"):
        generator(api, model=model).run("x", generation_kwargs={key: count})
    assert api.requests == []


def test_a_bad_count_in_extra_body_is_refused() -> None:
    api = MockAPI(image_response(fixture_json("images_fal_url.json")))
    with pytest.raises(ValueError, match=r"generation_kwargs\['num_images'\] must be"):
        generator(api, model="flux/schnell").run("x", generation_kwargs={"extra_body": {"num_images": 0}})
    assert api.requests == []


async def test_a_bad_count_in_generation_kwargs_is_refused_async() -> None:
    api = MockAPI(image_response(fixture_json("images_fal_url.json")))
    with pytest.raises(ValueError, match=r"generation_kwargs\['n'\] must be"):
        await async_generator(api, model="flux/schnell").run_async("x", generation_kwargs={"n": 0})
    assert api.requests == []


def test_a_null_count_in_generation_kwargs_asks_for_the_default_and_is_sent() -> None:
    body = _sent_body("dall-e-3", {"generation_kwargs": {"n": None}})
    assert body == {"model": "dall-e-3", "prompt": "a red square", "n": None}


@pytest.mark.parametrize(
    ("model", "run_kwargs", "match"),
    [
        # n is sent as num_images to fal- and Google-style models; a different `n` beside it is a contradiction.
        ("flux/schnell", {"n": 2, "generation_kwargs": {"n": 3}}, r"n=2 and generation_kwargs\['n'\]=3 .*'num_images'"),
        (
            "google/imagen-4.0-generate-001",
            {"n": 1, "generation_kwargs": {"n": 4}},
            r"n=1 and generation_kwargs\['n'\]=4 .*'num_images'",
        ),
        # ... and as n to OpenAI-style models, so num_images beside it is one too.
        ("dall-e-3", {"n": 2, "generation_kwargs": {"num_images": 3}}, r"n=2 and generation_kwargs\['num_images'\]=3"),
        # An unknown model gets OpenAI's names; two counts still contradict each other.
        ("acme/unknown", {"n": 2, "generation_kwargs": {"num_images": 3}}, r"generation_kwargs\['num_images'\]=3"),
    ],
)
def test_a_count_under_another_family_name_that_contradicts_n_is_refused(
    model: str, run_kwargs: dict[str, Any], match: str
) -> None:
    api = MockAPI(image_response(fixture_json("images_fal_url.json")))
    with pytest.raises(ValueError, match=match) as raised:
        generator(api, model=model).run("x", **run_kwargs)
    assert "pass only n" in str(raised.value)
    assert api.requests == []


def test_a_count_under_another_family_name_set_at_init_contradicts_n_at_run() -> None:
    api = MockAPI(image_response(fixture_json("images_fal_url.json")))
    with pytest.raises(ValueError, match=r"n=2 and generation_kwargs\['n'\]=3"):
        generator(api, model="flux/schnell", generation_kwargs={"n": 3}).run("x", n=2)
    assert api.requests == []


def test_a_count_under_another_family_name_without_n_is_sent_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        body = _sent_body("flux/schnell", {"generation_kwargs": {"n": 3}})
    assert body == {"model": "flux/schnell", "prompt": "a red square", "n": 3}  # as is: the user may know better
    assert "generation_kwargs['n'] is sent as is" in caplog.text
    assert "'num_images'" in caplog.text


def test_an_agreeing_count_under_another_family_name_is_not_a_contradiction() -> None:
    body = _sent_body("flux/schnell", {"n": 2, "generation_kwargs": {"n": 2}})
    assert body["num_images"] == 2
