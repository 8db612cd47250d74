# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPITextToSpeech: `run` and `run_async` make the same result, or raise the same error, of every answer form."""

import asyncio
import base64
from typing import Any

import httpx
import pytest

from haystack_integrations.common.aimlapi.media import AudioDownloadError, MediaResponseError
from haystack_integrations.components.audio.aimlapi import AIMLAPITextToSpeech
from tests.media_server import MP3_BYTES, tiny_wav

WAV = tiny_wav()
FILE_URL = "https://cdn.example.com/a.mp3"


def _answers(name: str) -> tuple[httpx.Response, dict[str, httpx.Response]]:
    """The API's answer and the files it points to, for each form the component reads; built anew for each run."""
    url_answer = httpx.Response(200, json={"audio": {"url": FILE_URL}, "meta": {"usage": {"credits_used": 7}}})
    forms: dict[str, tuple[httpx.Response, dict[str, httpx.Response]]] = {
        "raw audio": (httpx.Response(200, content=MP3_BYTES, headers={"content-type": "audio/mpeg"}), {}),
        "data url": (
            httpx.Response(200, json={"audio": {"url": "data:audio/wav;base64," + base64.b64encode(WAV).decode()}}),
            {},
        ),
        "downloaded url": (url_answer, {FILE_URL: httpx.Response(200, content=WAV, headers={"content-type": "x/y"})}),
        "download not audio": (
            url_answer,
            {FILE_URL: httpx.Response(200, text="<html/>", headers={"content-type": "text/html"})},
        ),
        "download empty": (url_answer, {FILE_URL: httpx.Response(200, content=b"")}),
        "download fails": (url_answer, {FILE_URL: httpx.Response(503)}),
        "no audio": (httpx.Response(200, json={"meta": {"usage": {"credits_used": 5}}}), {}),
    }
    return forms[name]


FORMS = [
    "raw audio",
    "data url",
    "downloaded url",
    "download not audio",
    "download empty",
    "download fails",
    "no audio",
]


def _component(name: str, requests: list[str]) -> AIMLAPITextToSpeech:
    answer, files = _answers(name)

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        if request.url.path == "/v1/tts":
            return answer
        return files.get(str(request.url), httpx.Response(404))

    return AIMLAPITextToSpeech(
        model="openai/tts-1", http_client_kwargs={"transport": httpx.MockTransport(handler)}, max_retries=1
    )


def _outcome(call: Any) -> tuple[Any, ...]:
    try:
        result = call()
    except (AudioDownloadError, MediaResponseError) as error:
        return ("error", type(error).__name__, str(error))
    audio = result["audio"]
    return ("result", audio.data, audio.mime_type, audio.meta, result["meta"])


@pytest.mark.parametrize("form", FORMS)
def test_run_and_run_async_agree(form: str) -> None:
    sync_requests: list[str] = []
    async_requests: list[str] = []
    sync_component = _component(form, sync_requests)
    async_component = _component(form, async_requests)

    sync_outcome = _outcome(lambda: sync_component.run("Hi."))
    async_outcome = _outcome(lambda: asyncio.run(async_component.run_async("Hi.")))

    assert sync_outcome == async_outcome
    assert sync_requests == async_requests
    expected_kind = (
        "error" if form in ("download not audio", "download empty", "download fails", "no audio") else "result"
    )
    assert sync_outcome[0] == expected_kind
    if form == "downloaded url":
        assert sync_outcome[1] == WAV and sync_outcome[2] == "audio/wav"
        assert sync_outcome[4]["audio_url"] == FILE_URL and sync_outcome[3] == {"url": FILE_URL}
    if form == "download not audio":
        assert "text/html" in sync_outcome[2] and FILE_URL in sync_outcome[2]
