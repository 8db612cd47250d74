# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A small HTTP server on 127.0.0.1 that misbehaves the way storage hosts and proxies can: it trickles header bytes,
trickles a body, redirects anywhere, and also answers `POST /v1/images/generations` with a URL of its own.

Written on raw sockets, since no well-behaved server library can be made to send half a header line.
"""

import json
import socket
import threading
import time
from urllib.parse import parse_qs, unquote, urlsplit

from .helpers import RED_PNG

# How long a trickle lasts: long enough to outlast any download_timeout a test sets, short enough that a client
# without an overall bound still finishes.
TRICKLE_BYTES = 40
TRICKLE_INTERVAL = 0.1


class HostileServer:
    """
    Paths:
    - `/red.png`: a PNG, promptly;
    - `/trickle-headers`: the status line, then one header byte every `TRICKLE_INTERVAL` s, then it closes;
    - `/trickle-body`: the headers, then the PNG's bytes padded, one every `TRICKLE_INTERVAL` s;
    - `/redirect?to=<url>`: a 302 to `<url>` exactly as given; `/loop`: a 302 to itself;
    - `POST /v1/images/generations`: `{"data": [{"url": <self.image_url>}]}`.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.image_url = f"{self.base}/red.png"
        self.paths: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            try:
                self._answer(connection)
            except OSError:
                pass  # the client gave up and closed or shut the socket down

    def _read_request(self, connection: socket.socket) -> tuple[str, str, bytes]:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                raise OSError("closed")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(body) < length:
            body += connection.recv(65536)
        return method, target, body

    def _trickle(self, connection: socket.socket, data: bytes) -> None:
        for byte in data:
            if self._stop.is_set():
                return
            connection.sendall(bytes([byte]))
            time.sleep(TRICKLE_INTERVAL)

    def _answer(self, connection: socket.socket) -> None:
        method, target, _ = self._read_request(connection)
        parts = urlsplit(target)
        self.paths.append(parts.path)
        png_head = f"Content-Type: image/png\r\nContent-Length: {len(RED_PNG)}\r\nConnection: close\r\n"
        if method == "POST" and parts.path == "/v1/images/generations":
            body = json.dumps({"data": [{"url": self.image_url}]}).encode()
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            connection.sendall(head.encode() + body)
        elif parts.path == "/red.png":
            connection.sendall(f"HTTP/1.1 200 OK\r\n{png_head}\r\n".encode() + RED_PNG)
        elif parts.path == "/trickle-headers":
            # The headers never end: the connection closes after the trickle. A client bounded only per read sees
            # that close (seconds later); one bounded in all gives up first.
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            self._trickle(connection, b"X-Slow: " + b"a" * TRICKLE_BYTES)
        elif parts.path == "/trickle-body":
            padded = RED_PNG + b"\x00" * TRICKLE_BYTES
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nConnection: close\r\n"
                f"Content-Length: {len(padded)}\r\n\r\n"
            )
            connection.sendall(head.encode() + RED_PNG)
            self._trickle(connection, padded[len(RED_PNG) :])
        elif parts.path == "/redirect":
            location = unquote(parse_qs(parts.query)["to"][0])
            self._redirect(connection, location)
        elif parts.path == "/loop":
            self._redirect(connection, "/loop")
        else:
            connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    @staticmethod
    def _redirect(connection: socket.socket, location: str) -> None:
        head = f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        connection.sendall(head.encode())
