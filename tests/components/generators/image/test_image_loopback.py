# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Against llmock's `/v1/images/generations` over real sockets on 127.0.0.1."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator
from tests.support import LLMock

pytestmark = pytest.mark.loopback


def _generator(server: LLMock, **kwargs: object) -> AIMLAPIImageGenerator:
    return AIMLAPIImageGenerator(api_base_url=server.url, **kwargs)  # type: ignore[arg-type]


def test_data_url_answer_becomes_image_content(llmock_server: LLMock) -> None:
    result = _generator(llmock_server, model="dall-e-3").run("a lighthouse at dawn", n=2, size="512x256")

    (record,) = llmock_server.requests()
    assert record["path"] == "/v1/images/generations"
    assert record["body"] == {"model": "dall-e-3", "prompt": "a lighthouse at dawn", "n": 2, "size": "512x256"}
    images = result["images"]
    assert len(images) == 2
    svg = base64.b64decode(images[0].base64_image).decode()
    assert svg.startswith("<svg") and "width='512' height='256'" in svg and "a lighthouse at dawn" in svg
    assert images[0].mime_type == "image/svg+xml"
    assert images[0].meta["revised_prompt"] == "a lighthouse at dawn"
    assert result["urls"] == []  # llmock answers with data: URLs, which need no download
    assert result["meta"]["image_count"] == 2
    assert result["meta"]["revised_prompts"] == ["a lighthouse at dawn"] * 2


def test_b64_json_answer(llmock_server: LLMock) -> None:
    result = _generator(
        llmock_server, model="openai/gpt-image-1", generation_kwargs={"response_format": "b64_json"}
    ).run("a red square")
    assert llmock_server.requests()[0]["body"]["response_format"] == "b64_json"
    (image,) = result["images"]
    assert base64.b64decode(image.base64_image).startswith(b"<svg")
    assert image.mime_type == "image/svg+xml"


async def test_run_async(llmock_server: LLMock) -> None:
    result = await _generator(llmock_server, model="dall-e-3").run_async("async image", n=3)
    assert llmock_server.requests()[0]["body"]["n"] == 3
    assert len(result["images"]) == 3
    assert all(image.mime_type == "image/svg+xml" for image in result["images"])


def test_server_errors_are_retried(llmock_server: LLMock) -> None:
    llmock_server.scenario({"type": "fail", "status": 503, "times": 2})
    result = _generator(llmock_server, model="dall-e-3", max_retries=2).run("after two failures")
    records = llmock_server.requests()
    assert [record["status"] for record in records] == [503, 503, 200]
    assert len(result["images"]) == 1


def test_rate_limit_is_retried_honouring_retry_after(llmock_server: LLMock) -> None:
    llmock_server.scenario({"type": "fail", "status": 429, "retry_after": 0.2, "times": 1})
    result = _generator(llmock_server, model="dall-e-3", max_retries=1).run("after a 429")
    assert [record["status"] for record in llmock_server.requests()] == [429, 200]
    assert len(result["images"]) == 1


def test_auth_error_is_not_retried_and_carries_the_message(llmock_server: LLMock) -> None:
    llmock_server.scenario({"type": "fail", "status": 401})
    with pytest.raises(openai.AuthenticationError, match="Error code: 401"):
        _generator(llmock_server, model="dall-e-3", max_retries=3).run("x")
    assert [record["status"] for record in llmock_server.requests()] == [401]


def test_a_slow_server_times_out(llmock_server: LLMock) -> None:
    llmock_server.scenario({"type": "delay", "seconds": 1.5})
    with pytest.raises(openai.APITimeoutError):
        _generator(llmock_server, model="dall-e-3", timeout=0.3, max_retries=0).run("x")


def test_the_generation_example_saves_images(llmock_server: LLMock, tmp_path: Path) -> None:
    example = Path(__file__).parents[4] / "examples" / "image_generation.py"
    env = {**os.environ, "AIMLAPI_BASE_URL": llmock_server.url, "AIMLAPI_API_KEY": "sk-loopback"}
    command = [sys.executable, str(example), "a fox", "--model", "dall-e-3", "--n", "2", "--out-dir", str(tmp_path)]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["image-1.svg", "image-2.svg"]
    assert (tmp_path / "image-1.svg").read_text().startswith("<svg")
    assert llmock_server.requests()[0]["body"] == {"model": "dall-e-3", "prompt": "a fox", "n": 2}
