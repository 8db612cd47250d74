# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPITranscriber over httpx.MockTransport: what goes on the wire, and every documented result shape."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from haystack.dataclasses import ByteStream
from haystack.utils import Secret

from haystack_integrations.common.aimlapi.jobs import JobFailedError, JobTimeoutError
from haystack_integrations.common.aimlapi.speech_to_text import TranscriptionError
from haystack_integrations.components.audio.aimlapi import AIMLAPITranscriber
from tests.conftest import TEST_KEY
from tests.media_server import fixture, tiny_wav


class SttAPI:
    """Answers submits with a generation id and polls from a script; records every request."""

    def __init__(self, polls: list[Any], submit: Any = None) -> None:
        self.polls = list(polls)
        self.submit = submit or fixture("stt_create.json")
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            if isinstance(self.submit, Callable):  # type: ignore[arg-type]
                return self.submit(request)
            return httpx.Response(201, json=self.submit)
        answer = self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    @property
    def submits(self) -> list[httpx.Request]:
        return [request for request in self.requests if request.method == "POST"]

    @property
    def polled(self) -> list[httpx.Request]:
        return [request for request in self.requests if request.method == "GET"]


def transcriber(api: SttAPI, **kwargs: Any) -> AIMLAPITranscriber:
    options: dict[str, Any] = {"poll_interval": 0.001, "job_timeout": 5, "max_retries": 2}
    options.update(kwargs)
    return AIMLAPITranscriber(http_client_kwargs={"transport": httpx.MockTransport(api)}, **options)


def test_a_url_is_submitted_as_json_then_polled_until_completed() -> None:
    api = SttAPI([fixture("stt_poll_queued.json"), fixture("stt_poll_completed_deepgram.json")])
    result = transcriber(api, language="en", generation_kwargs={"smart_format": True}).run(
        ["https://example.com/talk.mp3"], meta={"topic": "talk"}
    )
    submit = api.submits[0]
    assert str(submit.url) == "https://api.aimlapi.com/v1/stt/create"
    assert submit.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert json.loads(submit.content) == {
        "model": "#g1_nova-2-general",
        "language": "en",
        "smart_format": True,
        "url": "https://example.com/talk.mp3",
    }
    generation_id = fixture("stt_create.json")["generation_id"]
    assert [str(request.url) for request in api.polled] == [f"https://api.aimlapi.com/v1/stt/{generation_id}"] * 2
    (document,) = result["documents"]
    assert document.content.startswith("He doesn't belong to you")
    assert document.meta["generation_id"] == generation_id
    assert document.meta["duration"] == 11.4
    assert document.meta["words"] == [{"word": "He", "start": 0.32, "end": 0.4, "confidence": 0.9941406, "speaker": 0}]
    assert document.meta["speakers"] == [0]
    assert document.meta["topic"] == "talk" and document.meta["source"] == "https://example.com/talk.mp3"
    assert result["meta"] == {"failed_sources": []}


def test_a_file_is_uploaded_as_multipart_with_an_audio_part(tmp_path: Path) -> None:
    path = tmp_path / "memo.wav"
    path.write_bytes(tiny_wav())
    api = SttAPI([fixture("stt_poll_completed_openai.json")])
    result = transcriber(api, model="openai/gpt-4o-transcribe", generation_kwargs={"temperature": 0}).run([path])
    submit = api.submits[0]
    assert submit.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = submit.content
    assert b'name="audio"; filename="memo.wav"' in body and tiny_wav() in body
    assert b'name="model"\r\n\r\nopenai/gpt-4o-transcribe' in body
    assert b'name="temperature"\r\n\r\n0' in body
    (document,) = result["documents"]
    assert document.meta["usage"]["total_tokens"] == 135
    assert document.meta["source"] == str(path)


def test_a_refused_audio_part_is_sent_once_more_as_file() -> None:
    def submit(request: httpx.Request) -> httpx.Response:
        if b'name="audio"' in request.content:
            return httpx.Response(400, json={"message": "Body validation error! file is required", "statusCode": 400})
        return httpx.Response(200, json=fixture("stt_create_queued.json"))

    api = SttAPI([fixture("stt_poll_completed_openai.json")], submit=submit)
    result = transcriber(api, model="openai/gpt-4o-mini-transcribe").run([ByteStream(b"abc", mime_type="audio/mpeg")])
    assert [b'name="file"' in request.content for request in api.submits] == [False, True]
    assert result["documents"][0].meta["generation_id"] == "RlLz0hRdAs9voL5Qi1Pzr"


def test_assemblyai_words_in_milliseconds_become_seconds_and_language_code_is_used() -> None:
    api = SttAPI([fixture("stt_poll_completed_assemblyai.json")])
    result = transcriber(api, model="aai/universal", language="en").run(["https://example.com/a.mp3"])
    assert json.loads(api.submits[0].content)["language_code"] == "en"
    document = result["documents"][0]
    assert document.meta["words"][0] == {"word": "He", "start": 0.4, "end": 0.52, "confidence": 0.98876953}
    assert document.meta["duration"] == 11
    assert "speakers" not in document.meta  # AssemblyAI sent speaker: null


def test_mai_reports_its_cost_inside_the_result() -> None:
    api = SttAPI([fixture("stt_poll_completed_mai.json")])
    document = transcriber(api, model="microsoft/mai-transcribe-1.5").run(["https://example.com/a.mp3"])["documents"][0]
    assert document.meta["cost"]["usd_spent"] == 0.0011
    assert document.meta["usage"]["cost"] == 0.0011 and document.meta["duration"] == 11


def test_the_payload_under_output_and_channels_as_an_object_are_read() -> None:
    deepgram = fixture("stt_poll_completed_deepgram.json")["result"]
    deepgram["results"]["channels"] = deepgram["results"]["channels"][0]  # the schema's reading: one object
    api = SttAPI([{"id": "x", "status": "completed", "output": deepgram}])
    document = transcriber(api).run(["https://example.com/a.mp3"])["documents"][0]
    assert document.content.startswith("He doesn't belong")


def test_a_job_that_ends_in_error_is_listed_with_its_generation_id() -> None:
    api = SttAPI([{"id": "g", "status": "error", "error": {"name": "InvalidAudio", "message": "not audio"}}])
    result = transcriber(api).run(["https://example.com/a.mp3", "https://example.com/b.mp3"])
    assert result["documents"] == []
    failures = result["meta"]["failed_sources"]
    generation_id = fixture("stt_create.json")["generation_id"]
    assert [failure["generation_id"] for failure in failures] == [generation_id] * 2
    assert failures[0]["error"] == "JobFailedError" and "InvalidAudio: not audio" in failures[0]["reason"]
    assert generation_id in failures[0]["reason"]


def test_raise_on_failure_raises_the_job_error() -> None:
    api = SttAPI([{"status": "error"}])
    with pytest.raises(JobFailedError) as raised:
        transcriber(api, raise_on_failure=True).run(["https://example.com/a.mp3"])
    assert raised.value.job_id == fixture("stt_create.json")["generation_id"]


def test_a_job_that_outlasts_job_timeout_names_its_generation_id() -> None:
    api = SttAPI([{"status": "generating"}])
    with pytest.raises(JobTimeoutError, match=fixture("stt_create.json")["generation_id"]):
        transcriber(api, job_timeout=0.05, raise_on_failure=True).run(["https://example.com/a.mp3"])
    assert len(api.submits) == 1


def test_a_completed_job_without_a_transcript_is_an_error_naming_the_id() -> None:
    api = SttAPI([{"status": "completed", "result": {"metadata": {}}}])
    with pytest.raises(TranscriptionError, match="holds no transcript"):
        transcriber(api, raise_on_failure=True).run(["https://example.com/a.mp3"])


def test_a_429_on_submit_is_resent_but_a_dropped_connection_is_not() -> None:
    answers = [httpx.Response(429, json={"message": "Too many requests", "statusCode": 429})]

    def submit(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else httpx.Response(201, json={"generation_id": "g-2"})

    api = SttAPI([fixture("stt_poll_completed_openai.json")], submit=submit)
    assert transcriber(api).run(["https://example.com/a.mp3"])["documents"][0].meta["generation_id"] == "g-2"
    assert len(api.submits) == 2

    def dropped(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset after the request was sent", request=request)

    api = SttAPI([fixture("stt_poll_completed_openai.json")], submit=dropped)
    result = transcriber(api).run(["https://example.com/a.mp3"])
    assert len(api.submits) == 1  # the server may have started the job: never sent twice
    assert result["meta"]["failed_sources"][0]["error"] == "APIConnectionError"


def test_polls_survive_transient_failures() -> None:
    api = SttAPI(
        [
            httpx.Response(503, json={"message": "busy"}),
            httpx.Response(200, text="<html>gateway</html>", headers={"content-type": "text/html"}),
            fixture("stt_poll_completed_openai.json"),
        ]
    )
    result = transcriber(api).run(["https://example.com/a.mp3"])
    assert result["documents"][0].content.startswith("He doesn't")
    assert len(api.polled) == 3 and len(api.submits) == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"poll_interval": 0}, ValueError, "poll_interval"),
        ({"job_timeout": -1}, ValueError, "job_timeout"),
        ({"max_concurrency": 0}, ValueError, "max_concurrency"),
        ({"model": ""}, ValueError, "model"),
        ({"language": ""}, ValueError, "language"),
        ({"generation_kwargs": ["diarize"]}, TypeError, "generation_kwargs"),
        ({"generation_kwargs": {"url": "x"}}, ValueError, "sources"),
        ({"api_key": TEST_KEY}, TypeError, "Secret"),
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        AIMLAPITranscriber(**kwargs)


@pytest.mark.parametrize(
    ("sources", "error", "message"),
    [
        ("https://example.com/a.mp3", TypeError, "Wrap a single source"),
        ([b"raw bytes"], TypeError, r"sources\[0\]"),
        ([" "], ValueError, "empty string"),
    ],
)
def test_bad_sources_fail_before_any_request(sources: Any, error: type[Exception], message: str) -> None:
    api = SttAPI([{"status": "completed"}])
    with pytest.raises(error, match=message):
        transcriber(api).run(sources)
    assert api.requests == []


def test_meta_of_the_wrong_length_fails_before_any_request() -> None:
    api = SttAPI([{"status": "completed"}])
    with pytest.raises(ValueError, match="one dict per source"):
        transcriber(api).run(["https://a.example/1.mp3", "https://a.example/2.mp3"], meta=[{}])
    assert api.requests == []


def test_serialization_round_trip_keeps_no_secret() -> None:
    component = AIMLAPITranscriber(
        api_key=Secret.from_env_var("AIMLAPI_API_KEY"), model="#g1_whisper-large", language="de", job_timeout=90
    )
    data = component.to_dict()
    assert TEST_KEY not in json.dumps(data) and TEST_KEY not in repr(component)
    restored = AIMLAPITranscriber.from_dict(data)
    assert (restored.model, restored.language, restored.job_timeout) == ("#g1_whisper-large", "de", 90)
    with pytest.raises(ValueError, match=r"(?i)cannot (be )?serializ"):
        AIMLAPITranscriber(api_key=Secret.from_token(TEST_KEY)).to_dict()


def test_an_api_error_quotes_the_message_without_the_key() -> None:
    def submit(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": f"Invalid key {TEST_KEY}", "statusCode": 401})

    api = SttAPI([{}], submit=submit)
    failure = transcriber(api).run(["https://example.com/a.mp3"])["meta"]["failed_sources"][0]
    assert "Invalid key" in failure["reason"] and TEST_KEY not in failure["reason"]


async def test_run_async_keeps_the_order_of_sources() -> None:
    api = SttAPI([fixture("stt_poll_queued.json"), fixture("stt_poll_completed_deepgram.json")])
    sources = [f"https://example.com/{index}.mp3" for index in range(5)]
    result = await transcriber(api, max_concurrency=3).run_async(sources)
    assert [document.meta["source"] for document in result["documents"]] == sources
    assert len(api.submits) == 5
