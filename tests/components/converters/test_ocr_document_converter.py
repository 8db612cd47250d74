# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPIOCRDocumentConverter: requests per family, documents and meta, limits, failures, order."""

import base64
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from haystack.dataclasses import ByteStream
from haystack.utils import Secret

from haystack_integrations.common.aimlapi.media import MediaResponseError
from haystack_integrations.components.converters.aimlapi import AIMLAPIOCRDocumentConverter
from tests.conftest import TEST_KEY
from tests.media_server import MediaServer, fixture, tiny_pdf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class OcrAPI:
    def __init__(self, answer: Any = None, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.answer = answer if answer is not None else fixture("ocr_mistral_pdf.json")
        self.status = status
        self.headers = headers or {}
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        answer = self.answer(request) if callable(self.answer) else self.answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(self.status, json=answer, headers=self.headers)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]


def converter(api: OcrAPI, **kwargs: Any) -> AIMLAPIOCRDocumentConverter:
    return AIMLAPIOCRDocumentConverter(http_client_kwargs={"transport": httpx.MockTransport(api)}, **kwargs)


def test_a_pdf_url_becomes_one_markdown_document_with_pages_joined_by_form_feeds() -> None:
    api = OcrAPI(headers={"x-aimlapi-credits-used": "4000"})
    result = converter(api, pages=[0, 1]).run(["https://example.com/paper.pdf"], meta={"collection": "papers"})
    (request,) = api.requests
    assert str(request.url) == "https://api.aimlapi.com/v1/ocr"
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert api.bodies() == [
        {
            "model": "mistral/mistral-ocr-4-0",
            "document": {"type": "document_url", "document_url": "https://example.com/paper.pdf"},
            "pages": [0, 1],
        }
    ]
    (document,) = result["documents"]
    pages = fixture("ocr_mistral_pdf.json")["pages"]
    assert document.content == pages[0]["markdown"] + "\f" + pages[1]["markdown"]
    assert document.meta["page_numbers"] == [1, 2]
    assert document.meta["source"] == "https://example.com/paper.pdf" and document.meta["collection"] == "papers"
    assert document.meta["upstream_model"] == "mistral-ocr-2503-completion"
    assert document.meta["cost"] == {"credits_used": 4000, "usd_spent": 0.002}
    assert document.meta["usage"] == {
        "pages_processed": 2,
        "doc_size_bytes": 145349,
        "cost": 0.002,
        "credits_used": 4000,
    }
    assert document.meta["images"][0]["id"] == "img-0.jpeg" and document.meta["images"][0]["page_number"] == 1
    assert result["meta"] == {"failed_sources": []}


def test_split_pages_gives_one_document_per_page() -> None:
    result = converter(OcrAPI(), split_pages=True).run(["https://example.com/paper.pdf"])
    assert [document.meta["page_number"] for document in result["documents"]] == [1, 2]
    assert result["documents"][1].content.startswith("|  | Rapidly adapting")


def test_a_local_pdf_travels_as_a_data_url(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(tiny_pdf(2))
    api = OcrAPI()
    converter(api, include_image_base64=True).run([path])
    document = api.bodies()[0]["document"]
    assert document["type"] == "document_url"
    prefix = "data:application/pdf;base64,"
    assert document["document_url"].startswith(prefix)
    assert base64.b64decode(document["document_url"][len(prefix) :]) == tiny_pdf(2)
    assert api.bodies()[0]["include_image_base64"] is True


def test_an_image_bytestream_goes_as_image_url_and_its_images_are_kept() -> None:
    api = OcrAPI(fixture("ocr_mistral_include_images.json"))
    result = converter(api, include_image_base64=True).run([ByteStream(PNG, meta={"file_path": "cells.png"})])
    assert api.bodies()[0]["document"]["type"] == "image_url"
    assert api.bodies()[0]["document"]["image_url"].startswith("data:image/png;base64,")
    (document,) = result["documents"]
    assert document.meta["source"] == "cells.png" and document.meta["file_path"] == "cells.png"
    assert document.meta["images"][0]["image_base64"].startswith("data:image/jpeg;base64,")


def test_glm_answers_with_credits_only() -> None:
    api = OcrAPI(fixture("ocr_glm.json"), status=201)
    document = converter(api, model="zhipu/glm-ocr").run(["https://example.com/note.png"])["documents"][0]
    assert document.meta["cost"] == {"credits_used": 26000, "usd_spent": 0.013}
    assert document.meta["usage"]["doc_size_bytes"] is None


def test_mistral_annotations_are_parsed_from_their_json_string() -> None:
    answer = fixture("ocr_mistral4_schema.json")
    answer["document_annotation"] = json.dumps({"title": "Invoice 7"})
    document = converter(OcrAPI(answer)).run(["https://example.com/a.pdf"])["documents"][0]
    assert document.meta["document_annotation"] == {"title": "Invoice 7"}
    assert document.meta["cost"] == {"credits_used": 120000, "usd_spent": 0.06}


def test_google_document_ai_gets_its_own_request_shape() -> None:
    api = OcrAPI()
    converter(api, model="google/gc-document-ai", pages="0-2").run(
        [ByteStream(tiny_pdf(), mime_type="application/pdf")]
    )
    body = api.bodies()[0]
    assert body["document"].startswith("data:application/pdf;base64,")
    assert body["mimeType"] == "application/pdf"
    assert body["pages"] == {"type": "range", "start": 1, "end": 3}
    api = OcrAPI()
    converter(api, model="google/gc-document-ai", pages=[0, 4]).run(["https://example.com/a.pdf"])
    assert api.bodies()[0]["pages"] == {"type": "indices", "indices": [1, 5]}


def test_a_google_answer_in_document_ai_shape_is_read() -> None:
    api = OcrAPI({"document": {"text": "Plain text of the scan."}})
    document = converter(api, model="google/gc-document-ai").run(["https://example.com/a.pdf"])["documents"][0]
    assert document.content == "Plain text of the scan."


def test_failed_sources_are_listed_and_the_others_convert(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> Any:
        if b"broken" in request.content:
            return httpx.Response(400, json={"message": "Could not read the document", "statusCode": 400})
        return fixture("ocr_mistral_image.json")

    too_many_pages = tmp_path / "huge.pdf"
    too_many_pages.write_bytes(tiny_pdf(101))
    api = OcrAPI(answer)
    sources = ["https://example.com/ok.png", "https://example.com/broken.pdf", tmp_path / "missing.pdf", too_many_pages]
    result = converter(api, model="zhipu/glm-ocr").run(sources)
    assert [document.meta["source"] for document in result["documents"]] == ["https://example.com/ok.png"]
    failures = {failure["source"]: failure for failure in result["meta"]["failed_sources"]}
    assert "Could not read the document" in failures["https://example.com/broken.pdf"]["reason"]
    assert failures[str(tmp_path / "missing.pdf")]["error"] == "FileNotFoundError"
    assert "101 pages, over the 100" in failures[str(too_many_pages)]["reason"]
    assert len(api.requests) == 2  # nothing was sent for the files that failed their checks


def test_raise_on_failure_raises_a_limit_error_before_any_request(tmp_path: Path) -> None:
    big = ByteStream(b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024 + 1))
    api = OcrAPI()
    with pytest.raises(ValueError, match="over the 10 MB"):
        converter(api, model="zhipu/glm-ocr", raise_on_failure=True).run(["https://example.com/a.pdf", big])
    assert api.requests == []


def test_a_file_type_the_family_does_not_take_is_refused() -> None:
    result = converter(OcrAPI(), model="zhipu/glm-ocr").run([ByteStream(b"GIF89a" + b"\x00" * 10)])
    assert "image/jpeg, image/png" in result["meta"]["failed_sources"][0]["reason"]
    result = converter(OcrAPI()).run([ByteStream(b"plain text", mime_type="text/plain")])
    assert "not a PDF or an image" in result["meta"]["failed_sources"][0]["reason"]


@pytest.mark.parametrize(
    "answer",
    [
        {"pages": [{"index": 0}]},
        {"pages": "none"},
        {"model": "x"},
        ["not", "an", "object"],
        httpx.Response(200, text="<html>proxy</html>", headers={"content-type": "text/html"}),
    ],
)
def test_unreadable_answers_are_typed_errors(answer: Any) -> None:
    with pytest.raises(MediaResponseError):
        converter(OcrAPI(answer), raise_on_failure=True).run(["https://example.com/a.pdf"])


def test_sources_convert_concurrently_and_keep_their_order() -> None:
    active = {"now": 0, "most": 0}
    lock = threading.Lock()

    def answer(request: httpx.Request) -> Any:
        with lock:
            active["now"] += 1
            active["most"] = max(active["most"], active["now"])
        time.sleep(0.05)
        with lock:
            active["now"] -= 1
        body = fixture("ocr_mistral_image.json")
        body["pages"][0]["markdown"] = json.loads(request.content)["document"]["image_url"]
        return body

    sources = [f"https://example.com/{index}.png" for index in range(6)]
    result = converter(OcrAPI(answer), max_concurrency=3).run(sources)
    assert [document.content for document in result["documents"]] == sources
    assert 1 < active["most"] <= 3


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"pages": "2-1"}, ValueError, "runs backwards"),
        ({"pages": "first"}, ValueError, "pages"),
        ({"pages": [-1]}, ValueError, "pages"),
        ({"pages": True}, TypeError, "pages"),
        ({"model": "zhipu/glm-ocr", "generation_kwargs": {"document_annotation_format": {}}}, ValueError, "glm"),
        ({"model": "google/gc-document-ai", "generation_kwargs": {"image_limit": 3}}, ValueError, "google"),
        ({"generation_kwargs": {"document": "x"}}, ValueError, "document"),
        ({"max_concurrency": 0}, ValueError, "max_concurrency"),
        ({"api_key": "sk-plain"}, TypeError, "Secret"),
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        AIMLAPIOCRDocumentConverter(**kwargs)


def test_too_many_google_indices_fail_at_construction() -> None:
    with pytest.raises(ValueError, match="at most 15"):
        AIMLAPIOCRDocumentConverter(model="google/gc-document-ai", pages=list(range(16)))


def test_serialization_round_trip_keeps_no_secret() -> None:
    component = AIMLAPIOCRDocumentConverter(
        api_key=Secret.from_env_var("AIMLAPI_API_KEY"), pages="0-3", split_pages=True
    )
    data = component.to_dict()
    assert TEST_KEY not in json.dumps(data) and TEST_KEY not in repr(component)
    restored = AIMLAPIOCRDocumentConverter.from_dict(data)
    assert (restored.pages, restored.split_pages) == ("0-3", True)


async def test_run_async_lists_failures_and_keeps_order() -> None:
    def answer(request: httpx.Request) -> Any:
        if b"bad" in request.content:
            return httpx.Response(500, json={"message": "upstream failed"})
        return fixture("ocr_mistral_image.json")

    sources = ["https://example.com/1.png", "https://example.com/bad.png", "https://example.com/3.png"]
    result = await converter(OcrAPI(answer), max_retries=0).run_async(sources)
    assert [document.meta["source"] for document in result["documents"]] == [sources[0], sources[2]]
    assert result["meta"]["failed_sources"][0]["source"] == sources[1]


@pytest.mark.loopback
def test_loopback_converts_a_pdf_and_an_image(media_server: MediaServer) -> None:
    component = AIMLAPIOCRDocumentConverter(api_base_url=media_server.url)
    result = component.run([ByteStream(tiny_pdf(), meta={"file_path": "scan.pdf"}), "https://example.com/note.png"])
    assert [document.meta["page_numbers"] for document in result["documents"]] == [[1, 2], [1]]
    assert result["documents"][0].meta["cost"] == {"credits_used": 2000, "usd_spent": 0.001}
    bodies = [request.json() for request in media_server.requests("/v1/ocr")]
    assert {body["document"]["type"] for body in bodies} == {"document_url", "image_url"}


@pytest.mark.loopback
async def test_loopback_failure_is_listed(media_server: MediaServer) -> None:
    media_server.state.ocr_fail_marker = "broken"
    component = AIMLAPIOCRDocumentConverter(api_base_url=media_server.url, max_retries=0)
    result = await component.run_async(["https://example.com/broken.pdf", "https://example.com/fine.pdf"])
    assert [document.meta["source"] for document in result["documents"]] == ["https://example.com/fine.pdf"]
    assert "Could not read the document" in result["meta"]["failed_sources"][0]["reason"]


@pytest.mark.loopback
def test_loopback_dropped_connections_are_retried_or_reported(media_server: MediaServer) -> None:
    media_server.state.drop_ocr = 1
    component = AIMLAPIOCRDocumentConverter(api_base_url=media_server.url, max_retries=2)
    result = component.run(["https://example.com/a.pdf"])
    assert len(result["documents"]) == 1 and len(media_server.requests("/v1/ocr")) == 2

    media_server.state.drop_ocr = 10
    result = AIMLAPIOCRDocumentConverter(api_base_url=media_server.url, max_retries=1).run(
        ["https://example.com/a.pdf"]
    )
    assert result["documents"] == []
    assert result["meta"]["failed_sources"][0]["error"] == "APIConnectionError"
