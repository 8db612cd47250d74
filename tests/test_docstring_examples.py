# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The docstring examples tests/docs cannot run against llmock run here, unchanged, on servers of their own on 127.0.0.1:
the Batch API example of batch_chat_generator.py, the text-to-speech example of text_to_speech.py and the balance
example of billing.py. Each reads `AIMLAPI_BASE_URL` and `AIMLAPI_API_KEY` as a reader's code does.
"""

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from haystack_integrations.common.aimlapi import jobs
from haystack_integrations.common.aimlapi.billing import balance_from_body
from haystack_integrations.components.generators.aimlapi.batch import batch_chat_generator
from tests.answer_server import AnswerServer
from tests.components.generators.batch.test_batch_chat_generator import BatchAPI, fixture, jsonl, succeeded
from tests.docs.blocks import Block, docstring_blocks
from tests.docs.runner import run_python
from tests.media_server import tiny_wav
from tests.support import fixture_json

pytestmark = pytest.mark.loopback

SRC = Path(__file__).resolve().parents[1] / "src" / "haystack_integrations"
KEY = "sk-docstring-key"


def _example(relative: str) -> Block:
    """The module's one example that tests/docs shows without running."""
    [block] = [block for block in docstring_blocks(SRC / relative, relative) if block.not_run is not None]
    assert block.language == "python"
    assert "tests/test_docstring_examples.py" in block.not_run
    return block


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[AnswerServer]:
    instance = AnswerServer(lambda request: httpx.Response(500, json={"message": "no answer set"}))
    monkeypatch.setenv("AIMLAPI_BASE_URL", instance.url)
    monkeypatch.setenv("AIMLAPI_API_KEY", KEY)
    try:
        yield instance
    finally:
        instance.stop()


def test_the_batch_generator_example(server: AnswerServer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []  # the polls' waits, recorded instead of slept
    monkeypatch.setattr(batch_chat_generator, "run_job", functools.partial(jobs.run_job, sleep=waits.append))
    api = BatchAPI(
        fixture("batch_get_generating.json"),
        jsonl(succeeded(1, "A Python framework for LLM apps.", credits_used=8), succeeded(0, "A compute engine.")),
    )
    server.answer = api.answer

    printed = run_python(_example("components/generators/aimlapi/batch/batch_chat_generator.py"), {})

    assert printed.splitlines() == [
        "A compute engine.",
        "A Python framework for LLM apps.",
        "kgTRCVoAz4GwrHWIOFZjg {'credits_used': 8, 'usd_spent': 4e-06}",
    ]
    [body] = api.posted()
    assert [request["params"]["messages"][-1]["content"][0]["text"] for request in body["requests"]] == [
        "What is Ray?",
        "What is Haystack?",
    ]
    assert {request["params"]["max_tokens"] for request in body["requests"]} == {256}
    assert len(waits) == 2


def test_the_text_to_speech_example(server: AnswerServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    audio = tiny_wav()
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/tts":  # OpenAI's models answer with a URL to the audio, in the format asked
            url = str(request.url.copy_with(path="/files/answer.wav"))
            usage = {"credits_used": 3000, "usd_spent": 0.0015}
            return httpx.Response(200, json={"audio": {"url": url}, "meta": {"usage": usage}})
        return httpx.Response(200, content=audio, headers={"content-type": "application/octet-stream"})

    server.answer = answer

    printed = run_python(_example("components/audio/aimlapi/text_to_speech.py"), {})

    assert printed == "audio/wav {'credits_used': 3000, 'usd_spent': 0.0015}\n"
    assert (tmp_path / "answer.wav").read_bytes() == audio
    speak, download = seen
    assert speak.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(speak.content) == {
        "model": "openai/tts-1",
        "text": "Your order has shipped.",
        "voice": "nova",
        "response_format": "wav",
    }
    assert "authorization" not in download.headers  # the audio's host never sees the key


def test_the_balance_example(server: AnswerServer) -> None:
    body = fixture_json("billing/billing_v2.json")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    server.answer = answer

    printed = run_python(_example("common/aimlapi/billing.py"), {})

    expected = balance_from_body(body, url="")
    assert expected is not None
    assert printed == f"{expected.usd} {expected.credits}\n"
    [request] = seen
    assert (request.method, request.url.path) == ("GET", "/v2/billing")
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_the_examples_are_found() -> None:
    for relative in (
        "components/generators/aimlapi/batch/batch_chat_generator.py",
        "components/audio/aimlapi/text_to_speech.py",
        "common/aimlapi/billing.py",
    ):
        assert _example(relative).code.strip()
