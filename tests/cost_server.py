# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A small AI/ML API-shaped chat server on 127.0.0.1 that states a cost for every answer, as AI/ML API does:
`meta.usage {credits_used, usd_spent}` in a JSON body or in the last chunk of a stream, `x-aimlapi-*` cost headers
on JSON answers, and an `x-inference-id` header on every answer.

It plays a script of turns, one per request (the last one repeats), so that an Agent can be driven through a run of
tool calls and a final text.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREDITS_PER_USD = 2_000_000


@dataclass
class Turn:
    """One answer: a tool call (`tool` and `arguments`) or a text, and what it costs."""

    credits: int
    text: str | None = None
    tool: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    report_cost: bool = True
    # Stream only: after the chunk that states the cost, send an error event instead of finishing.
    break_after_cost: bool = False

    @property
    def usd(self) -> float:
        return self.credits / CREDITS_PER_USD


@dataclass
class Recorded:
    body: dict[str, Any]
    headers: dict[str, str]


class CostServer:
    """The server: `url` for `api_base_url`, `play(...)` to script it, `requests` for what it received."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._turns: list[Turn] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                number, turn = server._next(body, dict(self.headers.items()))
                if body.get("stream"):
                    self._stream(number, turn, body)
                else:
                    self._json(number, turn, body)

            def _json(self, number: int, turn: Turn, body: dict[str, Any]) -> None:
                completion = {
                    "id": f"chatcmpl-{number}",
                    "object": "chat.completion",
                    "created": 1760523500,
                    "model": body.get("model", "m"),
                    "choices": [{"index": 0, "message": _message(number, turn), "finish_reason": _finish(turn)}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                }
                headers = {"x-inference-id": f"inf-{number}"}
                if turn.report_cost:
                    completion["meta"] = {"usage": {"credits_used": turn.credits, "usd_spent": turn.usd}}
                    headers.update({"x-aimlapi-credits-used": str(turn.credits), "x-aimlapi-usd-spent": str(turn.usd)})
                payload = json.dumps(completion).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, number: int, turn: Turn, body: dict[str, Any]) -> None:
                base = {"id": f"chatcmpl-{number}", "object": "chat.completion.chunk", "created": 1760523600}
                base["model"] = body.get("model", "m")
                message = _message(number, turn)
                delta: dict[str, Any] = {"role": "assistant", "content": message["content"]}
                if message.get("tool_calls"):
                    call = message["tool_calls"][0]
                    delta["tool_calls"] = [{"index": 0, **call}]
                last: dict[str, Any] = {**base, "choices": [], "usage": {"prompt_tokens": 10, "total_tokens": 15}}
                if turn.report_cost:
                    last["meta"] = {"usage": {"credits_used": turn.credits, "usd_spent": turn.usd}}
                events = [
                    {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                    {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": _finish(turn)}]},
                    last,
                ]
                lines = [f"data: {json.dumps(event)}\n\n" for event in events]
                if turn.break_after_cost:
                    error = {"message": "Upstream connection lost", "statusCode": 502, "path": "/v1/chat/completions"}
                    lines.append(f"data: {json.dumps(error)}\n\n")
                else:
                    lines.append("data: [DONE]\n\n")
                payload = "".join(lines).encode()
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("content-length", str(len(payload)))
                self.send_header("x-inference-id", f"inf-{number}")
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def play(self, *turns: Turn) -> None:
        with self._lock:
            self._turns = list(turns)
            self.requests.clear()

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Turn]:
        with self._lock:
            self.requests.append(Recorded(body=body, headers={k.lower(): v for k, v in headers.items()}))
            number = len(self.requests)
            turn = self._turns.pop(0) if len(self._turns) > 1 else self._turns[0]
            return number, turn

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _message(number: int, turn: Turn) -> dict[str, Any]:
    if turn.tool is None:
        return {"role": "assistant", "content": turn.text or "done"}
    call = {
        "id": f"call_{number}",
        "type": "function",
        "function": {"name": turn.tool, "arguments": json.dumps(turn.arguments)},
    }
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _finish(turn: Turn) -> str:
    return "tool_calls" if turn.tool is not None else "stop"


def main() -> None:
    """Serve a runaway tool loop until killed, printing the URL: for running the examples by hand."""
    server = CostServer()
    server.play(Turn(credits=5_000, tool="add", arguments={"a": 1, "b": 2}))
    print(server.url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
