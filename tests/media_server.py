# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A small AI/ML API-shaped server on 127.0.0.1 for the media endpoints: OCR, speech-to-text jobs, text-to-speech,
audio downloads, and embeddings and chat for the indexing example.

Tests script it through attributes: the status sequence of each new speech-to-text job, connections to drop,
a delay per poll, failing documents. Every request is journaled with its headers and body.
"""

import hashlib
import io
import json
import math
import re
import socket
import struct
import threading
import time
import wave
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "media"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def tiny_wav(seconds: float = 0.05, rate: int = 8000) -> bytes:
    """A valid mono 16-bit WAV file of a short tone."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        frames = int(seconds * rate)
        writer.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(frames)))
    return buffer.getvalue()


def tiny_pdf(pages: int = 1) -> bytes:
    """A minimal PDF with `pages` empty pages: enough for type sniffing and page counting."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + index} 0 R" for index in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objects.extend(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>" for _ in range(pages))
    body = b"%PDF-1.4\n"
    for number, content in enumerate(objects, start=1):
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


MP3_BYTES = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 32


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class MediaServerState:
    """What the next requests get. Reset between tests."""

    stt_statuses: list[str] = field(default_factory=lambda: ["queued", "generating", "completed"])
    stt_result: dict[str, Any] = field(default_factory=lambda: fixture("stt_poll_completed_deepgram.json")["result"])
    stt_payload_key: str = "result"
    stt_error: dict[str, Any] = field(default_factory=lambda: {"name": "AudioError", "message": "cannot decode audio"})
    drop_polls: int = 0
    drop_submits: int = 0
    poll_delay: float = 0.0
    refuse_upload_field: str | None = None
    ocr_fail_marker: str | None = None
    drop_ocr: int = 0
    # "auto": JSON URL for OpenAI-style models, raw audio for the others; "json"; "truncated": half a WAV file
    tts_mode: str = "auto"
    requests: list[Recorded] = field(default_factory=list)
    jobs: dict[str, list[str]] = field(default_factory=dict)
    next_job: int = 0


def _embedding(text: str, dimensions: int = 32) -> list[float]:
    vector = [0.0] * dimensions
    for word in re.findall(r"[a-z]+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % dimensions] += 1.0  # noqa: S324
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    # --- plumbing ----------------------------------------------------------------------------------------------

    def _record(self) -> Recorded:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        with self.server.lock:
            self.server.state.requests.append(recorded)
        return recorded

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _error(self, status: int, message: str) -> None:
        self._json(
            status,
            {"message": message, "path": self.path, "requestId": "req-1", "statusCode": status, "timestamp": "now"},
        )

    def _drop(self) -> None:
        """Closes the connection without an answer, as a crashed proxy would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # --- routes ------------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        recorded = self._record()
        if recorded.path.startswith("/v1/stt/"):
            self._poll(recorded.path.removeprefix("/v1/stt/"))
        elif recorded.path == "/files/speech.mp3":
            self._send(200, MP3_BYTES, "application/octet-stream")
        elif recorded.path == "/files/not-audio":
            self._send(200, b"<html>nope</html>", "text/html")
        else:
            self._error(404, f"Cannot GET {recorded.path}")

    def do_POST(self) -> None:
        recorded = self._record()
        routes = {
            "/v1/stt/create": self._submit,
            "/v1/ocr": self._ocr,
            "/v1/tts": self._tts,
            "/v1/embeddings": self._embeddings,
            "/v1/chat/completions": self._chat,
        }
        route = routes.get(recorded.path)
        if route is None:
            self._error(404, f"Cannot POST {recorded.path}")
        else:
            route(recorded)

    def _submit(self, recorded: Recorded) -> None:
        state = self.server.state
        with self.server.lock:
            if state.drop_submits > 0:
                state.drop_submits -= 1
                self._drop()
                return
            content_type = recorded.headers.get("content-type", "")
            if state.refuse_upload_field and f'name="{state.refuse_upload_field}"' in recorded.body.decode("latin-1"):
                self._error(400, f"Body validation error! Unexpected field {state.refuse_upload_field}")
                return
            if "json" not in content_type and "multipart" not in content_type:
                self._error(400, "Body validation error!")
                return
            state.next_job += 1
            job_id = f"gen-{state.next_job}"
            state.jobs[job_id] = list(state.stt_statuses)
        self._json(201, {"generation_id": job_id}, {"x-inference-id": job_id})

    def _poll(self, job_id: str) -> None:
        state = self.server.state
        if state.poll_delay:
            time.sleep(state.poll_delay)
        with self.server.lock:
            if state.drop_polls > 0:
                state.drop_polls -= 1
                self._drop()
                return
            statuses = state.jobs.get(job_id)
            if statuses is None:
                self._error(404, f"Generation {job_id} not found")
                return
            status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        if status == "completed":
            self._json(200, {"id": job_id, "status": "completed", state.stt_payload_key: state.stt_result})
        elif status == "error":
            self._json(200, {"id": job_id, "status": "error", "error": state.stt_error})
        else:
            self._json(200, {"id": job_id, "status": status})

    def _ocr(self, recorded: Recorded) -> None:
        state = self.server.state
        with self.server.lock:
            if state.drop_ocr > 0:
                state.drop_ocr -= 1
                self._drop()
                return
        body = recorded.json()
        document = body.get("document")
        text = json.dumps(document)
        if state.ocr_fail_marker and state.ocr_fail_marker in text:
            self._error(400, "Could not read the document")
            return
        if "glm" in body.get("model", ""):
            answer = fixture("ocr_glm.json")
        elif isinstance(document, dict) and document.get("type") == "image_url":
            answer = fixture("ocr_mistral_image.json")
        else:
            answer = fixture("ocr_mistral_pdf.json")
        self._json(200, answer, {"x-aimlapi-credits-used": "2000", "x-aimlapi-usd-spent": "0.001"})

    def _tts(self, recorded: Recorded) -> None:
        body = recorded.json()
        model = str(body.get("model", ""))
        as_json = self.server.state.tts_mode == "json" or (
            self.server.state.tts_mode == "auto" and model.startswith(("openai/", "minimax/"))
        )
        if as_json:
            self._json(
                200,
                {
                    "audio": {"url": f"{self._base()}/files/speech.mp3"},
                    "meta": {"usage": {"credits_used": 3000, "usd_spent": 0.0015}},
                },
            )
        elif self.server.state.tts_mode == "truncated":
            # Promises the whole file, sends half of it, and hangs up.
            audio = tiny_wav()
            self.send_response(200)
            self.send_header("content-type", "audio/wav")
            self.send_header("content-length", str(len(audio)))
            self.end_headers()
            self.wfile.write(audio[: len(audio) // 2])
            self.wfile.flush()
            self._drop()
        else:
            self._send(200, tiny_wav(), "audio/wav")

    def _embeddings(self, recorded: Recorded) -> None:
        body = recorded.json()
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": _embedding(text)} for i, text in enumerate(inputs)]
        self._json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 3, "total_tokens": 3},
                "meta": {"usage": {"credits_used": 10, "usd_spent": 0.000005}},
            },
        )

    def _chat(self, recorded: Recorded) -> None:
        body = recorded.json()
        prompt = body["messages"][-1]["content"]
        if isinstance(prompt, list):
            prompt = " ".join(part.get("text", "") for part in prompt if isinstance(part, dict))
        context = prompt.split("Context:", 1)[-1].strip().splitlines()
        answer = f"From the documents: {context[0] if context else ''}"
        self._json(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: MediaServerState
    lock: threading.Lock


class MediaServer:
    """Runs the server on a free port of 127.0.0.1 in a background thread."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = MediaServerState()
        self._server.lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def state(self) -> MediaServerState:
        return self._server.state

    def reset(self) -> MediaServerState:
        self._server.state = MediaServerState()
        return self._server.state

    def requests(self, path_prefix: str = "") -> list[Recorded]:
        with self._server.lock:
            return [request for request in self._server.state.requests if request.path.startswith(path_prefix)]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
