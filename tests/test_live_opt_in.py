# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The live tests run only when asked for, never because a key is exported, and they honour AIMLAPI_BASE_URL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import LLMock

pytestmark = pytest.mark.loopback

ROOT = Path(__file__).resolve().parent.parent
LIVE_CHAT = "tests/components/generators/chat/test_live.py::test_live_chat"


def run_pytest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def live_env(llmock_server: LLMock) -> dict[str, str]:
    """A shell with a key exported and the live tests pointed at llmock, so a run that should not happen shows."""
    env = {key: value for key, value in os.environ.items() if key != "AIMLAPI_LIVE"}
    return {**env, "AIMLAPI_API_KEY": "sk-exported-key", "AIMLAPI_BASE_URL": llmock_server.url}


def test_an_exported_key_alone_does_not_run_the_live_tests(llmock_server: LLMock, live_env: dict[str, str]) -> None:
    result = run_pytest(LIVE_CHAT, env=live_env)
    assert "1 skipped" in result.stdout, result.stdout
    assert "run with -m integration or AIMLAPI_LIVE=1" in result.stdout
    assert llmock_server.requests() == []


@pytest.mark.parametrize(("args", "switch"), [(("-m", "integration"), {}), ((), {"AIMLAPI_LIVE": "1"})])
def test_asking_for_them_runs_them_against_aimlapi_base_url(
    llmock_server: LLMock, live_env: dict[str, str], args: tuple[str, ...], switch: dict[str, str]
) -> None:
    llmock_server.scenario({"type": "reply", "text": "Paris", "times": None})
    result = run_pytest(*args, LIVE_CHAT, env={**live_env, **switch})
    assert "skipped" not in result.stdout, result.stdout
    (request,) = llmock_server.requests()
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["messages"][0]["content"] == "What is the capital of France? One word."


def test_asking_without_a_key_skips_and_names_the_variable(live_env: dict[str, str]) -> None:
    env = {key: value for key, value in live_env.items() if key != "AIMLAPI_API_KEY"}
    result = run_pytest("-m", "integration", LIVE_CHAT, env=env)
    assert "1 skipped" in result.stdout
    assert "set AIMLAPI_API_KEY" in result.stdout


def test_deselecting_them_is_not_asking_for_them(llmock_server: LLMock, live_env: dict[str, str]) -> None:
    result = run_pytest("-m", "not integration", LIVE_CHAT, env=live_env)
    assert "1 deselected" in result.stdout
    assert llmock_server.requests() == []
