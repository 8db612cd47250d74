# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""A malformed setting in the environment is a setup problem: the examples exit 2 with one line, as the CLI does."""

import os
import subprocess
import sys

import pytest

from tests.test_examples import run_example


def _run(name: str, *args: str, **settings: str) -> subprocess.CompletedProcess:
    return run_example(name, *args, env={**os.environ, "AIMLAPI_API_KEY": "sk-example", **settings})


def test_a_base_url_without_a_scheme_exits_2_in_one_line() -> None:
    result = _run("chat.py", "Hi", AIMLAPI_BASE_URL="127.0.0.1:8765/v1")

    assert result.returncode == 2, result.stderr
    expected = (
        "error: AIMLAPI_BASE_URL is '127.0.0.1:8765/v1', which is not an absolute http(s) URL. Set it to a URL like "
        "'https://api.aimlapi.com/v1', or unset it to use that one."
    )
    assert result.stderr.splitlines() == [expected]
    assert result.stdout == ""


def test_the_command_line_gives_the_same_status_and_words() -> None:
    example = _run("chat.py", "Hi", AIMLAPI_BASE_URL="127.0.0.1:8765/v1")
    command = subprocess.run(
        [sys.executable, "-m", "haystack_integrations.cli.aimlapi", "models"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AIMLAPI_API_KEY": "sk-example", "AIMLAPI_BASE_URL": "127.0.0.1:8765/v1"},
        check=False,
    )

    assert (example.returncode, command.returncode) == (2, 2)
    assert command.stderr.removeprefix("aimlapi-haystack: ") == example.stderr


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("AIMLAPI_TIMEOUT", "soon", "error: The environment variable AIMLAPI_TIMEOUT='soon' is not a number."),
        ("AIMLAPI_MAX_RETRIES", "-1", "error: AIMLAPI_MAX_RETRIES must be a whole number of retries >= 0, got -1."),
    ],
)
def test_a_malformed_timeout_or_retry_count_exits_2_too(setting: str, value: str, message: str) -> None:
    result = _run("cost.py", **{setting: value})

    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [message]


def test_a_missing_key_is_still_reported_first() -> None:
    env = {key: value for key, value in os.environ.items() if key != "AIMLAPI_API_KEY"}
    result = run_example("chat.py", "Hi", env={**env, "AIMLAPI_BASE_URL": "127.0.0.1:8765/v1"})

    assert result.returncode == 2
    assert result.stderr.startswith("error: AIMLAPI_API_KEY is not set.")
