# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A stdlib-only chat-completions server that streams reasoning, text and tool-call deltas.

llmock streams text and tool calls but no reasoning, so the workload that exercises reasoning deltas talks to this
instead. Every reply is the same, shaped like a reasoning model behind AI/ML API: `delta.reasoning_content`
deltas, then text, then tool calls whose id and name come in the first delta and whose arguments follow in
fragments, a finish chunk, and a usage chunk carrying AI/ML API's `meta.usage` cost block.

Usage example:
```bash
python benchmarks/reasoning_stream_server.py --port 8123 --reasoning-chunks 300
curl -N http://127.0.0.1:8123/v1/chat/completions -d '{"model": "m", "stream": true, "messages": []}'
```
"""

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "deepseek/deepseek-r1"


def _event(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    event = f"data: {data}\n\n".encode()
    # One HTTP chunk per event, so the client receives them as a real stream does.
    return f"{len(event):x}\r\n".encode() + event + b"\r\n"


def build_stream(*, reasoning_chunks: int, text_chunks: int, tool_calls: int, argument_chunks: int) -> list[bytes]:
    """The reply's events, each already framed as an HTTP/1.1 chunk."""

    def chunk(delta: dict[str, Any] | None, finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1_764_000_000,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish_reason}],
        }

    events = [_event(chunk({"role": "assistant", "content": ""}))]
    events += [_event(chunk({"reasoning_content": f"step{i} "})) for i in range(reasoning_chunks)]
    events += [_event(chunk({"content": f"word{i} "})) for i in range(text_chunks)]
    for position in range(tool_calls):
        arguments = json.dumps({"city": f"City {position}", "notes": "x" * (argument_chunks * 8)})
        size = -(-len(arguments) // argument_chunks)
        fragments = [arguments[i : i + size] for i in range(0, len(arguments), size)]
        fragments += [""] * (argument_chunks - len(fragments))  # keep the chunk count exact
        first = {"index": position, "id": f"call_{position}", "type": "function"}
        events.append(_event(chunk({"tool_calls": [{**first, "function": {"name": "get_weather", "arguments": ""}}]})))
        events += [
            _event(chunk({"tool_calls": [{"index": position, "function": {"arguments": fragment}}]}))
            for fragment in fragments
        ]
    events.append(_event(chunk({}, "tool_calls" if tool_calls else "stop")))
    usage = {"prompt_tokens": 12, "completion_tokens": len(events), "total_tokens": 12 + len(events)}
    events.append(
        _event(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion.chunk",
                "created": 1_764_000_000,
                "model": MODEL,
                "choices": [],
                "usage": usage,
                "meta": {"usage": {"credits_used": 1234, "usd_spent": 0.000617}},
            }
        )
    )
    events.append(_event("[DONE]"))
    return events


def make_handler(events: list[bytes]) -> type[BaseHTTPRequestHandler]:
    body_end = b"0\r\n\r\n"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real API server

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Silent: a log line per request would cost the machine CPU the benchmark is measuring."""

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/health":
                self._json(200, {"status": "ok"})
            else:
                self._json(404, {"message": f"no route {self.path}"})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if self.path != "/v1/chat/completions" or not request.get("stream"):
                self._json(400, {"message": "this server only streams chat completions", "statusCode": 400})
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            for event in events:
                self.wfile.write(event)
            self.wfile.write(body_end)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--reasoning-chunks", type=int, default=300)
    parser.add_argument("--text-chunks", type=int, default=100)
    parser.add_argument("--tool-calls", type=int, default=2)
    parser.add_argument("--argument-chunks", type=int, default=50)
    args = parser.parse_args()
    events = build_stream(
        reasoning_chunks=args.reasoning_chunks,
        text_chunks=args.text_chunks,
        tool_calls=args.tool_calls,
        argument_chunks=args.argument_chunks,
    )
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(events))
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
