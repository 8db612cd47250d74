# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The servers the benchmarks talk to, each in its own process on 127.0.0.1.

A separate process keeps the server's CPU time out of `time.process_time()` in the benchmark process, which is
what makes "client CPU per request" measurable at all.

Usage example:
```python
with LLMockServer(latency_ms=200) as server:
    server.scenario({"type": "reply", "text": "Hi", "times": None})
    print(server.url)  # http://127.0.0.1:PORT/v1
```
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _http(method: str, url: str, payload: Any = None, timeout: float = 10.0) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
    return json.loads(body) if body else None


class _ServerProcess:
    """A server subprocess that answers `GET /health` once it is ready."""

    name = "server"

    def __init__(self, command: list[str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/v1"
        self._command = [part.replace("{port}", str(self.port)) for part in command]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        env = {**os.environ, "NO_COLOR": "1"}
        self.process = subprocess.Popen(
            self._command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=HERE
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {stderr}")
            try:
                _http("GET", f"{self.base}/health", timeout=1)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /health within 30 s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class LLMockServer(_ServerProcess):
    """
    `llmock serve` on a free port, driven through its `/_llmock` control API.

    :param latency_ms: Added before every response (`--latency-ms`).
    :param chunk_delay_ms: Pause between streamed chunks (`--stream-chunk-delay-ms`), as real models send them.
    """

    name = "llmock"

    def __init__(self, *, latency_ms: int = 0, chunk_delay_ms: int = 0) -> None:
        executable = shutil.which("llmock", path=str(Path(sys.executable).parent)) or shutil.which("llmock")
        if executable is None:
            raise RuntimeError("llmock is not installed in this environment: pip install -e '.[test]'")
        command = [executable, "serve", "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning"]
        if latency_ms:
            command += ["--latency-ms", str(latency_ms)]
        if chunk_delay_ms:
            command += ["--stream-chunk-delay-ms", str(chunk_delay_ms)]
        super().__init__(command)

    def scenario(self, *behaviors: dict[str, Any]) -> None:
        """Queue behaviours (`{"type": "reply", ...}`, `slow_first_token`, ...); `"times": None` makes one stay."""
        _http("POST", f"{self.base}/_llmock/scenario", {"behaviors": list(behaviors)})

    def forget_requests(self) -> None:
        """Empty the request journal, which otherwise grows with every request of a long run."""
        _http("DELETE", f"{self.base}/_llmock/requests")

    def requests(self) -> list[dict[str, Any]]:
        return list(_http("GET", f"{self.base}/_llmock/requests")["requests"])


class ReasoningStreamServer(_ServerProcess):
    """
    `reasoning_stream_server.py`: streams reasoning, text and tool-call deltas, which llmock cannot.

    :param reasoning_chunks: Reasoning deltas per reply.
    :param text_chunks: Text deltas per reply.
    :param tool_calls: Tool calls per reply.
    :param argument_chunks: Argument fragments per tool call.
    """

    name = "reasoning stream server"

    def __init__(
        self, *, reasoning_chunks: int = 300, text_chunks: int = 100, tool_calls: int = 2, argument_chunks: int = 50
    ) -> None:
        command = [
            sys.executable,
            str(HERE / "reasoning_stream_server.py"),
            "--port",
            "{port}",
            "--reasoning-chunks",
            str(reasoning_chunks),
            "--text-chunks",
            str(text_chunks),
            "--tool-calls",
            str(tool_calls),
            "--argument-chunks",
            str(argument_chunks),
        ]
        super().__init__(command)
        self.chunks_per_reply = 1 + reasoning_chunks + text_chunks + tool_calls * (1 + argument_chunks) + 2
