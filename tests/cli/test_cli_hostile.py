# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The command against hostile input and odd servers: credentials in URLs, bytes that are not UTF-8, escape
sequences in replies, and answers that are not what the protocol promises."""

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.support import sse_body

from .helpers import FakeAIMLAPI, _Answer, cli_command, run_cli, run_cli_on_terminal, run_main

PASSWORD = "hunter2-secret-pw"


def chunk(content: str, *, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}],
    }


def stream_of(*contents: str) -> bytes:
    return sse_body([*(chunk(text) for text in contents), chunk("", finish="stop")])


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("aimlapi-haystack: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- a URL with a user name and password ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["chat", "Hi"], ["models"], ["balance"]])
@pytest.mark.parametrize("where", ["option", "environment"])
def test_url_with_credentials_is_refused_and_never_printed(
    fake_api: FakeAIMLAPI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    where: str,
) -> None:
    url = f"http://someone:{PASSWORD}@127.0.0.1:{fake_api.port}/v1"
    if where == "option":
        code, out, err = run_main(capsys, *command, "--base-url", url)
    else:
        monkeypatch.setenv("AIMLAPI_BASE_URL", url)
        code, out, err = run_main(capsys, *command)

    assert code == 2
    line = one_error_line(err)
    assert PASSWORD not in err + out
    assert "someone" not in err
    assert f"http://***@127.0.0.1:{fake_api.port}/v1" in line
    assert "They would be sent instead of the AI/ML API key" in line
    # Refused before anything was sent: httpx would have replaced the key with Basic credentials.
    assert fake_api.requests == []


def test_url_with_credentials_and_a_bad_port_is_not_printed_either(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "--debug", "chat", "Hi", "--base-url", f"http://u:{PASSWORD}@127.0.0.1:abc/v1")
    assert code == 2
    assert PASSWORD not in err  # not even in the --debug traceback


@pytest.mark.parametrize("command", [["chat", "Hi"], ["models"], ["balance"]])
@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (
            "option",
            (
                "aimlapi-haystack: error: --base-url '127.0.0.1:9/v1' is not an absolute http(s) URL. Pass "
                "something like 'https://api.aimlapi.com/v1', or set AIMLAPI_BASE_URL to one."
            ),
        ),
        (
            "environment",
            (
                "aimlapi-haystack: error: AIMLAPI_BASE_URL is '127.0.0.1:9/v1', which is not an absolute http(s) "
                "URL. Set it to a URL like 'https://api.aimlapi.com/v1', or unset it to use that one."
            ),
        ),
    ],
)
def test_a_url_without_a_scheme_is_a_usage_error_naming_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    where: str,
    expected: str,
) -> None:
    # The error names what the user typed: the option, or the variable; not the components' `api_base_url`.
    if where == "option":
        code, _, err = run_main(capsys, *command, "--base-url", "127.0.0.1:9/v1")
    else:
        monkeypatch.setenv("AIMLAPI_BASE_URL", "127.0.0.1:9/v1")
        code, _, err = run_main(capsys, *command)
    assert code == 2
    assert one_error_line(err) == expected


# --- prompts whose bytes are not UTF-8 ------------------------------------------------------------------------------


def _run_with_bytes(args: list[bytes], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "NO_COLOR": "1", "AIMLAPI_MAX_RETRIES": "0"}
    return subprocess.run(
        [*cli_command(), *args], env=environment, input=stdin, capture_output=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("args", "what"),
    [
        ([b"chat", b"caf\xe9 au lait"], "The prompt is not valid UTF-8 (0xe9 at character 4)"),
        ([b"chat", b"Hi", b"--system", b"\xff\xfe be brief"], "--system is not valid UTF-8 (0xff 0xfe at character 1)"),
        ([b"chat", b"Hi", b"--model", b"gpt-\xc3"], "--model is not valid UTF-8 (0xc3 at character 5)"),
    ],
)
def test_argv_that_is_not_utf8_exits_2_saying_so(fake_api: FakeAIMLAPI, args: list[bytes], what: str) -> None:
    result = _run_with_bytes([*args, b"--base-url", fake_api.url.encode()])

    assert result.returncode == 2
    line = one_error_line(result.stderr.decode())
    assert what in line
    assert "iconv" in line
    assert fake_api.requests == []


def test_stdin_that_is_not_utf8_exits_2_saying_so(fake_api: FakeAIMLAPI) -> None:
    result = _run_with_bytes([b"chat", b"-", b"--base-url", fake_api.url.encode()], stdin=b"na\xefve \xff\n")

    assert result.returncode == 2
    line = one_error_line(result.stderr.decode())
    assert "The prompt read from stdin is not valid UTF-8 (byte 0xef at byte 3)" in line
    assert fake_api.requests == []


def test_stdin_in_utf8_with_a_byte_order_mark_is_sent_without_it(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("POST", "/v1/chat/completions", 200, stream_of("ok"))
    result = _run_with_bytes([b"chat", b"-", b"--base-url", fake_api.url.encode()], stdin="\ufeffcafé ☕\n".encode())

    assert result.returncode == 0, result.stderr
    assert fake_api.requests[0].body["messages"] == [{"role": "user", "content": "café ☕\n"}]


# --- escape sequences in replies ------------------------------------------------------------------------------------

# What a hostile or broken upstream could put in a reply, split across chunks as a stream may split it.
HOSTILE_CHUNKS = (
    "Hello\x1b]0;owned title\x07 wor",  # OSC 0: retitles the window
    "ld\x1b[2J\x1b[H!\n",  # CSI 2J, CSI H: clears the screen, moves the cursor home
    "\x1b]52;c;aGVsbG8=\x07copy\tthis\n",  # OSC 52: writes the clipboard
    "bell\x07 back\x08space\rcarriage \x9b31mred\x1b]0;split ",  # BEL, BS, CR, 8-bit CSI, an OSC cut in two...
    "title\x1b\\ end\n",  # ...and ended by ESC \ in the next chunk
)
RECEIVED = "".join(HOSTILE_CHUNKS)
VISIBLE = "Hello world!\ncopy\tthis\nbell backspacecarriage red end\n"


def test_reply_on_a_terminal_loses_its_escape_sequences_but_keeps_newlines_and_tabs(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("POST", "/v1/chat/completions", 200, stream_of(*HOSTILE_CHUNKS))
    code, screen, err = run_cli_on_terminal("chat", "Hi", "--base-url", fake_api.url)

    assert code == 0, err
    assert screen == VISIBLE
    assert "\x1b" not in screen


def test_non_streamed_reply_on_a_terminal_is_filtered_too(fake_api: FakeAIMLAPI) -> None:
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m\x1b]0;t\x07",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": RECEIVED}, "finish_reason": "stop"}],
    }
    fake_api.answer("POST", "/v1/chat/completions", 200, body)
    code, screen, err = run_cli_on_terminal("chat", "Hi", "--no-stream", "--base-url", fake_api.url)

    assert code == 0, err
    assert screen == VISIBLE
    assert "\x1b" not in err  # the summary line quotes the model name the server gave
    assert "model: m | finish: stop" in err


def test_json_on_a_terminal_escapes_what_json_leaves_raw(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("POST", "/v1/chat/completions", 200, stream_of("a\x9b2Jb\x7f"))
    code, screen, err = run_cli_on_terminal("chat", "Hi", "--json", "--base-url", fake_api.url)

    assert code == 0, err
    assert "\x9b" not in screen
    assert "\x7f" not in screen
    assert json.loads(screen)["text"] == "a\x9b2Jb\x7f"  # the same value, escaped


def test_reply_to_a_pipe_is_written_as_received(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("POST", "/v1/chat/completions", 200, stream_of(*HOSTILE_CHUNKS))
    result = _run_with_bytes([b"chat", b"Hi", b"--base-url", fake_api.url.encode()])  # bytes: CR stays CR

    assert result.returncode == 0, result.stderr
    assert result.stdout == RECEIVED.encode()


def test_a_lone_surrogate_in_a_reply_is_replaced_not_a_crash(fake_api: FakeAIMLAPI) -> None:
    # JSON can spell a lone surrogate ("\ud800"); UTF-8 cannot encode it.
    fake_api.answer("POST", "/v1/chat/completions", 200, stream_of("before ", "\ud800", " after"))
    result = run_cli("chat", "Hi", "--base-url", fake_api.url)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "before ? after\n"


# --- answers that are not what the protocol promises ----------------------------------------------------------------

HTML = b"<html><body><h1>502 Bad Gateway</h1>\x1b]0;owned\x07<p>nginx</p></body></html>"


def _raw(fake_api: FakeAIMLAPI, status: int, body: bytes, content_type: str) -> None:
    fake_api._answers[("POST", "/v1/chat/completions")] = _Answer(status, body, {"content-type": content_type})


ODD_ANSWERS = {
    "HTML with 200, streamed": (200, HTML, "text/html", []),
    "HTML with 200": (200, HTML, "text/html", ["--no-stream"]),
    "HTML with 502": (502, HTML, "text/html", []),
    "JSON that does not parse": (200, b'{"id": "c", "choices": [', "application/json", ["--no-stream"]),
    "JSON that is a list": (200, b"[1, 2]", "application/json", ["--no-stream"]),
    "JSON null": (200, b"null", "application/json", ["--no-stream"]),
    "a chunk that does not parse": (200, b'data: {"id": "c", "choices": [\n\n', "text/event-stream", []),
    "a chunk that is not an object": (200, b"data: [1, 2]\n\ndata: [DONE]\n\n", "text/event-stream", []),
    "a stream that ends early": (200, sse_body([chunk("Hel")], done=False), "text/event-stream", []),
}


@pytest.mark.parametrize("case", ODD_ANSWERS, ids=list(ODD_ANSWERS))
def test_odd_answers_end_in_one_line_and_exit_1(
    fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    status, body, content_type, extra = ODD_ANSWERS[case]
    _raw(fake_api, status, body, content_type)
    code, _, err = run_main(capsys, "chat", "Hi", "--max-retries", "0", "--base-url", fake_api.url, *extra)

    assert code == 1
    line = one_error_line(err)
    assert "\x1b" not in line
    if b"owned" in body:
        # The OSC went with the filter, or is quoted as escaped text in the body's excerpt: never executed.
        assert "owned" not in line or "\\x1b]0;owned" in line


def test_debug_shows_the_traceback_of_an_unreadable_answer(
    fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    _raw(fake_api, 200, b"[1, 2]", "application/json")
    code, _, err = run_main(capsys, "--debug", "chat", "Hi", "--no-stream", "--base-url", fake_api.url)

    assert code == 1
    assert "Traceback (most recent call last)" in err
    last = err.splitlines()[-1]
    assert last.startswith("aimlapi-haystack: error: The server answered 200 (application/json)")
    assert "not a chat completion" in last and "[1, 2]" in last


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts connections (the kernel completes them from the backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        listener.close()


def test_a_server_that_never_answers_times_out_in_one_line(silent_server: str) -> None:
    result = run_cli("chat", "Hi", "--timeout", "0.5", "--base-url", silent_server)

    assert result.returncode == 1
    assert f"No answer from {silent_server} within the timeout" in one_error_line(result.stderr)


def test_a_refused_connection_is_one_line(closed_port_url: str) -> None:
    result = run_cli("balance", "--base-url", closed_port_url)

    assert result.returncode == 1
    assert f"Could not connect to {closed_port_url}" in one_error_line(result.stderr)
    assert TEST_KEY not in result.stderr


def test_a_base_url_without_v1_gets_the_hint_in_one_line(
    fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    root = f"http://127.0.0.1:{fake_api.port}"
    code, _, err = run_main(capsys, "chat", "Hi", "--max-retries", "0", "--base-url", root)

    assert code == 1
    assert f"try {root}/v1 as the base URL" in one_error_line(err)
