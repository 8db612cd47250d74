# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Running the `aimlapi-haystack` console script, and a small AI/ML API-shaped HTTP server to run it against."""

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from haystack_integrations.cli.aimlapi import main

MODULE = "haystack_integrations.cli.aimlapi"


def cli_command() -> list[str]:
    """The installed entry point next to the interpreter, or `python -m` when the script is not installed."""
    script = Path(sys.executable).parent / "aimlapi-haystack"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", MODULE]


def run_cli(
    *args: str, env: dict[str, str | None] | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """
    Runs the console script in a subprocess with the test's environment (which the autouse fixture made
    hermetic), no colour, no retries, plus `env` (a `None` value removes the variable).
    """
    environment = {**os.environ, "NO_COLOR": "1", "AIMLAPI_MAX_RETRIES": "0", "PYTHONIOENCODING": "utf-8"}
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [*cli_command(), *args],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_main(capsys: Any, *args: str) -> tuple[int, str, str]:
    """Runs the command line in this process (faster than a subprocess); returns exit code, stdout and stderr."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class FakeAIMLAPI:
    """
    A stdlib HTTP server on 127.0.0.1, in a thread, answering with AI/ML API-shaped bodies set per path.

    `answer("GET", "/v1/models", 200, body)` sets an answer; unknown paths get AI/ML API's 404 body. Every request
    is recorded in `requests`, with lower-cased header names.
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._answers: dict[tuple[str, str], _Answer] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                server.requests.append(
                    Recorded(
                        method=self.command,
                        path=parts.path,
                        query=parts.query,
                        headers={name.lower(): value for name, value in self.headers.items()},
                        body=json.loads(raw) if raw else None,
                    )
                )
                answer = server._answers.get((self.command, parts.path)) or _Answer(
                    404,
                    json.dumps({"message": f"Cannot {self.command} {parts.path}", "statusCode": 404}).encode(),
                    {"content-type": "application/json"},
                )
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = _handle  # noqa: N815
            do_POST = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep the test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, method: str, path: str, status: int, body: Any, *, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, bytes | str):
            content = body.encode() if isinstance(body, str) else body
            content_type = "text/event-stream"
        else:
            content = json.dumps(body).encode()
            content_type = "application/json"
        self._answers[(method, path)] = _Answer(status, content, {"content-type": content_type, **(headers or {})})

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def run_cli_on_terminal(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, str, str]:
    """
    Runs the console script with its stdout on a pseudo-terminal (so `isatty()` is true), stderr on a pipe.

    Returns the exit code, what the terminal received (its `\\r\\n` line ends turned back into `\\n`) and stderr.
    """
    import pty  # noqa: PLC0415  # POSIX only; imported where it is used

    controller, terminal = pty.openpty()
    environment = {
        **os.environ,
        "NO_COLOR": "1",
        "AIMLAPI_MAX_RETRIES": "0",
        "PYTHONIOENCODING": "utf-8",
        **(env or {}),
    }
    process = subprocess.Popen(
        [*cli_command(), *args],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
    )
    os.close(terminal)
    received = bytearray()
    while True:
        try:
            data = os.read(controller, 4096)
        except OSError:  # EIO: the other end closed
            break
        if not data:
            break
        received.extend(data)
    _, stderr = process.communicate(timeout=timeout)
    os.close(controller)
    return process.returncode, received.decode("utf-8").replace("\r\n", "\n"), stderr.decode("utf-8")
