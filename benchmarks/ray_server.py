# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
An AI/ML API-shaped server on 127.0.0.1 for the Ray tests and benchmarks: `/v1/embeddings` and
`/v1/chat/completions`, standard library only, with a concurrency limit that answers 429 with `Retry-After`, and an
account of what it charged.

- Embeddings: each text's vector is `vector_for(text)` (so a test can check every row got its own), in `float` or
  `base64`; a request with a text containing `FAIL` is refused with 400 in AI/ML API's error shape. Charges
  `credits_for(texts)` per request, in `meta.usage`.
- Chat: replies `echo: <last user text>`, or, when a JSON schema `response_format` is asked for, a JSON object that
  follows it; usage and `meta.usage` cost on every reply. With `--chat-limit N`, a request arriving while N are
  being answered gets 429 with `Retry-After` (AI/ML API's concurrency limit), and is not charged.
- `GET /_stats` returns what was served: requests, 429s, charges, embedded texts, and the concurrency each chat
  request found on arrival. `POST /_reset` clears it (its JSON body may set `chat_limit`, `retry_after`,
  `latency_ms`).

Usage:
```bash
python benchmarks/ray_server.py --port 0 --latency-ms 20 --chat-limit 8
# prints: listening on http://127.0.0.1:PORT/v1
```
"""

import argparse
import asyncio
import base64
import contextlib
import json
import threading
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Iterator
from typing import Any

CREDITS_PER_USD = 2_000_000


def vector_for(text: str) -> list[float]:
    """The embedding the server gives `text`: different per text, exact in float32."""
    return [float(zlib.crc32(text.encode()) % 10007), float(len(text)), 0.5, -0.25]


def credits_for(texts: list[str]) -> int:
    """What an embeddings request costs: 2 credits per text and 1 per 10 characters, so batches differ."""
    return 2 * len(texts) + sum(len(text) for text in texts) // 10


def _example(schema: dict[str, Any], text: str) -> Any:
    kind = schema.get("type")
    if kind == "object":
        return {name: _example(sub, text) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "integer":
        return len(text)
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [_example(schema.get("items") or {}, text)]
    return text[:20]


def _error(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    body = {"message": message, "path": "/v1", "statusCode": status, "timestamp": "2026-01-01T00:00:00.000Z"}
    return status, {}, json.dumps(body).encode()


class Account:
    """What the server did, under a lock: the Ray tests read it from another thread."""

    def __init__(self, *, latency_ms: float, chat_limit: int | None, retry_after: float) -> None:
        self.latency = latency_ms / 1000.0
        self.chat_limit = chat_limit
        self.retry_after = retry_after
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.embedded: Counter[str] = Counter()
        self.credits = 0
        self.usd = 0.0
        self.requests = 0
        self.throttled = 0
        self.chat_in_flight = 0
        # One entry per chat request: (arrival order, concurrency on arrival including itself, status).
        self.arrivals: list[tuple[int, int, int]] = []
        # When the first request arrived and the last one was answered: the time spent serving, without the
        # client's start-up.
        self.first_arrival: float | None = None
        self.last_answer: float | None = None

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "throttled": self.throttled,
                "credits": self.credits,
                "usd": self.usd,
                "embedded": dict(self.embedded),
                "arrivals": list(self.arrivals),
                "serving_seconds": (self.last_answer - self.first_arrival)
                if self.first_arrival is not None and self.last_answer is not None
                else None,
            }

    def charge(self, credits_used: int) -> dict[str, Any]:
        usd = credits_used / CREDITS_PER_USD
        with self.lock:
            self.credits += credits_used
            self.usd += usd
        return {"usage": {"credits_used": credits_used, "usd_spent": usd}}


class Server:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.writers: set[asyncio.StreamWriter] = set()

    def embeddings(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        raw = request.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
            return _error(400, "Body validation error! 'input' must be a string or a non-empty list of strings.")
        if any("FAIL" in text for text in texts):
            return _error(400, "Input rejected by the upstream moderation filter.")
        encoding = request.get("encoding_format", "float")
        data = []
        for index, text in enumerate(texts):
            vector = vector_for(text)
            embedding: Any = base64.b64encode(array("f", vector).tobytes()).decode() if encoding == "base64" else vector
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        with self.account.lock:
            self.account.embedded.update(texts)
        tokens = sum(len(text.split()) for text in texts)
        body = {
            "object": "list",
            "data": data,
            "model": request.get("model", "text-embedding-3-small"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "meta": self.account.charge(credits_for(texts)),
        }
        return 200, {}, json.dumps(body).encode()

    def chat(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        messages = request.get("messages") or []
        user = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        content = user[-1].get("content") if user else ""
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        text = str(content)
        response_format = request.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            reply = json.dumps(_example(response_format["json_schema"].get("schema") or {}, text))
        else:
            reply = f"echo: {text}"
        prompt_tokens = len(text.split()) + 1
        completion_tokens = len(reply.split())
        body = {
            "id": "chatcmpl-ray",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": request.get("model", "openai/gpt-4o-mini"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "meta": self.account.charge(10 + len(text)),
        }
        return 200, {}, json.dumps(body).encode()

    async def answer(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        account = self.account
        if method == "GET" and path.rstrip("/") in ("/health", "/_stats"):
            return 200, {}, json.dumps(account.stats() if path.startswith("/_stats") else {"status": "ok"}).encode()
        if method == "POST" and path == "/_reset":
            options = json.loads(body or b"{}")
            with account.lock:
                account.reset()
                account.chat_limit = options.get("chat_limit", account.chat_limit)
                account.retry_after = options.get("retry_after", account.retry_after)
                account.latency = options.get("latency_ms", account.latency * 1000.0) / 1000.0
            return 200, {}, b"{}"
        if method != "POST":
            return _error(404, f"no route for {method} {path}")
        try:
            request = json.loads(body)
        except ValueError:
            return _error(400, "Body validation error! The body is not JSON.")
        with account.lock:
            account.requests += 1
            if account.first_arrival is None:
                account.first_arrival = time.monotonic()
        try:
            return await self._answer_api(path, method, request)
        finally:
            with account.lock:
                account.last_answer = time.monotonic()

    async def _answer_api(self, path: str, method: str, request: Any) -> tuple[int, dict[str, str], bytes]:
        account = self.account
        if path.endswith("/embeddings"):
            await asyncio.sleep(account.latency)
            return self.embeddings(request)
        if not path.endswith("/chat/completions"):
            return _error(404, f"no route for {method} {path}")
        with account.lock:
            order = len(account.arrivals)
            concurrency = account.chat_in_flight + 1
            limit = account.chat_limit
            if limit is not None and concurrency > limit:
                account.throttled += 1
                account.arrivals.append((order, concurrency, 429))
                status, _headers, payload = _error(429, f"Too many concurrent requests: the limit is {limit}.")
                return status, {"retry-after": str(account.retry_after)}, payload
            account.chat_in_flight += 1
            account.arrivals.append((order, concurrency, 200))
        try:
            await asyncio.sleep(account.latency)
            return self.chat(request)
        finally:
            with account.lock:
                account.chat_in_flight -= 1

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
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
                status, extra, payload = await self.answer(method, path.split("?", 1)[0], body)
                extra_lines = "".join(f"{name}: {value}\r\n" for name, value in extra.items())
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"content-type: application/json\r\ncontent-length: {len(payload)}\r\n{extra_lines}"
                    "connection: keep-alive\r\n\r\n".encode("latin-1")
                    + payload
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self.writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@contextlib.contextmanager
def serve_in_thread(
    *, latency_ms: float = 5.0, chat_limit: int | None = None, retry_after: float = 0.2
) -> Iterator[tuple[str, Account]]:
    """Runs the server on a free port of 127.0.0.1 in a thread; yields its `/v1` base URL and its account."""
    account = Account(latency_ms=latency_ms, chat_limit=chat_limit, retry_after=retry_after)
    server = Server(account)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def start() -> None:
        holder["listener"] = await asyncio.start_server(server.handle, "127.0.0.1", 0, limit=2**24, backlog=1024)
        holder["port"] = holder["listener"].sockets[0].getsockname()[1]
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name="ray-test-server", daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{holder['port']}/v1", account
    finally:

        async def stop() -> None:
            # Closing the connections ends their handlers, which read an end of file.
            holder["listener"].close()
            for writer in list(server.writers):
                writer.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            await asyncio.wait(tasks, timeout=5) if tasks else None
            loop.stop()

        asyncio.run_coroutine_threadsafe(stop(), loop)
        thread.join(10)
        loop.close()


async def _serve(host: str, port: int, account: Account) -> None:
    server = Server(account)
    listener = await asyncio.start_server(server.handle, host, port, limit=2**24, backlog=1024)
    print(f"listening on http://{host}:{listener.sockets[0].getsockname()[1]}/v1", flush=True)
    async with listener:
        await listener.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port; the URL is printed on start")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added to every POST before it is answered")
    parser.add_argument("--chat-limit", type=int, default=None, help="chat requests answered at once; more get 429")
    parser.add_argument("--retry-after", type=float, default=0.2, help="Retry-After of a 429, in seconds")
    args = parser.parse_args()
    account = Account(latency_ms=args.latency_ms, chat_limit=args.chat_limit, retry_after=args.retry_after)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, account))


if __name__ == "__main__":
    main()
