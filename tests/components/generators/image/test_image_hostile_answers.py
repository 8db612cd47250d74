# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
2xx image answers that are not image answers, and inline images that are no image: a typed error naming the
status, the content type and an excerpt without the key (or the entry listed as missing), never a bare
AttributeError/TypeError/JSONDecodeError, never a 0-byte image. Also a property-based test over arbitrary answers.
"""

import base64
import json
from typing import Any

import httpx
import openai
import pytest
from haystack.dataclasses import ImageContent
from hypothesis import given
from hypothesis import strategies as st

from haystack_integrations.components.generators.aimlapi import (
    AIMLAPIImageGenerator,
    ImageAnswerError,
    ImageDownloadError,
    ImageResponseError,
)
from tests.conftest import TEST_KEY
from tests.fuzzing import fuzz_settings, json_values

from .helpers import RED_PNG, RED_PNG_B64


def answering(response: httpx.Response, **kwargs: Any) -> AIMLAPIImageGenerator:
    kwargs.setdefault("max_retries", 0)
    return AIMLAPIImageGenerator(
        model="dall-e-3", http_client_kwargs={"transport": httpx.MockTransport(lambda _: response)}, **kwargs
    )


def raw(content: bytes, content_type: str | None = "application/json", status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=content, headers={"content-type": content_type} if content_type else {})


NOT_IMAGE_ANSWERS = [
    pytest.param(raw(b""), "with an empty body", id="empty"),
    pytest.param(raw(b" \r\n"), "with an empty body", id="blank"),
    pytest.param(raw(b"<html>Bad gateway</html>", "text/html"), "with text/html rather than JSON", id="html"),
    pytest.param(raw(b'{"data": [', None), "with no content type rather than JSON", id="truncated"),
    pytest.param(raw(b"\xff\xfe\xfa"), "rather than JSON", id="not-utf8"),
    pytest.param(raw(b"[" * 100_000), "rather than JSON", id="too-deep"),
    pytest.param(raw(b"null"), "with a JSON NoneType rather than an object", id="null"),
    pytest.param(raw(b"[1, 2]"), "with a JSON list rather than an object", id="list"),
    pytest.param(raw(b'"https://x/a.png"'), "with a JSON str rather than an object", id="string"),
    pytest.param(raw(b"{}"), "without an image", id="empty-object"),
    pytest.param(raw(b'{"data": "x"}'), "without an image", id="data-string"),
    pytest.param(raw(b'{"data": [1, true, null, []]}'), "without an image", id="entries-not-objects"),
    pytest.param(raw(b'{"data": [{"url": 5, "b64_json": false}]}'), "without an image", id="fields-wrong-types"),
    pytest.param(raw(b'{"output": {"choices": {"url": "x"}}}'), "without an image", id="choices-object"),
    pytest.param(raw(b"", "image/png"), "with an empty image/png body", id="empty-image-body"),
]


@pytest.mark.parametrize(("response", "reason"), NOT_IMAGE_ANSWERS)
def test_an_answer_that_is_not_an_image_answer_is_a_typed_error(response: httpx.Response, reason: str) -> None:
    with pytest.raises(ImageAnswerError, match=reason) as raised:
        answering(response).run("x")
    error = raised.value
    assert isinstance(error, ImageResponseError)
    assert isinstance(error, openai.APIResponseValidationError)
    assert error.status_code == 200
    assert "HTTP 200" in str(error)
    assert f"Body ({response.headers.get('content-type') or 'no content type'})" in str(error)
    assert len(str(error)) < 1200


async def test_run_async_raises_the_same_typed_error() -> None:
    with pytest.raises(ImageAnswerError, match="text/html rather than JSON"):
        await answering(raw(b"<html>x</html>", "text/html")).run_async("x")


def test_the_key_is_blanked_out_of_the_excerpt() -> None:
    echoed = json.dumps({"headers": {"authorization": f"Bearer {TEST_KEY}"}}).encode()
    with pytest.raises(ImageAnswerError, match=r"Bearer \*\*\*") as raised:
        answering(raw(echoed)).run("x")
    assert TEST_KEY not in str(raised.value)


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"b64_json": "===="}, id="padding-only"),
        pytest.param({"url": "data:image/png;base64,"}, id="empty-data-url"),
        pytest.param({"url": "data:image/png;base64,===="}, id="padding-only-data-url"),
        pytest.param({"url": "data:image/png,"}, id="empty-percent-data-url"),
    ],
)
def test_inline_data_that_decodes_to_nothing_is_an_error_not_a_0_byte_image(entry: dict[str, str]) -> None:
    with pytest.raises(ImageResponseError, match=r"decodes to no bytes|not valid base64"):
        answering(raw(json.dumps({"data": [entry]}).encode())).run("x")


@pytest.mark.parametrize("payload", ["%%%%", "@@@@AAAA", "AA*A", "QUJD\u00e9"])
def test_inline_data_that_is_not_base64_is_an_error(payload: str) -> None:
    """Not decoded leniently: dropping the stray characters would turn garbage into a few bytes."""
    with pytest.raises(ImageResponseError, match="not valid base64"):
        answering(raw(json.dumps({"data": [{"url": f"data:image/png;base64,{payload}"}]}).encode())).run("x")
    with pytest.raises(ImageResponseError, match="not valid base64"):
        answering(raw(json.dumps({"data": [{"b64_json": payload}]}).encode())).run("x")


def test_url_safe_base64_without_padding_is_still_read() -> None:
    encoded = base64.urlsafe_b64encode(RED_PNG).decode().rstrip("=")
    (image,) = answering(raw(json.dumps({"data": [{"b64_json": encoded}]}).encode())).run("x")["images"]
    assert base64.b64decode(image.base64_image) == RED_PNG


def test_usage_that_is_not_an_object_is_left_out_and_an_unreadable_cost_too() -> None:
    body = {"data": [{"b64_json": RED_PNG_B64}], "usage": "lots", "meta": {"usage": {"credits_used": 10**400}}}
    result = answering(raw(json.dumps(body).encode())).run("x")
    assert "usage" not in result["meta"]
    assert "cost" not in result["meta"]
    assert base64.b64decode(result["images"][0].base64_image) == RED_PNG


# --- property-based: arbitrary answers ----------------------------------------------------------------------------

entries = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "url": st.one_of(
                st.text(max_size=30),
                st.sampled_from(["https://files.example/a.png", "data:image/png;base64,", "data:,x", "ftp://x/y"]),
                st.builds(lambda b: "data:image/png;base64," + base64.b64encode(b).decode(), st.binary(max_size=20)),
            ),
            "b64_json": st.one_of(
                st.text(max_size=20), st.builds(lambda b: base64.b64encode(b).decode(), st.binary(max_size=30))
            ),
            "revised_prompt": json_values,
            "width": json_values,
            "content_type": json_values,
        },
    ),
)
image_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "data": st.lists(entries, max_size=3) | json_values,
            "images": st.lists(entries, max_size=3),
            "output": st.fixed_dictionaries({"choices": st.lists(entries, max_size=3)}) | json_values,
            "has_nsfw_concepts": json_values,
            "usage": json_values,
            "meta": json_values,
            "message": json_values,
        },
    ),
)
DOWNLOADED = httpx.Response(200, content=RED_PNG, headers={"content-type": "image/png"})


def check_outcome(generator: AIMLAPIImageGenerator) -> None:
    try:
        result = generator.run("x")
    except ImageResponseError as error:  # ImageAnswerError and ImageDownloadError included
        assert TEST_KEY not in str(error)
        return
    assert result["images"]  # an answer without a single image is an error
    for image in result["images"]:
        assert isinstance(image, ImageContent)
        assert base64.b64decode(image.base64_image)  # never a 0-byte image
    assert all(isinstance(url, str) and url for url in result["urls"])
    assert isinstance(result["meta"].get("usage", {}), dict)


class Answers:
    """The generation answer comes from the test; a download from the mock storage host gets a PNG."""

    def __init__(self) -> None:
        self.generation = raw(b"{}")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/images/generations"):
            return self.generation
        return DOWNLOADED


@pytest.mark.fuzz
@fuzz_settings(60)
@given(body=image_bodies)
def test_arbitrary_json_answers(body: Any) -> None:
    answers = Answers()
    answers.generation = raw(json.dumps(body).encode())
    check_outcome(answering_with(answers))


@pytest.mark.fuzz
@fuzz_settings(40)
@given(
    content=st.binary(max_size=200), content_type=st.sampled_from([None, "application/json", "text/html", "image/png"])
)
def test_arbitrary_bytes(content: bytes, content_type: str | None) -> None:
    answers = Answers()
    answers.generation = raw(content, content_type)
    check_outcome(answering_with(answers))


def answering_with(answers: Answers) -> AIMLAPIImageGenerator:
    return AIMLAPIImageGenerator(
        model="dall-e-3", max_retries=0, http_client_kwargs={"transport": httpx.MockTransport(answers)}
    )


def test_a_download_error_is_an_image_response_error() -> None:
    """The fuzz rule above relies on it: every documented failure of the generator is an ImageResponseError."""
    assert issubclass(ImageDownloadError, ImageResponseError)
    assert issubclass(ImageAnswerError, ImageResponseError)
