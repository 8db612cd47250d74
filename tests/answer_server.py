# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A server on 127.0.0.1 that answers each request with a function from `httpx.Request` to `httpx.Response`.

It puts the tests' mock-transport handlers (such as the Batch API's `BatchAPI.answer`) behind a real socket, so code
that only reads `AIMLAPI_BASE_URL`, as a reader's does, can run unchanged against them.
"""

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Answer = Callable[[httpx.Request], httpx.Response]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        host, port = self.server.server_address[:2]
        request = httpx.Request(
            self.command,
            f"http://{host}:{port}{self.path}",
            headers=dict(self.headers),
            content=self.rfile.read(length),
        )
        with self.server.lock:  # the handlers keep queues and records that are not thread-safe
            response = self.server.answer(request)
        body = response.content
        self.send_response(response.status_code)
        self.send_header("content-type", response.headers.get("content-type", "application/json"))
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # the name http.server calls
        self._answer()

    def do_POST(self) -> None:  # the name http.server calls
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # the base class's name
        pass  # quiet: the tests assert on the recorded requests instead


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    answer: Answer
    lock: threading.Lock


class AnswerServer:
    """Runs in a background thread on a free port until `stop`; `answer` may be swapped between requests."""

    def __init__(self, answer: Answer) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.answer = answer
        self._server.lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def answer(self) -> Answer:
        return self._server.answer

    @answer.setter
    def answer(self, answer: Answer) -> None:
        with self._server.lock:
            self._server.answer = answer

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
