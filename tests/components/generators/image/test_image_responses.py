# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Reading every response shape: base64, data: URLs, downloads, MIME types, meta and errors."""

import base64
import json
import logging

import httpx
import openai
import pytest
from haystack.dataclasses import ImageContent

from haystack_integrations.common.aimlapi import downloads as image_downloads
from haystack_integrations.components.generators.aimlapi import ImageDownloadError, ImageResponseError
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json

from .helpers import (
    BLUE_PNG,
    GENERATIONS_URL,
    JPEG_BYTES,
    RED_PNG,
    RED_PNG_B64,
    async_generator,
    file_response,
    generator,
    image_response,
)


def _bytes(image: ImageContent) -> bytes:
    return base64.b64decode(image.base64_image, validate=True)


# --- the three shapes ------------------------------------------------------------------------------------------


def test_data_shape_with_base64_images_revised_prompt_usage_and_cost() -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    result = generator(api, model="openai/gpt-image-1").run("a red and a blue square", n=2)

    assert len(api.requests) == 1  # nothing to download
    images = result["images"]
    assert [_bytes(image) for image in images] == [RED_PNG, BLUE_PNG]
    assert [image.mime_type for image in images] == ["image/png", "image/png"]
    assert images[0].meta == {"index": 0, "revised_prompt": "A flat red square on a plain background"}
    assert images[1].meta == {"index": 1}
    assert result["urls"] == []
    meta = result["meta"]
    assert meta["model"] == "openai/gpt-image-1"
    assert meta["model_family"] == "openai"
    assert meta["image_count"] == 2
    assert meta["revised_prompts"] == ["A flat red square on a plain background", None]
    assert meta["usage"]["total_tokens"] == 284
    assert meta["cost"] == {"credits_used": 44100, "usd_spent": 0.02205}


def test_cost_falls_back_to_the_cost_headers() -> None:
    body = fixture_json("images_openai_b64.json")
    del body["meta"]
    headers = {"content-type": "application/json", "x-aimlapi-credits-used": "44100"}
    api = MockAPI(httpx.Response(200, content=json.dumps(body).encode(), headers=headers))
    result = generator(api, model="openai/gpt-image-1").run("a red and a blue square", n=2)
    assert result["meta"]["cost"] == {"credits_used": 44100, "usd_spent": 0.02205}


def test_data_shape_with_an_https_url_is_downloaded_through_the_same_client_without_the_key() -> None:
    body = fixture_json("images_openai_url.json")
    url = body["data"][0]["url"]
    api = MockAPI(image_response(body), file_response(RED_PNG, "image/png"))
    result = generator(api, model="dall-e-3").run("a lighthouse")

    assert len(api.requests) == 2
    generation, download = api.requests
    assert str(generation.url) == GENERATIONS_URL
    assert download.method == "GET"
    assert str(download.url) == url
    assert "authorization" not in download.headers  # the storage host never sees the key
    assert TEST_KEY not in str(download.headers)
    assert "x-title" not in download.headers

    (image,) = result["images"]
    assert _bytes(image) == RED_PNG
    assert image.mime_type == "image/png"
    assert image.meta["url"] == url
    assert image.meta["revised_prompt"].startswith("A lighthouse standing")
    assert result["urls"] == [url]
    assert result["meta"]["revised_prompts"] == [body["data"][0]["revised_prompt"]]
    assert result["meta"]["cost"] == {"credits_used": 168000, "usd_spent": 0.084}


def test_images_shape_with_url_size_and_content_type() -> None:
    body = fixture_json("images_fal_url.json")
    url = body["images"][0]["url"]
    api = MockAPI(image_response(body), file_response(JPEG_BYTES, "image/jpeg"))
    result = generator(api, model="flux/schnell").run("a lighthouse", size="1024x768", seed=7)

    assert str(api.requests[1].url) == url
    (image,) = result["images"]
    assert _bytes(image) == JPEG_BYTES
    assert image.mime_type == "image/jpeg"
    assert image.meta == {"index": 0, "url": url, "width": 1024, "height": 768}
    assert result["urls"] == [url]
    assert result["meta"]["model_family"] == "fal"
    assert "revised_prompts" not in result["meta"]
    # Only credits were reported: dollars are derived from them.
    assert result["meta"]["cost"] == {"credits_used": 6300, "usd_spent": 6300 / 2_000_000}


def test_images_shape_with_a_data_url_is_decoded_without_a_request() -> None:
    api = MockAPI(image_response(fixture_json("images_fal_data_url.json")))
    result = generator(api, model="flux/schnell").run("a red square")

    assert len(api.requests) == 1
    (image,) = result["images"]
    assert _bytes(image) == RED_PNG
    assert image.mime_type == "image/png"
    assert image.meta == {"index": 0, "width": 2, "height": 2}  # a data: URL is not a source URL
    assert result["urls"] == []
    assert result["meta"]["image_count"] == 1


def test_output_choices_shape_with_base64_and_url() -> None:
    body = fixture_json("images_output_choices.json")
    url = body["output"]["choices"][1]["url"]
    api = MockAPI(image_response(body), file_response(RED_PNG, "application/octet-stream"))
    result = generator(api, model="alibaba/wan2.2-t2i-plus", model_family="openai").run("two squares")

    assert [str(request.url) for request in api.requests] == [GENERATIONS_URL, url]
    assert [_bytes(image) for image in result["images"]] == [BLUE_PNG, RED_PNG]
    # The storage host called it octet-stream; the bytes say PNG.
    assert [image.mime_type for image in result["images"]] == ["image/png", "image/png"]
    assert [image.meta["index"] for image in result["images"]] == [0, 1]
    assert result["urls"] == [url]
    assert result["meta"]["cost"] == {"credits_used": 126000, "usd_spent": 0.063}


def test_google_answer_with_a_data_url() -> None:
    api = MockAPI(image_response(fixture_json("images_google.json")))
    result = generator(api, model="google/imagen-4.0-generate-001").run("a blue square", size="1:1")
    assert api.body()["aspect_ratio"] == "1:1"
    assert [_bytes(image) for image in result["images"]] == [BLUE_PNG]
    assert result["meta"]["model_family"] == "google"


# --- inline base64 in the forms upstreams send it ---------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        RED_PNG_B64,
        f"data:image/png;base64,{RED_PNG_B64}",  # a data: URL where plain base64 was expected
        "\n".join(RED_PNG_B64[i : i + 20] for i in range(0, len(RED_PNG_B64), 20)),  # wrapped lines
        RED_PNG_B64.rstrip("="),  # padding dropped
    ],
)
def test_inline_base64_forms(encoded: str) -> None:
    api = MockAPI(image_response({"data": [{"b64_json": encoded}]}))
    (image,) = generator(api, model="dall-e-3").run("x")["images"]
    assert _bytes(image) == RED_PNG
    assert image.mime_type == "image/png"


def test_percent_encoded_svg_data_url() -> None:
    svg = "<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'><rect width='4' height='4'/></svg>"
    url = "data:image/svg+xml," + svg.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    api = MockAPI(image_response({"images": [{"url": url}]}))
    (image,) = generator(api, model="recraft-v3").run("x")["images"]
    assert _bytes(image).decode() == svg
    assert image.mime_type == "image/svg+xml"


@pytest.mark.parametrize(
    ("content", "declared", "expected"),
    [
        (JPEG_BYTES, "image/png", "image/jpeg"),  # the bytes win over a wrong label
        (b"RIFF\x1a\x00\x00\x00WEBPVP8L....", None, "image/webp"),
        (b"GIF89a....", "application/octet-stream", "image/gif"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00", None, "image/avif"),
        (b"unknown format bytes", "image/x-custom", "image/x-custom"),  # no magic: the declared image type
    ],
)
def test_mime_type_from_bytes_then_declared_type(content: bytes, declared: str | None, expected: str) -> None:
    entry = {"url": "https://files.example/img", **({"content_type": declared} if declared else {})}
    api = MockAPI(image_response({"images": [entry]}), file_response(content, declared))
    (image,) = generator(api, model="flux/dev").run("x")["images"]
    assert image.mime_type == expected
    assert _bytes(image) == content


def test_unknown_inline_format_is_returned_without_mime_type_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    api = MockAPI(image_response({"data": [{"b64_json": base64.b64encode(b"not an image").decode()}]}))
    with caplog.at_level(logging.WARNING):
        (image,) = generator(api, model="dall-e-3").run("x")["images"]
    assert image.mime_type is None
    assert _bytes(image) == b"not an image"
    assert "without a MIME type" in caplog.text


def test_an_answer_that_is_the_image_itself() -> None:
    api = MockAPI(file_response(RED_PNG, "image/png"))
    result = generator(api, model="acme/raw", model_family="fal").run("x")
    assert [_bytes(image) for image in result["images"]] == [RED_PNG]
    assert result["meta"]["image_count"] == 1


# --- download settings ------------------------------------------------------------------------------------------


def test_with_downloads_off_the_url_is_returned_as_is() -> None:
    body = fixture_json("images_output_choices.json")
    api = MockAPI(image_response(body))
    result = generator(api, model="flux/dev", download_images=False).run("x")
    assert len(api.requests) == 1
    # The base64 image is still returned; the URL-only one is not fetched.
    assert [_bytes(image) for image in result["images"]] == [BLUE_PNG]
    assert result["urls"] == [body["output"]["choices"][1]["url"]]
    assert result["meta"]["image_count"] == 2


def test_redirects_are_followed() -> None:
    api = MockAPI(
        image_response({"images": [{"url": "https://short.example/a"}]}),
        httpx.Response(302, headers={"location": "https://files.example/a.png"}),
        file_response(RED_PNG, "image/png"),
    )
    (image,) = generator(api, model="flux/dev").run("x")["images"]
    assert str(api.requests[2].url) == "https://files.example/a.png"
    assert _bytes(image) == RED_PNG


@pytest.mark.parametrize(
    ("download", "reason"),
    [
        (httpx.Response(404, text="Not Found"), "the server answered HTTP 404"),
        (httpx.Response(403, text="<Error>AccessDenied</Error>"), "the server answered HTTP 403"),
        (file_response(b"<html><body>login</body></html>", "text/html"), "answered with text/html, not an image"),
        (file_response(b"", None), "answered with no content type, not an image"),
    ],
)
def test_a_failed_download_names_the_url(download: httpx.Response, reason: str) -> None:
    body = fixture_json("images_fal_url.json")
    url = body["images"][0]["url"]
    api = MockAPI(image_response(body), download)
    with pytest.raises(ImageDownloadError, match=reason) as raised:
        generator(api, model="flux/schnell").run("x")
    assert raised.value.url == url
    assert url in str(raised.value)
    assert "download_images=False" in str(raised.value)
    assert TEST_KEY not in str(raised.value)


def test_a_connection_error_names_the_url() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    api = MockAPI(image_response({"images": [{"url": "https://files.example/gone.png"}]}), refuse)
    with pytest.raises(ImageDownloadError, match=r"https://files\.example/gone\.png: ConnectError"):
        generator(api, model="flux/dev").run("x")


def test_a_download_timeout_names_the_url() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    api = MockAPI(image_response({"images": [{"url": "https://files.example/slow.png"}]}), time_out)
    with pytest.raises(ImageDownloadError, match=r"slow\.png: it did not arrive in time"):
        generator(api, model="flux/dev", download_timeout=0.5).run("x")


# --- download retries -------------------------------------------------------------------------------------------

FLAKY_URL = "https://files.example/flaky.png"


def refuse_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between download attempts, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(image_downloads.time, "sleep", recorded.append)
    return recorded


def test_a_download_is_retried_after_a_transient_failure(waits: list[float], caplog: pytest.LogCaptureFixture) -> None:
    api = MockAPI(
        image_response({"images": [{"url": FLAKY_URL}]}),
        httpx.Response(503, headers={"retry-after": "2"}),
        refuse_connection,
        httpx.Response(429, headers={"retry-after-ms": "250"}),
        file_response(RED_PNG, "image/png"),
    )
    (image,) = generator(api, model="flux/dev", max_retries=3).run("x")["images"]
    assert _bytes(image) == RED_PNG
    assert [str(request.url) for request in api.requests[1:]] == [FLAKY_URL] * 4
    # The server's Retry-After, then the first backoff step (a refused connection has no header), then retry-after-ms.
    assert waits == [2.0, 1.0, 0.25]
    assert "Retrying the image download" in caplog.text
    assert "retry 3 of 3" in caplog.text


def test_a_download_without_retry_after_backs_off_exponentially(waits: list[float]) -> None:
    api = MockAPI(image_response({"images": [{"url": FLAKY_URL}]}), httpx.Response(502))
    with pytest.raises(ImageDownloadError, match=r"flaky\.png: the server answered HTTP 502"):
        generator(api, model="flux/dev", max_retries=5).run("x")
    assert len(api.requests) == 1 + 6
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_an_unreasonable_retry_after_falls_back_to_backoff(waits: list[float]) -> None:
    api = MockAPI(
        image_response({"images": [{"url": FLAKY_URL}]}),
        httpx.Response(503, headers={"retry-after": "86400"}),
        file_response(RED_PNG, "image/png"),
    )
    generator(api, model="flux/dev", max_retries=1).run("x")
    assert waits == [0.5]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(404),
        httpx.Response(403, text="<Error>AccessDenied</Error>"),
        file_response(b"<html>sign in</html>", "text/html"),
    ],
)
def test_a_final_download_failure_is_not_retried(waits: list[float], failure: httpx.Response) -> None:
    api = MockAPI(image_response({"images": [{"url": FLAKY_URL}]}), failure)
    with pytest.raises(ImageDownloadError, match=r"flaky\.png"):
        generator(api, model="flux/dev", max_retries=3).run("x")
    assert len(api.requests) == 2
    assert waits == []


def test_a_timed_out_download_is_not_retried(waits: list[float]) -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    api = MockAPI(image_response({"images": [{"url": FLAKY_URL}]}), time_out)
    with pytest.raises(ImageDownloadError, match="did not arrive in time") as raised:
        generator(api, model="flux/dev", max_retries=3).run("x")
    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)
    assert len(api.requests) == 2
    assert waits == []


def test_spent_download_retries_raise_the_last_error_with_its_cause(waits: list[float]) -> None:
    api = MockAPI(image_response({"images": [{"url": FLAKY_URL}]}), refuse_connection)
    with pytest.raises(ImageDownloadError, match=r"flaky\.png: ConnectError") as raised:
        generator(api, model="flux/dev", max_retries=2).run("x")
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert len(api.requests) == 1 + 3
    assert waits == [0.5, 1.0]


async def test_run_async_retries_a_download(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded: list[float] = []

    async def no_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(image_downloads.asyncio, "sleep", no_sleep)
    api = MockAPI(
        image_response({"images": [{"url": FLAKY_URL}]}),
        httpx.Response(500),
        refuse_connection,
        file_response(JPEG_BYTES, "image/jpeg"),
    )
    (image,) = (await async_generator(api, model="flux/dev", max_retries=2).run_async("x"))["images"]
    assert _bytes(image) == JPEG_BYTES
    assert len(api.requests) == 1 + 3
    assert recorded == [0.5, 1.0]


def test_the_download_timeout_is_passed_to_the_request() -> None:
    seen: dict[str, object] = {}

    def record(request: httpx.Request) -> httpx.Response:
        seen.update(request.extensions["timeout"])
        return file_response(RED_PNG, "image/png")

    api = MockAPI(image_response({"images": [{"url": "https://files.example/a.png"}]}), record)
    generator(api, model="flux/dev", download_timeout=7.5).run("x")
    assert seen == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}


def test_a_download_over_the_size_cap_is_refused_by_content_length() -> None:
    api = MockAPI(
        image_response({"images": [{"url": "https://files.example/huge.png"}]}),
        httpx.Response(200, content=RED_PNG + b"\x00" * 2000, headers={"content-type": "image/png"}),
    )
    with pytest.raises(
        ImageDownloadError, match=r"huge\.png: it is \d+ bytes, over the limit of max_download_bytes=1000"
    ):
        generator(api, model="flux/dev", max_download_bytes=1000).run("x")


def test_a_download_over_the_size_cap_is_refused_while_streaming() -> None:
    # No content-length: the cap is enforced on the bytes as they arrive.
    def chunks() -> object:
        yield RED_PNG
        for _ in range(100):
            yield b"\x00" * 100

    api = MockAPI(
        image_response({"images": [{"url": "https://files.example/huge.png"}]}),
        httpx.Response(200, content=chunks(), headers={"content-type": "image/png"}),
    )
    with pytest.raises(ImageDownloadError, match="larger than the limit of max_download_bytes=1000"):
        generator(api, model="flux/dev", max_download_bytes=1000).run("x")


def test_a_url_that_is_not_http_is_not_fetched() -> None:
    api = MockAPI(image_response({"images": [{"url": "file:///etc/passwd"}]}))
    with pytest.raises(ImageDownloadError, match="not an absolute http"):
        generator(api, model="flux/dev").run("x")
    assert len(api.requests) == 1


# --- partial answers and the safety checker -----------------------------------------------------------------

RED_DATA_URL = f"data:image/png;base64,{RED_PNG_B64}"
BLUE_DATA_URL = "data:image/png;base64," + base64.b64encode(BLUE_PNG).decode()


def test_an_entry_without_an_image_is_reported_not_dropped_silently(caplog: pytest.LogCaptureFixture) -> None:
    api = MockAPI(image_response({"images": [{"url": RED_DATA_URL}, {}], "has_nsfw_concepts": [False, False]}))
    with caplog.at_level(logging.WARNING):
        result = generator(api, model="flux/schnell").run("two squares", n=2)

    assert [_bytes(image) for image in result["images"]] == [RED_PNG]
    meta = result["meta"]
    assert meta["image_count"] == 1  # readable images only: the shortfall shows against n=2
    assert meta["missing_images"] == [{"index": 1, "reason": "the entry is empty"}]
    assert "1 of the 2 image entries" in caplog.text
    assert "entry 1: the entry is empty" in caplog.text
    assert "missing_images" in caplog.text


def test_image_indexes_are_positions_in_the_answer() -> None:
    body = {"data": [{"revised_prompt": "lost"}, None, {"b64_json": RED_PNG_B64}, 7]}
    api = MockAPI(image_response(body))
    result = generator(api, model="dall-e-3").run("x")

    (image,) = result["images"]
    assert image.meta == {"index": 2}
    assert result["meta"]["image_count"] == 1
    assert result["meta"]["missing_images"] == [
        {"index": 0, "reason": "the entry has neither base64 nor a URL (keys: revised_prompt)"},
        {"index": 1, "reason": "the entry is null"},
        {"index": 3, "reason": "the entry is not an object (got int)"},
    ]


def test_a_complete_answer_has_no_missing_images(caplog: pytest.LogCaptureFixture) -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    with caplog.at_level(logging.WARNING):
        result = generator(api, model="openai/gpt-image-1").run("x", n=2)
    assert "missing_images" not in result["meta"]
    assert "nsfw_flags" not in result["meta"]  # the server sent no has_nsfw_concepts
    assert caplog.text == ""


async def test_run_async_reports_missing_entries(caplog: pytest.LogCaptureFixture) -> None:
    api = MockAPI(image_response({"output": {"choices": [{"url": ""}, {"image_base64": RED_PNG_B64}]}}))
    with caplog.at_level(logging.WARNING):
        result = await async_generator(api, model="flux/dev").run_async("x", n=2)
    assert [image.meta["index"] for image in result["images"]] == [1]
    assert result["meta"]["image_count"] == 1
    assert result["meta"]["missing_images"] == [
        {"index": 0, "reason": "the entry has neither base64 nor a URL (keys: url)"}
    ]
    assert "missing_images" in caplog.text


def test_images_flagged_by_the_safety_checker_are_marked_and_kept(caplog: pytest.LogCaptureFixture) -> None:
    body = {"images": [{"url": RED_DATA_URL}, {"url": BLUE_DATA_URL}], "has_nsfw_concepts": [False, True]}
    api = MockAPI(image_response(body))
    with caplog.at_level(logging.WARNING):
        result = generator(api, model="flux/schnell").run("x", n=2)

    assert [_bytes(image) for image in result["images"]] == [RED_PNG, BLUE_PNG]  # not dropped
    assert "nsfw" not in result["images"][0].meta
    assert result["images"][1].meta["nsfw"] is True
    assert result["meta"]["nsfw_flags"] == [False, True]
    assert result["meta"]["image_count"] == 2
    assert "missing_images" not in result["meta"]
    assert "flagged the generated images at indexes [1]" in caplog.text
    assert "flux/schnell" in caplog.text


def test_unflagged_fal_answers_keep_their_flags_in_meta_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    api = MockAPI(image_response(fixture_json("images_fal_data_url.json")))
    with caplog.at_level(logging.WARNING):
        result = generator(api, model="flux/schnell").run("x")
    assert result["meta"]["nsfw_flags"] == [False]
    assert "nsfw" not in result["images"][0].meta
    assert caplog.text == ""


def test_a_flagged_entry_without_an_image_says_so_in_missing_images() -> None:
    body = {"images": [{"url": RED_DATA_URL}, {}], "has_nsfw_concepts": [False, True]}
    api = MockAPI(image_response(body))
    result = generator(api, model="flux/schnell").run("x", n=2)
    assert result["meta"]["missing_images"] == [{"index": 1, "reason": "the entry is empty", "nsfw": True}]
    assert result["meta"]["nsfw_flags"] == [False, True]


async def test_run_async_marks_flagged_images(caplog: pytest.LogCaptureFixture) -> None:
    body = {"images": [{"url": RED_DATA_URL}, {"url": BLUE_DATA_URL}], "has_nsfw_concepts": [True, False]}
    api = MockAPI(image_response(body))
    with caplog.at_level(logging.WARNING):
        result = await async_generator(api, model="flux/schnell").run_async("x", n=2)
    assert [image.meta.get("nsfw") for image in result["images"]] == [True, None]
    assert result["meta"]["nsfw_flags"] == [True, False]
    assert "indexes [0]" in caplog.text


# --- answers without an image, and API errors -------------------------------------------------------------------


def test_a_2xx_answer_without_an_image_is_an_error() -> None:
    api = MockAPI(image_response(fixture_json("images_nsfw_empty.json")))
    with pytest.raises(ImageResponseError, match=r"without an image .*'flux/schnell'.*has_nsfw_concepts.*safety"):
        generator(api, model="flux/schnell").run("x")


def test_an_answer_whose_only_image_was_flagged_and_removed_names_the_safety_checker() -> None:
    api = MockAPI(image_response({"images": [{}], "has_nsfw_concepts": [True]}))
    with pytest.raises(ImageResponseError, match="without an image") as raised:
        generator(api, model="flux/schnell").run("x")
    assert "none of its 1 image entries holds one (entry 0: the entry is empty)" in str(raised.value)
    assert "has_nsfw_concepts flags images [0] as refused by the safety checker" in str(raised.value)


def test_a_2xx_answer_with_a_message_and_no_image_quotes_the_message() -> None:
    api = MockAPI(image_response({"data": [], "message": "Prompt rejected by the content policy"}, status=201))
    with pytest.raises(ImageResponseError, match=r"HTTP 201 without an image.*: Prompt rejected by the content policy"):
        generator(api, model="dall-e-3").run("x")


def test_entries_without_bytes_or_address_do_not_count_as_images() -> None:
    api = MockAPI(image_response({"data": [{"revised_prompt": "only this"}, {"url": ""}]}))
    with pytest.raises(ImageResponseError, match="without an image"):
        generator(api, model="dall-e-3").run("x")


def test_a_non_json_2xx_answer_is_an_error() -> None:
    api = MockAPI(
        httpx.Response(200, text="<html><body>Bad gateway page</body></html>", headers={"content-type": "text/html"})
    )
    with pytest.raises(ImageResponseError, match=r"HTTP 200 with text/html rather than JSON.*Bad gateway page"):
        generator(api, model="dall-e-3").run("x")


def test_invalid_base64_is_an_error() -> None:
    api = MockAPI(image_response({"data": [{"b64_json": "!!!not base64!!!"}]}))
    with pytest.raises(ImageResponseError, match="not valid base64"):
        generator(api, model="dall-e-3").run("x")


@pytest.mark.parametrize(
    ("fixture", "status", "error", "message"),
    [
        ("error_401.json", 401, openai.AuthenticationError, "requires a valid API key"),
        ("error_403_credits.json", 403, openai.PermissionDeniedError, "You've run out of credits"),
        ("error_400_validation.json", 400, openai.BadRequestError, "Body validation error"),
    ],
)
def test_api_errors_carry_aimlapi_message(fixture: str, status: int, error: type, message: str) -> None:
    api = MockAPI(image_response(fixture_json(fixture), status=status))
    with pytest.raises(error, match=message) as raised:
        generator(api, model="dall-e-3", max_retries=3).run("x")
    assert len(api.requests) == 1  # 4xx but 429 are not retried
    assert TEST_KEY not in str(raised.value)


def test_server_errors_are_retried() -> None:
    api = MockAPI(
        image_response({"message": "upstream failed", "statusCode": 502}, status=502),
        image_response(fixture_json("images_openai_b64.json")),
    )
    result = generator(api, model="dall-e-3", max_retries=1).run("x")
    assert len(api.requests) == 2
    assert api.body(0) == api.body(1)
    assert len(result["images"]) == 2


# --- async ------------------------------------------------------------------------------------------------------


async def test_run_async_reads_shapes_and_downloads() -> None:
    body = fixture_json("images_output_choices.json")
    url = body["output"]["choices"][1]["url"]
    api = MockAPI(image_response(body), file_response(JPEG_BYTES, "image/jpeg"))
    result = await async_generator(api, model="flux/dev").run_async("x")
    assert [str(request.url) for request in api.requests] == [GENERATIONS_URL, url]
    assert "authorization" not in api.requests[1].headers
    assert [_bytes(image) for image in result["images"]] == [BLUE_PNG, JPEG_BYTES]
    assert [image.mime_type for image in result["images"]] == ["image/png", "image/jpeg"]
    assert result["urls"] == [url]
    assert result["meta"]["cost"]["credits_used"] == 126000


async def test_run_async_downloads_every_url_and_keeps_the_order() -> None:
    urls = [f"https://files.example/{name}.png" for name in ("a", "b", "c")]
    contents = {urls[0]: RED_PNG, urls[1]: JPEG_BYTES, urls[2]: BLUE_PNG}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return image_response({"images": [{"url": url} for url in urls]})
        return file_response(contents[str(request.url)], None)

    api = MockAPI(answer)
    result = await async_generator(api, model="flux/dev").run_async("x", n=3)
    assert sorted(str(request.url) for request in api.requests[1:]) == urls
    assert [_bytes(image) for image in result["images"]] == [RED_PNG, JPEG_BYTES, BLUE_PNG]
    assert [image.meta["url"] for image in result["images"]] == urls


async def test_run_async_download_failure_names_the_url() -> None:
    api = MockAPI(image_response({"images": [{"url": "https://files.example/x.png"}]}), httpx.Response(410))
    with pytest.raises(ImageDownloadError, match=r"https://files\.example/x\.png: the server answered HTTP 410"):
        await async_generator(api, model="flux/dev").run_async("x")


async def test_run_async_with_downloads_off() -> None:
    api = MockAPI(image_response(fixture_json("images_fal_url.json")))
    result = await async_generator(api, model="flux/dev", download_images=False).run_async("x")
    assert len(api.requests) == 1
    assert result["images"] == []
    assert result["urls"] == [fixture_json("images_fal_url.json")["images"][0]["url"]]


async def test_run_async_api_error_carries_aimlapi_message() -> None:
    api = MockAPI(image_response(fixture_json("error_403_credits.json"), status=403))
    with pytest.raises(openai.PermissionDeniedError, match="You've run out of credits"):
        await async_generator(api, model="dall-e-3").run_async("x")


def test_outputs_are_json_friendly_for_pipelines() -> None:
    api = MockAPI(image_response(fixture_json("images_openai_b64.json")))
    result = generator(api, model="openai/gpt-image-1").run("x")
    # meta and urls survive a JSON round trip (tracing and pipeline snapshots serialize them).
    assert json.loads(json.dumps(result["meta"])) == result["meta"]
    assert json.loads(json.dumps([image.to_dict() for image in result["images"]]))[0]["mime_type"] == "image/png"
