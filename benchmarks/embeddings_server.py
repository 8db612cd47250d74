# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A lean OpenAI-shaped `/v1/embeddings` server for benchmarks: standard library only, 127.0.0.1, a fixed latency
per request and next to no CPU.

Every response body is built once per (model, number of inputs, dimensions, encoding) and then replayed as bytes,
so the server's own work per request is reading the request and sleeping. It honours `dimensions` (default 1536)
and `encoding_format` (`float`, the API's default, or `base64`: little-endian float32), and adds AI/ML API's
`meta.usage` cost block. `GET /health` answers 200 once it is listening.

Usage:
```bash
python benchmarks/embeddings_server.py --port 8765 --latency-ms 100
# prints: listening on http://127.0.0.1:8765/v1
```
"""

import argparse
import asyncio
import base64
import contextlib
import json
import math
import sys
from array import array

DEFAULT_DIMENSIONS = 1536
MAX_DIMENSIONS = 8192
# Tokens and credits charged per input: fixed, so that responses can be built once.
TOKENS_PER_INPUT = 8
CREDITS_PER_INPUT = 4
CREDITS_PER_USD = 2_000_000


def _vector(dimensions: int, seed: int) -> array:
    """A unit-length float32 vector that differs per seed."""
    values = array("f", (math.sin(seed * 7.31 + i * 0.37) for i in range(dimensions)))
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return array("f", (v / norm for v in values))


class EmbeddingsResponses:
    """Response bodies, built on first use and reused byte for byte afterwards."""

    def __init__(self) -> None:
        self._bodies: dict[tuple[str, int, int, str], bytes] = {}

    def body(self, model: str, inputs: int, dimensions: int, encoding: str) -> bytes:
        key = (model, inputs, dimensions, encoding)
        cached = self._bodies.get(key)
        if cached is None:
            cached = self._bodies[key] = self._build(*key)
        return cached

    @staticmethod
    def _build(model: str, inputs: int, dimensions: int, encoding: str) -> bytes:
        data = []
        for index in range(inputs):
            vector = _vector(dimensions, index)
            if encoding == "base64":
                if sys.byteorder == "big":
                    vector.byteswap()
                embedding: object = base64.b64encode(vector.tobytes()).decode("ascii")
            else:
                # Nine significant digits, like OpenAI's float responses: enough to give back the float32 exactly.
                embedding = [float(f"{value:.9g}") for value in vector]
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        tokens = inputs * TOKENS_PER_INPUT
        credits_used = inputs * CREDITS_PER_INPUT
        body = {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "meta": {"usage": {"credits_used": credits_used, "usd_spent": credits_used / CREDITS_PER_USD}},
        }
        return json.dumps(body, separators=(",", ":")).encode()


def _error(status: int, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"message": message, "statusCode": status}).encode()


class EmbeddingsServer:
    """The HTTP/1.1 server: keep-alive connections, one request at a time per connection."""

    def __init__(self, latency_ms: float) -> None:
        self.latency = latency_ms / 1000.0
        self.responses = EmbeddingsResponses()
        self.requests_served = 0

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:  # noqa: PLR0911
        if method == "GET" and path.rstrip("/") in ("/health", "/v1/health"):
            return 200, b'{"status":"ok"}'
        if method != "POST" or not path.rstrip("/").endswith("/embeddings"):
            return _error(404, f"no route for {method} {path}")
        try:
            request = json.loads(body)
        except ValueError:
            return _error(400, "Body validation error! The body is not JSON.")
        raw_input = request.get("input") if isinstance(request, dict) else None
        inputs = [raw_input] if isinstance(raw_input, str) else raw_input
        if not isinstance(inputs, list) or not inputs:
            return _error(400, "Body validation error! 'input' must be a string or a non-empty list.")
        dimensions = request.get("dimensions", DEFAULT_DIMENSIONS)
        if not isinstance(dimensions, int) or not 0 < dimensions <= MAX_DIMENSIONS:
            return _error(400, f"Body validation error! 'dimensions' must be 1..{MAX_DIMENSIONS}.")
        encoding = request.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            return _error(400, "Body validation error! 'encoding_format' must be 'float' or 'base64'.")
        model = str(request.get("model", "text-embedding-3-small"))
        self.requests_served += 1
        return 200, self.responses.body(model, len(inputs), dimensions, encoding)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _version = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                status, payload = self.answer(method, path.split("?", 1)[0], body)
                if method == "POST":
                    await asyncio.sleep(self.latency)
                close = headers.get("connection", "").lower() == "close"
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"content-type: application/json\r\ncontent-length: {len(payload)}\r\n"
                    f"connection: {'close' if close else 'keep-alive'}\r\n\r\n".encode("latin-1")
                    + payload
                )
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def serve(host: str, port: int, latency_ms: float) -> None:
    server = EmbeddingsServer(latency_ms)
    listener = await asyncio.start_server(server.handle, host, port, limit=2**24, backlog=1024)
    bound_port = listener.sockets[0].getsockname()[1]
    print(f"listening on http://{host}:{bound_port}/v1", flush=True)
    async with listener:
        await listener.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port; the URL is printed on start")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="added to every POST before it is answered")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.latency_ms))


if __name__ == "__main__":
    main()
