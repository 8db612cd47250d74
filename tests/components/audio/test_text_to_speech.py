# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPITextToSpeech: both answer forms, the family table, safe downloads, and bad input."""

import base64
import copy
import json
import pickle
from typing import Any

import httpx
import openai
import pytest
from haystack.utils import Secret

from haystack_integrations.common.aimlapi.media import AudioDownloadError, MediaResponseError
from haystack_integrations.components.audio.aimlapi import AIMLAPITextToSpeech
from tests.conftest import TEST_KEY
from tests.media_server import MP3_BYTES, MediaServer, fixture, tiny_wav

WAV = tiny_wav()


class TtsAPI:
    """Answers `POST /v1/tts` with `answer`; serves every other URL from `files`."""

    def __init__(self, answer: httpx.Response, files: dict[str, httpx.Response] | None = None) -> None:
        self.answer = answer
        self.files = files or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/v1/tts":
            return self.answer
        return self.files.get(str(request.url.copy_with(query=None)), httpx.Response(404))

    def sent(self) -> dict[str, Any]:
        return json.loads(self.requests[0].content)


def tts(api: TtsAPI, **kwargs: Any) -> AIMLAPITextToSpeech:
    return AIMLAPITextToSpeech(http_client_kwargs={"transport": httpx.MockTransport(api)}, max_retries=1, **kwargs)


def url_answer(name: str) -> tuple[httpx.Response, str]:
    body = fixture(name)
    url = body["audio"]["url"]
    return httpx.Response(200, json=body), url.split("?", 1)[0]


def test_a_json_answer_is_downloaded_without_the_key() -> None:
    answer, file_url = url_answer("tts_minimax_url.json")
    api = TtsAPI(answer, {file_url: httpx.Response(200, content=MP3_BYTES, headers={"content-type": "binary/x"})})
    result = tts(api, model="minimax/speech-2.8-hd", voice="Wise_Woman").run(
        "Hello there.", generation_kwargs={"audio_setting": {"format": "mp3"}}
    )
    assert api.sent() == {
        "model": "minimax/speech-2.8-hd",
        "text": "Hello there.",
        "audio_setting": {"format": "mp3"},
        "voice_setting": {"voice_id": "Wise_Woman"},
    }
    assert api.requests[0].headers["authorization"] == f"Bearer {TEST_KEY}"
    download = api.requests[1]
    assert "authorization" not in download.headers
    assert result["audio"].data == MP3_BYTES and result["audio"].mime_type == "audio/mpeg"
    meta = result["meta"]
    assert meta["audio_url"] == fixture("tts_minimax_url.json")["audio"]["url"]
    assert meta["cost"] == {"credits_used": 7541, "usd_spent": 0.0037705}
    assert meta["usage"] == {"cost": 0.0037705, "credits_used": 7541}


def test_raw_audio_bytes_are_returned_with_their_mime_type() -> None:
    api = TtsAPI(httpx.Response(200, content=WAV, headers={"content-type": "audio/wav"}))
    result = tts(api, model="#g1_aura-2-thalia-en").run("Hi.", generation_kwargs={"encoding": "linear16"})
    assert result["audio"].data == WAV and result["audio"].mime_type == "audio/wav"
    assert result["meta"]["cost"] is None and "audio_url" not in result["meta"]
    assert api.sent()["encoding"] == "linear16"


def test_headerless_pcm_takes_the_mime_type_of_the_format_asked_for() -> None:
    api = TtsAPI(httpx.Response(200, content=b"\x01\x02" * 50, headers={"content-type": "application/octet-stream"}))
    result = tts(api, model="openai/tts-1").run("Hi.", generation_kwargs={"response_format": "pcm"})
    assert result["audio"].mime_type == "audio/pcm"


@pytest.mark.parametrize(
    "body",
    [
        {"audio": "https://cdn.example.com/a.mp3"},  # the specs' reading: a URI string
        {"audio_url": "https://cdn.example.com/a.mp3"},  # the SDK's
        {"audio": {"url": "https://cdn.example.com/a.mp3"}},  # the examples'
    ],
)
def test_every_documented_form_of_the_audio_url(body: dict[str, Any]) -> None:
    api = TtsAPI(
        httpx.Response(200, json=body), {"https://cdn.example.com/a.mp3": httpx.Response(200, content=MP3_BYTES)}
    )
    assert tts(api).run("Hi.")["audio"].data == MP3_BYTES


def test_qwen_usage_and_vibevoice_extras_are_kept() -> None:
    answer, file_url = url_answer("tts_qwen_url.json")
    api = TtsAPI(answer, {file_url: httpx.Response(200, content=WAV)})
    meta = tts(api, model="alibaba/qwen3-tts-flash").run("Hi.")["meta"]
    assert meta["usage"] == {"characters": 267} and meta["mime_type"] == "audio/wav"

    answer, file_url = url_answer("tts_vibevoice_url.json")
    api = TtsAPI(answer, {file_url: httpx.Response(200, content=WAV)})
    meta = tts(api, model="microsoft/vibevoice-7b").run("Speaker 1: Hi.")["meta"]
    assert api.sent()["script"] == "Speaker 1: Hi." and "text" not in api.sent()
    assert (meta["file_name"], meta["sample_rate"]) == ("audio.wav", 24000)


def test_a_data_url_answer_is_decoded_without_a_download() -> None:
    encoded = base64.b64encode(WAV).decode()
    api = TtsAPI(httpx.Response(200, json={"audio": {"url": f"data:audio/wav;base64,{encoded}"}}))
    result = tts(api).run("Hi.")
    assert result["audio"].data == WAV and len(api.requests) == 1 and result["meta"]["audio_url"] is None


def test_a_download_that_is_not_audio_is_an_audio_download_error() -> None:
    api = TtsAPI(
        httpx.Response(200, json={"audio": {"url": "https://cdn.example.com/a.mp3"}}),
        {"https://cdn.example.com/a.mp3": httpx.Response(200, text="<html/>", headers={"content-type": "text/html"})},
    )
    with pytest.raises(AudioDownloadError, match=r"cdn\.example\.com/a\.mp3.*text/html"):
        tts(api).run("Hi.")


def test_a_failing_download_is_retried_then_reported() -> None:
    api = TtsAPI(
        httpx.Response(200, json={"audio": {"url": "https://cdn.example.com/a.mp3"}}),
        {"https://cdn.example.com/a.mp3": httpx.Response(503)},
    )
    with pytest.raises(AudioDownloadError, match="503"):
        tts(api).run("Hi.")
    assert len(api.requests) == 3  # the request, then the download and its one retry


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b"", headers={"content-type": "audio/wav"}),
        httpx.Response(200, json={"meta": {"usage": {"credits_used": 5}}}),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, content=b"{broken", headers={"content-type": "application/json"}),
    ],
)
def test_answers_without_audio_are_typed_errors(answer: httpx.Response) -> None:
    with pytest.raises(MediaResponseError):
        tts(TtsAPI(answer)).run("Hi.")


def test_an_api_error_carries_the_servers_message() -> None:
    answer = httpx.Response(403, json={"message": "You've run out of credits", "statusCode": 403})
    with pytest.raises(Exception, match="run out of credits") as raised:
        tts(TtsAPI(answer)).run("Hi.")
    assert TEST_KEY not in str(raised.value)


@pytest.mark.parametrize(
    ("init", "call", "error", "message"),
    [
        ({}, {"text": "x" * 4097}, ValueError, "4097 characters, over the 4096"),
        ({"model": "minimax/speech-2.8-hd"}, {"text": "x" * 5001}, ValueError, "5000"),
        ({"model": "alibaba/qwen3-tts-flash"}, {"text": "x" * 601}, ValueError, "600"),
        ({}, {"text": "   "}, ValueError, "text is empty"),
        ({}, {"text": 42}, TypeError, "text must be a str"),
        ({}, {"text": "hi", "voice": "bob"}, ValueError, "not one of the openai voices"),
        ({}, {"text": "hi", "generation_kwargs": {"response_format": "ogg"}}, ValueError, "response_format"),
        ({}, {"text": "hi", "generation_kwargs": {"text": "other"}}, ValueError, "generation_kwargs"),
        ({}, {"text": "hi", "generation_kwargs": "wav"}, TypeError, "generation_kwargs"),
        (
            {"model": "minimax/speech-2.8-hd"},
            {"text": "hi", "generation_kwargs": {"audio_setting": {"format": "ogg"}}},
            ValueError,
            "audio_setting.format",
        ),
    ],
)
def test_bad_input_fails_before_any_request(
    init: dict[str, Any], call: dict[str, Any], error: type[Exception], message: str
) -> None:
    api = TtsAPI(httpx.Response(200, content=WAV))
    with pytest.raises(error, match=message):
        tts(api, **init).run(**call)
    assert api.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"voice": "nobody"}, "voice"),
        ({"voice": ""}, "voice"),
        ({"download_timeout": 0}, "download_timeout"),
        ({"max_download_bytes": -5}, "max_download_bytes"),
        ({"model": " "}, "model"),
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AIMLAPITextToSpeech(**kwargs)


def test_serialization_round_trip_keeps_no_secret() -> None:
    component = AIMLAPITextToSpeech(
        api_key=Secret.from_env_var("AIMLAPI_API_KEY"), model="openai/gpt-4o-mini-tts", voice="coral"
    )
    data = component.to_dict()
    assert TEST_KEY not in json.dumps(data) and TEST_KEY not in repr(component)
    restored = AIMLAPITextToSpeech.from_dict(data)
    assert (restored.model, restored.voice) == ("openai/gpt-4o-mini-tts", "coral")


async def test_run_async_reads_both_answer_forms() -> None:
    answer, file_url = url_answer("tts_hume_url.json")
    api = TtsAPI(answer, {file_url: httpx.Response(200, content=WAV, headers={"content-type": "audio/wav"})})
    result = await tts(api, model="hume/octave-2").run_async("Hi.", generation_kwargs={"format": "wav"})
    assert result["audio"].mime_type == "audio/wav" and result["meta"]["cost"]["credits_used"] == 12222
    api = TtsAPI(httpx.Response(200, content=MP3_BYTES, headers={"content-type": "audio/mpeg"}))
    result = await tts(api, model="elevenlabs/eleven_multilingual_v2").run_async("Hi.", voice="Rachel")
    assert result["audio"].mime_type == "audio/mpeg" and api.sent()["voice"] == "Rachel"


@pytest.mark.loopback
def test_loopback_json_answer_and_download(media_server: MediaServer) -> None:
    component = AIMLAPITextToSpeech(api_base_url=media_server.url, model="openai/tts-1", voice="nova")
    result = component.run("Your order has shipped.")
    assert result["audio"].data == MP3_BYTES and result["audio"].mime_type == "audio/mpeg"
    (download,) = media_server.requests("/files/")
    assert "authorization" not in download.headers
    assert media_server.requests("/v1/tts")[0].json()["voice"] == "nova"


@pytest.mark.loopback
async def test_loopback_raw_audio(media_server: MediaServer) -> None:
    component = AIMLAPITextToSpeech(api_base_url=media_server.url, model="#g1_aura-2-thalia-en")
    result = await component.run_async("Hello.")
    assert result["audio"].data[:4] == b"RIFF" and result["audio"].mime_type == "audio/wav"


@pytest.mark.loopback
def test_loopback_truncated_audio_is_never_returned(media_server: MediaServer) -> None:
    media_server.state.tts_mode = "truncated"
    component = AIMLAPITextToSpeech(api_base_url=media_server.url, model="#g1_aura-2-thalia-en", max_retries=1)
    with pytest.raises(openai.APIConnectionError):
        component.run("Hello.")
    assert len(media_server.requests("/v1/tts")) == 2  # the request and its one retry, both cut short


def test_a_copy_builds_its_own_clients_and_still_downloads() -> None:
    api = TtsAPI(
        httpx.Response(200, json={"audio": {"url": "https://cdn.example.com/a.mp3"}}),
        {"https://cdn.example.com/a.mp3": httpx.Response(200, content=MP3_BYTES)},
    )
    original = tts(api)
    original.run("Hi.")
    clone = copy.deepcopy(original)
    assert clone.client is None
    assert clone.run("Hi.")["audio"].data == MP3_BYTES
    restored = pickle.loads(pickle.dumps(AIMLAPITextToSpeech(model="openai/tts-1", voice="echo")))
    assert restored.voice == "echo" and restored.client is None


def test_an_openai_answer_without_cost_gives_cost_none() -> None:
    answer, file_url = url_answer("tts_openai_url.json")
    api = TtsAPI(answer, {file_url: httpx.Response(200, content=MP3_BYTES, headers={"content-type": "audio/mpeg"})})
    meta = tts(api, model="openai/tts-1-hd", voice="alloy").run("Hi.")["meta"]
    assert meta["cost"] is None and "usage" not in meta
    assert meta["audio_url"] == file_url and meta["mime_type"] == "audio/mpeg"
