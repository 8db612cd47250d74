# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Reading an event stream (`text/event-stream`) as AI/ML API and the upstreams behind it send it, straight into
decoded JSON values.

The `openai` SDK builds a pydantic object for every chunk of a stream, and that is most of what a stream costs the
client. Components that only need the data read the raw HTTP response with these functions instead: the SDK still
sends the request (auth, retries, status errors, timeouts), and the body is framed and decoded here.

Framing follows the WHATWG rules servers actually rely on: lines end in LF, CRLF or CR (also split across network
reads), `:` starts a comment, several `data:` lines make one event joined by newlines, `event:` names it, and a blank
line ends it. A UTF-8 byte-order mark before the first event is skipped: some proxies add one, and a decoder that
kept it would read the first line as the field "\\ufeffdata" and silently drop the first event. `data: [DONE]`
ends the stream. An event that the server completed but did not follow with a blank line before closing is still
read, so that a final chunk is not lost; whether the stream was complete is for its reader to judge. An event with
empty data (`data:` alone, which some servers send to keep a connection open) carries nothing and is skipped.
"""

import asyncio
import codecs
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple

import httpx
from openai import APIConnectionError, APITimeoutError

from .errors import error_body_status, error_message_from_body

_DECODER = json.JSONDecoder()


# The standard library's parser. `orjson` was measured as an optional extra: it saved 1-2 us of the 12 us this
# package then spent per chunk (about 2% of a stream's client CPU), less than the run-to-run noise, so it was not kept.
def loads(data: str | bytes) -> Any:
    """Parse JSON. Raises `ValueError` for anything else, also for nesting too deep to parse."""
    try:
        if type(data) is str and data[:1] == "{":
            # An event's data is nearly always one JSON object with nothing around it. `raw_decode` parses it without
            # `json.loads`'s two whitespace scans, a saving of about half a microsecond a chunk; anything it does not
            # take whole (trailing text or whitespace, bad JSON) is parsed by `json.loads`, whose errors and
            # acceptance are the rule.
            try:
                value, end = _DECODER.raw_decode(data)
            except ValueError:
                pass
            else:
                if end == len(data):
                    return value
        return json.loads(data)
    except RecursionError as error:
        # `[[[[...` a few thousand deep exhausts the parser's stack; to a reader it is just bad JSON.
        raise ValueError("the JSON is nested too deeply to read") from error


DONE = "[DONE]"
"""The data of the event that ends an OpenAI-style stream."""

_BOM = "\ufeff"


def _transport_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """The timeout and the other transport exceptions of every HTTP library the `openai` client may be using."""
    timeouts: list[type[BaseException]] = [httpx.TimeoutException]
    others: list[type[BaseException]] = [httpx.RequestError, httpx.StreamError]
    try:  # the `openai` SDK's own HTTP library since openai 3, when the user gave no httpx client
        import httpx2  # noqa: PLC0415
    except ImportError:  # pragma: no cover - depends on the installed openai
        pass
    else:
        timeouts.append(httpx2.TimeoutException)
        others.extend((httpx2.RequestError, httpx2.StreamError))
    return tuple(timeouts), tuple(others)


TIMEOUT_ERRORS, TRANSPORT_ERRORS = _transport_errors()
"""Exceptions of the HTTP libraries for a read that timed out, and for any failure of the transport (timeouts too)."""


class ServerSentEvent(NamedTuple):
    """One event: its type (`"message"` when the server named none) and its data, lines joined by newlines."""

    event: str
    data: str


class StreamErrorEvent(Exception):  # noqa: N818  # an event the server sent, not a failure of this code
    """
    The server reported an error inside a stream that had begun with a success status: an `event: error`, or a
    data payload in OpenAI's `{"error": {...}}` shape or AI/ML API's `{"message", "statusCode"}` shape.

    :param message: The server's own message.
    :param status: The status the server stated, if any.
    :param body: The decoded data of the event.
    """

    def __init__(self, message: str, *, status: object = None, body: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class SSEDecoder:
    """
    Incremental SSE framing: feed it the bytes as they arrive, in pieces of any size, and it returns the events
    completed so far. `flush()` returns an event left open when the body ended.
    """

    __slots__ = ("_data", "_decoder", "_event", "_idle", "_pending", "_skip_lf", "_started")

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""  # the start of a line whose end has not arrived yet
        self._skip_lf = False  # the last piece ended in CR: an LF starting the next one belongs to it
        self._started = False  # whether the first character (a possible byte-order mark) has been seen
        self._event = ""
        self._data: list[str] = []
        # Nothing is held over from earlier pieces (no partial line, event or character) and the first character has
        # been seen: the state in which `one_event` may take a piece whole.
        self._idle = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events `chunk` completes."""
        events = self._lines(self._decoder.decode(chunk))
        self._idle = (
            self._started
            and not (self._pending or self._data or self._event or self._skip_lf)
            and not self._decoder.getstate()[0]
        )
        return events

    def one_event(self, chunk: bytes) -> str | None:
        """
        The data of `chunk` when it is exactly one unnamed event holding one JSON object, `data: {...}` and a blank
        line, arriving with nothing held over, as nearly every read of a stream is; `None` for anything else, which
        then goes to `feed`. Decoding that shape here, without splitting lines or building an event, saves about a
        microsecond a chunk.
        """
        if (
            self._idle
            and chunk[:7] == b"data: {"
            and chunk[-3:] == b"}\n\n"
            and chunk.count(b"\n") == 2
            and b"\r" not in chunk
        ):
            try:
                return chunk[6:-2].decode()
            except UnicodeDecodeError:
                return None  # `feed` replaces what is not UTF-8, as for any other piece
        return None

    def flush(self) -> list[ServerSentEvent]:
        """The events completed by the end of the body, including one that lacked its closing blank line."""
        events = self._lines(self._decoder.decode(b"", final=True))
        if self._pending:
            events.extend(self._line(self._pending))
            self._pending = ""
        if self._data:
            events.append(self._dispatch())
        return events

    def _lines(self, text: str) -> list[ServerSentEvent]:
        if not text:
            return []
        if not self._started:
            self._started = True
            if text[0] == _BOM:
                text = text[1:]
        if self._skip_lf:
            self._skip_lf = False
            if text[:1] == "\n":
                text = text[1:]
        if self._pending:
            text = self._pending + text
        if "\r" in text:
            if text[-1] == "\r":
                self._skip_lf = True
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        self._pending = lines.pop()
        events: list[ServerSentEvent] = []
        for line in lines:
            if line.startswith("data: "):  # by far the most common line: no need to parse the field
                self._data.append(line[6:])
            else:
                events.extend(self._line(line))
        return events

    def _line(self, line: str) -> list[ServerSentEvent]:
        if not line:
            return [self._dispatch()] if self._data else self._reset()
        if line[0] == ":":  # a comment (keep-alive pings, processing notices)
            return []
        field, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event = value
        # `id` and `retry` concern reconnecting, which a chat completion cannot do; unknown fields are ignored.
        return []

    def _reset(self) -> list[ServerSentEvent]:
        self._event = ""
        return []

    def _dispatch(self) -> ServerSentEvent:
        event = ServerSentEvent(self._event or "message", "\n".join(self._data))
        self._event = ""
        self._data = []
        return event


def decode_event(event: ServerSentEvent) -> Any:
    """
    The decoded data of one event (never `[DONE]`).

    :raises StreamErrorEvent: The event reports an error, in any of the shapes servers send.
    :raises ValueError: The data is not JSON.
    """
    if event.event == "error":
        try:
            body: Any = loads(event.data)
        except ValueError:
            body = event.data
        raise StreamErrorEvent(error_message_from_body(body) or "no message", status=error_body_status(body), body=body)
    return decode_data(event.data)


def decode_data(text: str) -> Any:
    """
    The decoded data of an unnamed event.

    :raises StreamErrorEvent: The data is an error, in any of the shapes servers send.
    :raises ValueError: The data is not JSON.
    """
    data = loads(text)
    if type(data) is dict and ("error" in data or "statusCode" in data):
        error = data.get("error")
        status = error_body_status(data)
        # OpenAI's shape (the SDK raises for any truthy `error`), or AI/ML API's own, which carries no choices.
        if error or (status is not None and not data.get("choices")):
            raise StreamErrorEvent(error_message_from_body(data) or "no message", status=status, body=data)
    return data


def _read_error(error: BaseException, response: Any) -> Exception:
    """A transport failure while reading, as the `openai` exception the SDK's own stream would raise."""
    request = getattr(response, "request", None)
    if isinstance(error, TIMEOUT_ERRORS):
        return APITimeoutError(request=request)  # type: ignore[arg-type]
    return APIConnectionError(message=f"{type(error).__name__}: {error}", request=request)  # type: ignore[arg-type]


def _sent_as_is(response: Any) -> bool:
    """
    Whether the body can be read with `iter_raw()`: it arrived without a content encoding and is still unread.
    `iter_bytes()` passes such bytes through a decoder and a re-chunker that change nothing, at a cost of about half a
    microsecond a read (a microsecond asynchronously), which on a stream is paid for every event. A compressed body,
    or one already read (as a test's `httpx.Response(content=...)` is), goes through `iter_bytes()`.
    """
    encoding = response.headers.get("content-encoding")
    return (not encoding or encoding.strip().lower() == "identity") and not response.is_stream_consumed


def iter_stream_data(response: Any) -> Iterator[Any]:
    """
    The decoded data of each event of a streamed HTTP response (an `httpx` or `httpx2` response), up to `[DONE]`.

    :raises StreamErrorEvent: The server sent an error event.
    :raises ValueError: An event's data was not JSON.
    :raises openai.APITimeoutError / openai.APIConnectionError: The read timed out, or the connection broke.
    """
    decoder = SSEDecoder()
    try:
        for chunk in response.iter_raw() if _sent_as_is(response) else response.iter_bytes():
            data = decoder.one_event(chunk)
            if data is not None:  # an object, so never `[DONE]`
                yield decode_data(data)
                continue
            for event in decoder.feed(chunk):
                if event.data.startswith(DONE):
                    return
                if event.data or event.event == "error":
                    yield decode_event(event)
        for event in decoder.flush():
            if event.data.startswith(DONE):
                return
            if event.data or event.event == "error":
                yield decode_event(event)
    except TRANSPORT_ERRORS as error:
        raise _read_error(error, response) from error


async def aiter_stream_data(response: Any) -> AsyncIterator[Any]:
    """`iter_stream_data` for an asynchronous response. What follows `[DONE]` is read briefly (as the SDK does), so
    that the connection can go back to the pool."""
    decoder = SSEDecoder()
    chunks = response.aiter_raw() if _sent_as_is(response) else response.aiter_bytes()
    try:
        async for chunk in chunks:
            data = decoder.one_event(chunk)
            if data is not None:
                yield decode_data(data)
                continue
            for event in decoder.feed(chunk):
                if event.data.startswith(DONE):
                    await _drain(chunks)
                    return
                if event.data or event.event == "error":
                    yield decode_event(event)
        for event in decoder.flush():
            if event.data.startswith(DONE):
                return
            if event.data or event.event == "error":
                yield decode_event(event)
    except TRANSPORT_ERRORS as error:
        raise _read_error(error, response) from error


# How long the end of a body after `[DONE]` is waited for; a server that keeps the stream open is not waited on.
_DRAIN_SECONDS = 0.1
_DRAIN_ERRORS: tuple[type[BaseException], ...] = (TimeoutError, *TRANSPORT_ERRORS)


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for _ in chunks:
                pass
    except _DRAIN_ERRORS:
        pass  # the reply is complete: tidying up the connection must not turn it into an error
