# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A small OpenAI- and AI/ML API-shaped server on 127.0.0.1 that both the parents and our components can talk to.

Every answer is derived from its request, so a test can tell which request an answer belongs to: a chat reply
echoes the last user message, an embedding encodes its input text, an image carries its prompt. A reply that
reached the wrong caller is therefore visible, which the concurrency tests rely on.
"""

import base64
import json
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def text_vector(text: str) -> list[float]:
    """The embedding this server gives `text`: exact in float32, and different for different texts."""
    return [float(len(text)), float(sum(map(ord, text)) % 997), float(zlib.crc32(text.encode()) % 8191)]


def tiny_png(seed: int) -> bytes:
    """A valid 1x1 PNG whose pixel depends on `seed`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixel = bytes([0, seed % 256, (seed // 256) % 256, 7])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(pixel))
        + chunk(b"IEND", b"")
    )


def reply_text(messages: list[dict[str, Any]]) -> str:
    """The text of the reply this server gives to `messages`."""
    last = next((m for m in reversed(messages) if m.get("role") == "user"), {"content": ""})
    content = last.get("content")
    if isinstance(content, list):
        content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return f"echo: {content}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "ContractServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output clean

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("x-request-id", "req-contract")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, body: Any, status: int = 200) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def do_GET(self) -> None:
        # /files/<seed>.png: an image to download.
        self.server.record("GET", self.path, None, dict(self.headers))
        if self.path.startswith("/files/") and self.path.endswith(".png"):
            self._send(200, tiny_png(int(self.path[len("/files/") : -len(".png")])), "image/png")
        else:
            self._json({"message": "not found", "statusCode": 404}, 404)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.record("POST", self.path, body, dict(self.headers))
        if self.path.endswith("/chat/completions"):
            self._chat(body)
        elif self.path.endswith("/embeddings"):
            self._embeddings(body)
        elif self.path.endswith("/images/generations"):
            self._images(body)
        else:
            self._json({"message": f"no route {self.path}", "statusCode": 404}, 404)

    def _chat(self, body: dict[str, Any]) -> None:
        text = reply_text(body.get("messages") or [])
        model = body.get("model", "unknown")
        usage = {"prompt_tokens": 3, "completion_tokens": len(text.split()), "total_tokens": 3 + len(text.split())}
        if not body.get("stream"):
            self._json(
                {
                    "id": "chatcmpl-contract",
                    "object": "chat.completion",
                    "created": 1,
                    "model": model,
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": usage,
                }
            )
            return
        base = {"id": "chatcmpl-contract", "object": "chat.completion.chunk", "created": 1, "model": model}
        words = text.split(" ")
        chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
        chunks += [
            {**base, "choices": [{"index": 0, "delta": {"content": word if i == 0 else " " + word}}]}
            for i, word in enumerate(words)
        ]
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**base, "choices": [], "usage": usage})
        events = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
        self._send(200, events.encode(), "text/event-stream")

    def _embeddings(self, body: dict[str, Any]) -> None:
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        rows = []
        for index, text in enumerate(texts):
            vector = text_vector(text)
            if body.get("encoding_format") == "base64":
                encoded: Any = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            else:
                encoded = vector
            rows.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(text.split()) for text in texts)
        self._json(
            {
                "object": "list",
                "data": rows,
                "model": body.get("model", "unknown"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    def _images(self, body: dict[str, Any]) -> None:
        prompt = str(body.get("prompt", ""))
        seed = zlib.crc32(prompt.encode()) % 65536
        host = self.headers.get("host")
        if body.get("response_format") == "url":
            image: dict[str, Any] = {"url": f"http://{host}/files/{seed}.png"}
        else:
            image = {"b64_json": base64.b64encode(tiny_png(seed)).decode()}
        self._json({"created": 1, "data": [{**image, "revised_prompt": prompt}]})


class ContractServer(ThreadingHTTPServer):
    """The server, started on a free port of 127.0.0.1; `requests` is the journal of what it received."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="contract-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The base URL, as `api_base_url` takes it."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def record(self, method: str, path: str, body: Any, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append({"method": method, "path": path, "body": body, "headers": headers})

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
