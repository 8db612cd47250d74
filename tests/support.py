# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Test doubles shared by every test module: a recording HTTP transport and an llmock process."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
from haystack.tools import Tool

FIXTURES = Path(__file__).parent / "fixtures"


def add(a: int, b: int) -> int:
    return a + b


ADD_TOOL = Tool(
    name="add",
    description="Add two integers",
    parameters={
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
    function=add,
)
"""A tool llmock's tool-calling replies can call: `{"name": "add", "arguments": {"a": ..., "b": ...}}`."""


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_text(name))


def sse_body(chunks: Iterable[dict[str, Any] | str], *, done: bool = True) -> bytes:
    """A text/event-stream body: one `data:` event per chunk (dicts as JSON), then `[DONE]` unless `done=False`."""
    lines = [f"data: {chunk if isinstance(chunk, str) else json.dumps(chunk)}\n\n" for chunk in chunks]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def sse_response(body: bytes | str, status: int = 200) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers={"content-type": "text/event-stream"})


Responder = httpx.Response | Callable[[httpx.Request], httpx.Response]


class MockAPI:
    """
    An `httpx.MockTransport` that records every request and answers from a queue of responses.

    Use `transport()` for a sync client and `async_transport()` for an async one, e.g.
    `http_client_kwargs={"transport": api.transport()}`. When the queue holds one response it is reused.
    """

    def __init__(self, *responses: Responder) -> None:
        self.requests: list[httpx.Request] = []
        self._responses = list(responses)

    def queue(self, *responses: Responder) -> None:
        self._responses.extend(responses)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self._responses:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        responder = self._responses.pop(0) if len(self._responses) > 1 else self._responses[0]
        return responder(request) if callable(responder) else responder

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._answer)

    def async_transport(self) -> httpx.MockTransport:
        async def answer(request: httpx.Request) -> httpx.Response:
            await request.aread()
            return self._answer(request)

        return httpx.MockTransport(answer)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> dict[str, Any]:
        return json.loads(self.requests[index].content)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LLMock:
    """An llmock server in its own process on 127.0.0.1, driven through its `/_llmock` control API."""

    def __init__(self, *extra_args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/v1"
        executable = shutil.which("llmock", path=str(Path(sys.executable).parent)) or shutil.which("llmock")
        if executable is None:
            raise RuntimeError("llmock is not installed: pip install -e '.[test]'")
        command = [executable, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        env = {**os.environ, "NO_COLOR": "1"}
        self.process = subprocess.Popen(
            [*command, *extra_args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        self._wait_until_healthy()

    def _wait_until_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"llmock exited with {self.process.returncode}: {stderr}")
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("llmock did not become healthy within 30 s")

    def reset(self) -> None:
        httpx.post(f"{self.base}/_llmock/reset", timeout=5).raise_for_status()

    def scenario(self, *behaviors: dict[str, Any]) -> None:
        httpx.post(f"{self.base}/_llmock/scenario", json={"behaviors": list(behaviors)}, timeout=5).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.base}/_llmock/requests", timeout=10)
        response.raise_for_status()
        return response.json()["requests"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
