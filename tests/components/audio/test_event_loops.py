# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The media components shared by several event loops in several threads, and their logs and ids."""

import asyncio
import json
import logging
import threading
from typing import Any

import httpx
import pytest
from haystack.dataclasses import ByteStream

from haystack_integrations.components.audio.aimlapi import AIMLAPITextToSpeech, AIMLAPITranscriber
from haystack_integrations.components.converters.aimlapi import AIMLAPIOCRDocumentConverter
from tests.conftest import TEST_KEY
from tests.media_server import MP3_BYTES, fixture


def media_api(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/v1/stt/create":
        return httpx.Response(201, json={"generation_id": "team:gen/1"})
    if path.startswith("/v1/stt/"):
        return httpx.Response(200, json=fixture("stt_poll_completed_openai.json"))
    if path == "/v1/ocr":
        return httpx.Response(200, json=fixture("ocr_mistral_image.json"))
    if path == "/v1/tts":
        return httpx.Response(200, content=MP3_BYTES, headers={"content-type": "audio/mpeg"})
    return httpx.Response(404)


def components() -> list[tuple[Any, dict[str, Any], str]]:
    transport = {"transport": httpx.MockTransport(media_api)}
    return [
        (
            AIMLAPITranscriber(poll_interval=0.001, http_client_kwargs=transport),
            {"sources": ["https://a.example/1.mp3"]},
            "documents",
        ),
        (
            AIMLAPIOCRDocumentConverter(http_client_kwargs=transport),
            {"sources": ["https://a.example/1.png"]},
            "documents",
        ),
        (AIMLAPITextToSpeech(http_client_kwargs=transport), {"text": "Hi."}, "audio"),
    ]


@pytest.mark.parametrize("index", range(3), ids=["transcriber", "ocr", "tts"])
def test_run_async_from_two_event_loops_in_two_threads(index: int) -> None:
    component, inputs, output = components()[index]
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        async def many() -> None:
            for _ in range(5):
                results.append(await component.run_async(**inputs))

        try:
            asyncio.run(many())
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == 10 and all(result[output] for result in results)


def test_job_ids_with_colons_and_slashes_are_url_encoded_when_polling() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return media_api(request)

    transcriber = AIMLAPITranscriber(
        poll_interval=0.001, http_client_kwargs={"transport": httpx.MockTransport(handler)}
    )
    document = transcriber.run(["https://a.example/1.mp3"])["documents"][0]
    assert document.meta["generation_id"] == "team:gen/1"
    assert seen[1] == "/v1/stt/team%3Agen%2F1"


def test_failures_are_logged_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": f"Key {TEST_KEY} is invalid", "statusCode": 401})

    transport = {"transport": httpx.MockTransport(handler)}
    with caplog.at_level(logging.DEBUG):
        transcribed = AIMLAPITranscriber(http_client_kwargs=transport).run([ByteStream(b"abc")])
        converted = AIMLAPIOCRDocumentConverter(http_client_kwargs=transport, max_retries=0).run(
            ["https://a.example/x.pdf"]
        )
    reasons = json.dumps([transcribed["meta"], converted["meta"]])
    assert "is invalid" in reasons and TEST_KEY not in reasons
    assert "is invalid" in caplog.text and TEST_KEY not in caplog.text


async def test_raise_on_failure_in_run_async_stops_the_other_sources() -> None:
    cancelled: list[str] = []

    async def slow_then_fail(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        url = body["document"]["document_url"]
        if url.endswith("bad.pdf"):
            return httpx.Response(400, json={"message": "unreadable", "statusCode": 400})
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(url)
            raise
        return httpx.Response(200, json=fixture("ocr_mistral_pdf.json"))

    converter = AIMLAPIOCRDocumentConverter(
        raise_on_failure=True, max_retries=0, http_client_kwargs={"transport": httpx.MockTransport(slow_then_fail)}
    )
    with pytest.raises(Exception, match="unreadable"):
        await converter.run_async(["https://a.example/slow.pdf", "https://a.example/bad.pdf"])
    assert cancelled == ["https://a.example/slow.pdf"]  # cancelled, not left running unobserved
