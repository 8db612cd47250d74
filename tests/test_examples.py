# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Every example runs as a script against llmock through AIMLAPI_BASE_URL, and they all behave alike."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.loopback

EXAMPLES = Path(__file__).parent.parent / "examples"
SCRIPTS = sorted(path.name for path in EXAMPLES.glob("*.py") if not path.name.startswith("_"))
# The command-line arguments an example needs against llmock (its image routes speak OpenAI's shape).
ARGUMENTS = {
    "chat.py": ["Capital of France?"],
    "embeddings.py": ["Which city is the capital of France?"],
    "image_generation.py": ["a fox", "--model", "dall-e-3"],
    "image_to_chat.py": ["a lighthouse", "--image-model", "dall-e-3"],
    "ocr.py": ["scan.pdf"],
    "transcribe.py": ["memo.wav"],
    "text_to_speech.py": ["Hello"],
    "index_scans_and_recordings.py": ["scan.pdf", "memo.wav", "What was decided?"],
    "ray_index_corpus.py": ["--demo", "5", "--output", "embedded"],
}
# Examples that call routes llmock does not serve, or need an extra: each runs against its own loopback server in
# the file named here, where the same behaviour (the cost sentence, one line and exit 1 on an error) is checked.
RUN_ELSEWHERE = {
    "ocr.py": "tests/test_media_examples.py",
    "transcribe.py": "tests/test_media_examples.py",
    "text_to_speech.py": "tests/test_media_examples.py",
    "index_scans_and_recordings.py": "tests/test_media_examples.py",
    "ray_index_corpus.py": "tests/ray/test_example.py",
}
ON_LLMOCK = [name for name in SCRIPTS if name not in RUN_ELSEWHERE]


def run_example(name: str, *args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def example_env(llmock_server) -> dict[str, str]:
    return {**os.environ, "AIMLAPI_API_KEY": "sk-example", "AIMLAPI_BASE_URL": llmock_server.url}


def test_every_example_is_covered() -> None:
    assert set(SCRIPTS) >= set(ARGUMENTS) | set(RUN_ELSEWHERE)
    assert len(ON_LLMOCK) >= 9
    root = Path(__file__).parent.parent
    assert all((root / test_file).is_file() for test_file in RUN_ELSEWHERE.values())


@pytest.mark.parametrize("name", SCRIPTS)
def test_without_a_key_an_example_prints_one_line_and_exits_2(name: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "AIMLAPI_API_KEY"}
    result = run_example(name, *ARGUMENTS.get(name, []), env=env)
    assert result.returncode == 2, result.stderr
    expected = "error: AIMLAPI_API_KEY is not set. Create a key at https://aimlapi.com/app/keys, then: export "
    assert result.stderr.splitlines() == [expected + "AIMLAPI_API_KEY=<key>"]
    assert result.stdout == ""


@pytest.mark.parametrize("name", ON_LLMOCK)
def test_an_example_runs_against_the_loopback_server_and_says_it_reported_no_cost(
    name: str, llmock_server, example_env, tmp_path: Path
) -> None:
    result = run_example(name, *ARGUMENTS.get(name, []), env=example_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert llmock_server.requests()
    # llmock reports no cost: every example says so, naming the server, rather than printing None.
    assert f"cost: not reported by {llmock_server.url}" in result.stdout + result.stderr
    assert "None" not in (result.stdout + result.stderr).replace("tool_call_result", "")


@pytest.mark.parametrize("name", ON_LLMOCK)
def test_an_api_error_is_one_line_and_exit_1(name: str, llmock_server, example_env, tmp_path: Path) -> None:
    llmock_server.scenario({"type": "fail", "status": 401, "times": None})
    result = run_example(name, *ARGUMENTS.get(name, []), env=example_env, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    (error_line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "401" in error_line


def test_chat_example_streams_a_reply(llmock_server, example_env):
    llmock_server.scenario({"type": "reply", "text": "Paris is the capital of France."})
    result = run_example("chat.py", "Capital of France?", env=example_env)
    assert result.returncode == 0, result.stderr
    assert "Paris is the capital of France." in result.stdout
    assert "finish_reason=stop" in result.stderr
    (request,) = llmock_server.requests()
    assert request["body"]["messages"] == [{"role": "user", "content": "Capital of France?"}]


def test_cost_example_sends_every_question_with_the_conversation_so_far(llmock_server, example_env):
    result = run_example("cost.py", env=example_env)
    assert result.returncode == 0, result.stderr
    sent = [request["body"]["messages"] for request in llmock_server.requests()]
    assert [[m["content"] for m in messages if m["role"] == "user"] for messages in sent] == [
        ["Name a French cheese."],
        ["Name a French cheese.", "And a Swiss one?"],
        ["Name a French cheese.", "And a Swiss one?", "And an Italian one?"],
    ]
    assert [m["role"] for m in sent[-1]] == ["user", "assistant", "user", "assistant", "user"]
    assert f"total: unknown, {llmock_server.url} reported no cost for any of the 3 calls" in result.stdout


def test_reasoning_example_says_when_the_server_sent_no_reasoning(llmock_server, example_env):
    result = run_example("reasoning.py", env=example_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(f"reasoning: none sent by {llmock_server.url}") == 2
    assert "reasoning tokens: not reported by the server" in result.stdout


def test_the_ray_example_without_the_ray_extra_says_so_in_one_line(tmp_path: Path) -> None:
    # A `ray` package that cannot be imported stands in for an environment without the extra, with or without it here.
    (tmp_path / "ray").mkdir()
    (tmp_path / "ray" / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    env = {**os.environ, "AIMLAPI_API_KEY": "sk-example", "PYTHONPATH": str(tmp_path)}
    result = run_example("ray_index_corpus.py", "--demo", "5", "--output", str(tmp_path / "out"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        'error: this example needs the ray extra: pip install ".[ray]" (in a clone of this repository)'
    ]
