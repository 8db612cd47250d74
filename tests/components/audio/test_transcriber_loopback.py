# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPITranscriber against the AI/ML API-shaped media server on 127.0.0.1: real sockets, real job sequences."""

import asyncio
from typing import Any

import pytest
from haystack.dataclasses import ByteStream

from haystack_integrations.common.aimlapi.jobs import JobPollError
from haystack_integrations.components.audio.aimlapi import AIMLAPITranscriber
from tests.conftest import TEST_KEY
from tests.media_server import MediaServer, fixture, tiny_wav

pytestmark = pytest.mark.loopback


def transcriber(server: MediaServer, **kwargs: Any) -> AIMLAPITranscriber:
    options: dict[str, Any] = {"poll_interval": 0.01, "job_timeout": 10, "max_retries": 2, "timeout": 5}
    options.update(kwargs)
    return AIMLAPITranscriber(api_base_url=server.url, **options)


def test_queued_generating_completed(media_server: MediaServer) -> None:
    result = transcriber(media_server).run([ByteStream(tiny_wav(), mime_type="audio/wav", meta={"file_name": "a.wav"})])
    (document,) = result["documents"]
    assert document.meta["generation_id"] == "gen-1"
    assert document.content.startswith("He doesn't belong")
    submits = media_server.requests("/v1/stt/create")
    assert len(submits) == 1 and submits[0].headers["authorization"] == f"Bearer {TEST_KEY}"
    assert b'filename="a.wav"' in submits[0].body
    assert [request.path for request in media_server.requests("/v1/stt/gen")] == ["/v1/stt/gen-1"] * 3


def test_queued_generating_error(media_server: MediaServer) -> None:
    media_server.state.stt_statuses = ["queued", "generating", "error"]
    result = transcriber(media_server).run(["https://example.com/a.mp3"])
    assert result["documents"] == []
    (failure,) = result["meta"]["failed_sources"]
    assert failure["generation_id"] == "gen-1"
    assert "gen-1" in failure["reason"] and "AudioError: cannot decode audio" in failure["reason"]


def test_a_slow_job_runs_out_of_time_and_is_named(media_server: MediaServer) -> None:
    media_server.state.stt_statuses = ["generating"]  # forever
    result = transcriber(media_server, job_timeout=0.3).run(["https://example.com/a.mp3"])
    (failure,) = result["meta"]["failed_sources"]
    assert failure["error"] == "JobTimeoutError" and failure["generation_id"] == "gen-1"
    assert "'generating'" in failure["reason"]
    assert len(media_server.requests("/v1/stt/create")) == 1


def test_dropped_connections_while_polling_are_retried(media_server: MediaServer) -> None:
    media_server.state.drop_polls = 2
    result = transcriber(media_server).run(["https://example.com/a.mp3"])
    assert result["documents"][0].meta["generation_id"] == "gen-1"
    assert len(media_server.requests("/v1/stt/create")) == 1
    assert len(media_server.requests("/v1/stt/gen-1")) == 5  # two dropped, then the three statuses


def test_too_many_dropped_connections_give_up_naming_the_job(media_server: MediaServer) -> None:
    media_server.state.drop_polls = 100
    with pytest.raises(JobPollError, match="gen-1"):
        transcriber(media_server, max_poll_retries=2, raise_on_failure=True).run(["https://example.com/a.mp3"])


def test_a_dropped_submit_is_not_sent_again(media_server: MediaServer) -> None:
    media_server.state.drop_submits = 1
    result = transcriber(media_server).run(["https://example.com/a.mp3"])
    assert result["documents"] == []
    assert result["meta"]["failed_sources"][0]["error"] == "APIConnectionError"
    assert len(media_server.requests("/v1/stt/create")) == 1


def test_the_output_payload_key_of_the_spec(media_server: MediaServer) -> None:
    media_server.state.stt_payload_key = "output"
    media_server.state.stt_result = fixture("stt_poll_completed_openai.json")["result"]
    document = transcriber(media_server).run(["https://example.com/a.mp3"])["documents"][0]
    assert document.meta["usage"]["total_tokens"] == 135


async def test_run_async_polls_several_jobs_concurrently_in_order(media_server: MediaServer) -> None:
    sources = [f"https://example.com/{index}.mp3" for index in range(4)]
    result = await transcriber(media_server, max_concurrency=4).run_async(sources)
    assert [document.meta["source"] for document in result["documents"]] == sources
    assert sorted(document.meta["generation_id"] for document in result["documents"]) == [
        f"gen-{index}" for index in range(1, 5)
    ]


async def test_cancelling_run_async_stops_polling(media_server: MediaServer) -> None:
    media_server.state.stt_statuses = ["generating"]
    task = asyncio.create_task(transcriber(media_server, job_timeout=60).run_async(["https://example.com/a.mp3"]))
    for _ in range(200):
        if media_server.requests("/v1/stt/gen-1"):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    polls = len(media_server.requests("/v1/stt/gen-1"))
    await asyncio.sleep(0.1)
    assert len(media_server.requests("/v1/stt/gen-1")) == polls
    assert len(media_server.requests("/v1/stt/create")) == 1
