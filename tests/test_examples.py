# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The chat examples run as scripts, against llmock through AIMLAPI_BASE_URL, as the README says they do."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.loopback

EXAMPLES = Path(__file__).parent.parent / "examples"


def run_example(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.fixture
def example_env(llmock_server) -> dict[str, str]:
    return {**os.environ, "AIMLAPI_API_KEY": "sk-example", "AIMLAPI_BASE_URL": llmock_server.url}


def test_chat_example_without_a_key_says_what_to_do():
    env = {key: value for key, value in os.environ.items() if key != "AIMLAPI_API_KEY"}
    result = run_example("chat.py", "hi", env=env)
    assert result.returncode == 2
    assert "AIMLAPI_API_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_example_streams_a_reply(llmock_server, example_env):
    llmock_server.scenario({"type": "reply", "text": "Paris is the capital of France."})
    result = run_example("chat.py", "Capital of France?", env=example_env)
    assert result.returncode == 0, result.stderr
    assert "Paris is the capital of France." in result.stdout
    assert "finish_reason=stop" in result.stderr
    (request,) = llmock_server.requests()
    assert request["body"]["messages"] == [{"role": "user", "content": "Capital of France?"}]


def test_chat_example_reports_an_api_error(llmock_server, example_env):
    llmock_server.scenario({"type": "fail", "status": 401})
    result = run_example("chat.py", "hi", env=example_env)
    assert result.returncode == 1
    assert "error: Error code: 401" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["streaming.py", "agent_tools.py", "structured_output.py", "reasoning.py", "cost.py"])
def test_usage_examples_run(llmock_server, example_env, name):
    result = run_example(name, env=example_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert llmock_server.requests()
