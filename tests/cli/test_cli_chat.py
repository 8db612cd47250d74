# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""`aimlapi-haystack chat`, run as a subprocess against llmock and a local AI/ML API-shaped server."""

import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.support import LLMock, fixture_json, fixture_text

from .helpers import MODULE, FakeAIMLAPI, run_cli, run_main

ANSWER = "Paris is the capital of France."


# --- against llmock (OpenAI-shaped, real sockets) -----------------------------------------------------------------


@pytest.mark.loopback
def test_streams_the_reply_and_prints_the_summary_on_stderr(llmock_server: LLMock) -> None:
    llmock_server.scenario({"type": "reply", "text": ANSWER})
    result = run_cli(
        "chat", "Capital of France?", "--model", "gpt-4o", "--system", "Be brief.", "--base-url", llmock_server.url
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == ANSWER + "\n"
    assert "model: gpt-4o | finish: stop | tokens: " in result.stderr
    assert "cost: not reported" in result.stderr  # llmock sends no AI/ML API cost block
    (request,) = llmock_server.requests()
    assert request["stream"] is True
    assert request["body"]["model"] == "gpt-4o"
    assert request["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert request["body"]["stream_options"] == {"include_usage": True}


@pytest.mark.loopback
def test_no_stream(llmock_server: LLMock) -> None:
    llmock_server.scenario({"type": "reply", "text": ANSWER})
    result = run_cli("chat", "Capital of France?", "--model", "gpt-4o", "--no-stream", "--max-tokens", "50",
                     env={"AIMLAPI_BASE_URL": llmock_server.url})  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout == ANSWER + "\n"
    (request,) = llmock_server.requests()
    assert request["stream"] is False
    assert request["body"]["max_tokens"] == 50
    assert "model: gpt-4o | finish: stop" in result.stderr


def check_json_document(document: dict[str, Any]) -> None:
    assert set(document) == {"text", "reasoning", "model", "finish_reason", "usage", "cost"}
    assert document["text"] == ANSWER
    assert document["reasoning"] is None
    assert document["model"] == "gpt-4o"
    assert document["finish_reason"] == "stop"
    usage = document["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert document["cost"] is None


@pytest.mark.loopback
def test_json_prints_one_object(llmock_server: LLMock) -> None:
    llmock_server.scenario({"type": "reply", "text": ANSWER})
    result = run_cli("chat", "Capital?", "--model", "gpt-4o", "--json", env={"AIMLAPI_BASE_URL": llmock_server.url})

    assert result.returncode == 0, result.stderr
    check_json_document(json.loads(result.stdout))
    assert "model: gpt-4o" not in result.stderr
    assert llmock_server.requests()[0]["stream"] is True


@pytest.mark.loopback
def test_json_without_streaming(llmock_server: LLMock, capsys: pytest.CaptureFixture[str]) -> None:
    llmock_server.scenario({"type": "reply", "text": ANSWER})
    code, out, err = run_main(capsys, "chat", "Capital?", "--model", "gpt-4o", "--json", "--no-stream",
                              "--base-url", llmock_server.url)  # fmt: skip

    assert code == 0, err
    check_json_document(json.loads(out))
    assert llmock_server.requests()[0]["stream"] is False


@pytest.mark.loopback
def test_prompt_from_stdin(
    llmock_server: LLMock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a prompt from a pipe\n"))
    code, _, err = run_main(capsys, "chat", "-", "--model", "gpt-4o", "--base-url", llmock_server.url)

    assert code == 0, err
    assert llmock_server.requests()[0]["body"]["messages"] == [{"role": "user", "content": "a prompt from a pipe\n"}]


@pytest.mark.loopback
def test_broken_stream_exits_1_keeping_what_arrived(llmock_server: LLMock) -> None:
    llmock_server.scenario(
        {"type": "reply", "text": "one two three four five six seven eight"},
        {"type": "stream_fault", "kind": "disconnect", "after_chunks": 3},
    )
    result = run_cli("chat", "Count", "--model", "gpt-4o", "--base-url", llmock_server.url)

    assert result.returncode == 1
    assert "aimlapi-haystack: error: The stream broke after" in result.stderr
    assert "The text above is incomplete." in result.stderr
    assert "Traceback" not in result.stderr
    assert "one two three four five six seven eight".startswith(result.stdout.strip())


@pytest.mark.loopback
def test_timeout_exits_1_with_a_hint(llmock_server: LLMock, capsys: pytest.CaptureFixture[str]) -> None:
    llmock_server.scenario({"type": "delay", "seconds": 5})
    code, _, err = run_main(capsys, "chat", "Hi", "--model", "gpt-4o", "--timeout", "0.5", "--no-stream",
                            "--max-retries", "0", "--base-url", llmock_server.url)  # fmt: skip

    assert code == 1
    assert f"No answer from {llmock_server.url} within the timeout. Raise it with --timeout" in err
    assert "Traceback" not in err


# --- against an AI/ML API-shaped server (reasoning, cost, errors) -------------------------------------------------


def test_reasoning_is_prefixed_on_stderr_and_cost_is_summed_up(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("POST", "/v1/chat/completions", 200, fixture_text("stream_qwen_reasoning.sse"))
    result = run_cli("chat", "Capital of France?", "--model", "alibaba/qwen3-32b", "--base-url", fake_api.url)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Paris is the capital.\n"
    assert result.stderr.splitlines() == [
        "[reasoning] The user wants the capital of France.",
        (
            "model: qwen3-32b | finish: stop | tokens: 16 in, 40 out (30 reasoning), 56 total "
            "| cost: 120 credits ($0.000060)"
        ),
    ]
    request = fake_api.requests[0]
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.body["model"] == "alibaba/qwen3-32b"
    assert request.body["stream"] is True


def test_hide_reasoning(fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api.answer("POST", "/v1/chat/completions", 200, fixture_text("stream_qwen_reasoning.sse"))
    code, out, err = run_main(capsys, "chat", "Capital?", "--hide-reasoning", "--base-url", fake_api.url)

    assert code == 0, err
    assert out == "Paris is the capital.\n"
    assert "reasoning]" not in err
    assert "The user wants" not in err
    assert "(30 reasoning)" in err  # the token count still says reasoning happened


def test_json_carries_reasoning_normalized_finish_reason_and_cost(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("POST", "/v1/chat/completions", 200, fixture_json("chat_claude_route.json"))
    result = run_cli("chat", "Capital?", "--no-stream", "--json", "--base-url", fake_api.url)

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["text"] == "The capital of France is Paris."
    assert document["reasoning"] == "The user asks for the capital of France. That is Paris."
    assert document["finish_reason"] == "stop"  # Claude's end_turn, in Haystack's vocabulary
    assert document["cost"] == {"credits_used": 14310, "usd_spent": 0.007155}
    assert document["usage"]["total_tokens"] == 101
    assert "stream" not in fake_api.requests[0].body or fake_api.requests[0].body["stream"] is False


def test_no_stream_shows_reasoning_before_the_text(fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api.answer("POST", "/v1/chat/completions", 200, fixture_json("chat_claude_route.json"))
    code, out, err = run_main(capsys, "chat", "Capital?", "--no-stream", "--base-url", fake_api.url)

    assert code == 0, err
    assert out == "The capital of France is Paris.\n"
    assert err.splitlines()[0] == "[reasoning] The user asks for the capital of France. That is Paris."
    assert "cost: 14310 credits ($0.007155)" in err


def test_no_key_exits_2_saying_what_to_export(fake_api: FakeAIMLAPI) -> None:
    result = run_cli("chat", "Hi", env={"AIMLAPI_BASE_URL": fake_api.url, "AIMLAPI_API_KEY": None})

    assert result.returncode == 2
    assert "export AIMLAPI_API_KEY=<your key>" in result.stderr
    assert "Traceback" not in result.stderr
    assert fake_api.requests == []


@pytest.mark.parametrize(
    ("status", "fixture", "text"),
    [
        (401, "error_401.json", "This request requires a valid API key"),
        (403, "error_403_credits.json", "You've run out of credits"),
    ],
)
def test_api_errors_exit_1_with_aimlapi_message(fake_api: FakeAIMLAPI, status: int, fixture: str, text: str) -> None:
    fake_api.answer("POST", "/v1/chat/completions", status, fixture_json(fixture))
    result = run_cli("chat", "Hi", "--base-url", fake_api.url)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"aimlapi-haystack: error: Error code: {status} - {text}")
    assert fixture_json(fixture)["requestId"] in result.stderr
    assert "Traceback" not in result.stderr
    assert TEST_KEY not in result.stderr
    if status == 401:
        assert "Check the key in AIMLAPI_API_KEY" in result.stderr
    assert len(fake_api.requests) == 1  # 401 and 403 are not retried


def test_unreachable_server_exits_1_and_debug_shows_the_traceback(
    closed_port_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli("chat", "Hi", "--base-url", closed_port_url)
    monkeypatch.setenv("AIMLAPI_MAX_RETRIES", "0")
    code, _, debug_err = run_main(capsys, "--debug", "chat", "Hi", "--base-url", closed_port_url)

    assert result.returncode == 1
    assert f"aimlapi-haystack: error: Could not connect to {closed_port_url}" in result.stderr
    assert "Connection refused" in result.stderr
    assert "Check --base-url (or AIMLAPI_BASE_URL)" in result.stderr
    assert "Traceback" not in result.stderr
    assert code == 1
    assert "Traceback (most recent call last)" in debug_err
    assert "APIConnectionError" in debug_err


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["chat"], "the following arguments are required: prompt"),
        (["chat", "   "], "The prompt is empty"),
        (["chat", "Hi", "--max-tokens", "0"], "--max-tokens: must be at least 1"),
        (["chat", "Hi", "--base-url", "ftp://example.com"], "is not an absolute http(s) URL"),
        (["chat", "Hi", "--base-url", "http://127.0.0.1:abc/v1"], "has a port that is not a number"),
        (["chat", "Hi", "--max-retries", "-1"], "--max-retries: '-1' must be 0 or more"),
    ],
)
def test_usage_errors_exit_2(
    fake_api: FakeAIMLAPI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    text: str,
) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", fake_api.url)
    code, _, err = run_main(capsys, *args)

    assert code == 2
    assert text in err
    assert "Traceback" not in err
    assert fake_api.requests == []


def test_runs_as_a_module_too() -> None:
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    # The installed version, which must be the one pyproject.toml declares (a stale install would show another).
    declared = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]["version"]
    assert result.stdout.strip() == f"aimlapi-haystack {declared}"
