# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""`aimlapi-haystack models`, run as a subprocess against a local AI/ML API-shaped server and against llmock."""

import json
import os
import subprocess

import pytest

from tests.conftest import TEST_KEY
from tests.support import LLMock, fixture_json

from .helpers import FakeAIMLAPI, cli_command, run_cli, run_main

NEW = fixture_json("models_2026.json")


def table_rows(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.strip()]


def test_table_lists_every_model_sorted_in_aligned_columns(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("GET", "/v1/models", 200, NEW)
    result = run_cli("models", env={"AIMLAPI_BASE_URL": fake_api.url})

    assert result.returncode == 0, result.stderr
    header, *rows = table_rows(result.stdout)
    assert header.split() == ["ID", "KIND", "DEVELOPER", "CONTEXT", "CAPABILITIES"]
    assert [row.split()[0] for row in rows] == sorted((entry["id"] for entry in NEW["data"]), key=str.lower)
    # every column starts where its header starts
    kind_at, developer_at = header.index("KIND"), header.index("DEVELOPER")
    claude = next(row for row in rows if row.startswith("anthropic/claude-sonnet-4.5"))
    assert claude[kind_at:].startswith("chat ")
    assert claude[developer_at:].startswith("Anthropic ")
    assert claude.endswith("200000  file_input,parallel_tool_calls,streaming,structured_output,tools,vision")
    assert result.stderr.strip() == "10 models"
    assert fake_api.requests[0].path == "/v1/models"
    assert "include=capabilities%2Cmodalities" in fake_api.requests[0].query


def test_filters_narrow_the_table(fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api.answer("GET", "/v1/models", 200, fixture_json("models_legacy.json"))
    code, out, err = run_main(
        capsys, "models", "--kind", "chat", "--capability", "tools", "--search", "gpt", "--base-url", fake_api.url
    )
    assert code == 0, err
    assert [row.split()[0] for row in table_rows(out)[1:]] == ["gpt-4o", "openai/gpt-5-chat-latest"]
    assert err == "2 models\n"


def test_json_lines(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("GET", "/v1/models", 200, NEW)
    result = run_cli("models", "--kind", "embedding", "--json", "--base-url", fake_api.url)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["id"] == "text-embedding-3-small"
    assert record["kind"] == "embedding"
    assert record["context_length"] == 8191
    assert record["api_type"] == "openai/embeddings"


def test_pricing_column(fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api.answer("GET", "/v1/models", 200, fixture_json("models_2026_pricing.json"))
    code, out, err = run_main(capsys, "models", "--pricing", "--base-url", fake_api.url)

    assert code == 0, err
    header, claude, flux = table_rows(out)
    assert header.endswith("PRICE (IN / OUT)")
    assert claude.endswith("3.15 / 15.75 USD per 1M tokens")
    assert flux.endswith("per_image=0.0039 USD per image")
    assert "pricing" in fake_api.requests[0].query


def test_works_without_a_key_and_sends_one_when_set(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("GET", "/v1/models", 200, NEW)
    without = run_cli("models", env={"AIMLAPI_BASE_URL": fake_api.url, "AIMLAPI_API_KEY": None})
    with_key = run_cli("models", env={"AIMLAPI_BASE_URL": fake_api.url})

    assert without.returncode == 0, without.stderr
    assert with_key.returncode == 0, with_key.stderr
    assert "authorization" not in fake_api.requests[0].headers
    assert fake_api.requests[1].headers["authorization"] == f"Bearer {TEST_KEY}"
    assert fake_api.requests[1].headers["x-title"] == "Haystack"


def test_no_match_says_which_kinds_exist(fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api.answer("GET", "/v1/models", 200, NEW)
    code, out, err = run_main(capsys, "models", "--kind", "rerank", "--base-url", fake_api.url)

    assert code == 0
    assert out == ""
    assert "No model in the catalogue at" in err
    assert "matches kind 'rerank'" in err
    assert "Kinds in this catalogue: audio, chat, embedding, image, speech, transcription, video." in err
    assert len(fake_api.requests) == 1


@pytest.mark.parametrize(
    ("status", "fixture", "text"),
    [
        (401, "error_401.json", "This request requires a valid API key"),
        (403, "error_403_credits.json", "You've run out of credits"),
    ],
)
def test_api_errors_exit_1_with_aimlapi_message(fake_api: FakeAIMLAPI, status: int, fixture: str, text: str) -> None:
    fake_api.answer("GET", "/v1/models", status, fixture_json(fixture))
    result = run_cli("models", "--base-url", fake_api.url)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"aimlapi-haystack: error: Error code: {status} - {text}")
    assert "Traceback" not in result.stderr
    assert TEST_KEY not in result.stderr


def test_unreachable_catalogue_exits_1_and_debug_shows_the_traceback(
    closed_port_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli("models", "--base-url", closed_port_url)
    code, _, debug_err = run_main(capsys, "models", "--base-url", closed_port_url, "--max-retries", "0", "--debug")

    assert result.returncode == 1
    assert f"Could not reach the model catalogue at {closed_port_url}/models: ConnectError" in result.stderr
    assert "Traceback" not in result.stderr
    assert code == 1
    assert "Traceback (most recent call last)" in debug_err
    assert "httpx.ConnectError" in debug_err


@pytest.mark.parametrize(
    ("case", "text"),
    [
        (("models", "--base-url", "localhost:8080"), "--base-url 'localhost:8080' is not an absolute http(s)"),
        (("models", "--base-url", "http://127.0.0.1:abc/v1"), "has a port that is not a number"),
        (("AIMLAPI_BASE_URL=http://127.0.0.1:9/v1\n", "models"), "contains whitespace"),
        (("AIMLAPI_TIMEOUT=soon", "models"), "AIMLAPI_TIMEOUT='soon' is not a number"),
        (("models", "--timeout", "0"), "'0' must be a positive number of seconds"),
        (("models", "--kind", " "), "kind must be a non-empty str"),
        ((), "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_exit_2_before_any_request(
    fake_api: FakeAIMLAPI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, ...],
    text: str,
) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", fake_api.url)
    args = []
    for item in case:  # NAME=value items set the environment, as a shell would
        name, _, value = item.partition("=")
        if value and name.isupper():
            monkeypatch.setenv(name, value)
        else:
            args.append(item)
    code, _, err = run_main(capsys, *args)

    assert code == 2
    assert text in err
    assert "Traceback" not in err
    assert fake_api.requests == []


def test_usage_error_exit_code_of_the_installed_script() -> None:
    result = run_cli("modles")
    assert result.returncode == 2
    assert "invalid choice: 'modles'" in result.stderr


@pytest.mark.loopback
def test_llmock_openai_shaped_catalogue(llmock_server: LLMock) -> None:
    result = run_cli("models", env={"AIMLAPI_BASE_URL": llmock_server.url})

    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)[1:]
    assert [row.split()[0] for row in rows] == [
        "gpt-3.5-turbo",
        "gpt-4-turbo",
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-image-1",
        "text-embedding-3-large",
        "text-embedding-3-small",
    ]
    # OpenAI's shape names an owner but no kind, context or capabilities
    assert rows[2].split() == ["gpt-4o", "-", "llmock", "-", "-"]


def test_a_reader_that_stops_early_is_not_an_error(fake_api: FakeAIMLAPI) -> None:
    """`aimlapi-haystack models --json | head -1`: the output outgrows the pipe and the reader leaves."""
    many = {
        "object": "list",
        "data": [
            {"id": f"vendor/model-{number}", "type": "chat-completion", "info": {"name": f"Model {number}"}}
            for number in range(5000)
        ],
    }
    fake_api.answer("GET", "/v1/models", 200, many)
    environment = {**os.environ, "NO_COLOR": "1", "AIMLAPI_MAX_RETRIES": "0", "AIMLAPI_BASE_URL": fake_api.url}
    with subprocess.Popen(
        [*cli_command(), "models", "--json"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()  # what `head -1` does after its line
        code = process.wait(timeout=60)
        err = process.stderr.read().decode()
    assert json.loads(first)["id"] == "vendor/model-0"
    assert code == 0
    assert err == ""
