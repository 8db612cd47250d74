# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""SSE framing as servers really send it, read in pieces of any size."""

import gzip
import json
import os
import zlib
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai import APIConnectionError, APITimeoutError

from haystack_integrations.common.aimlapi.sse import (
    ServerSentEvent,
    SSEDecoder,
    StreamErrorEvent,
    aiter_stream_data,
    decode_event,
    iter_stream_data,
)

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def frame(body: bytes, *, split: int | None = None) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    pieces = [body] if split is None else [body[i : i + split] for i in range(0, len(body), split)]
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    return events


def test_lf_crlf_and_cr_line_ends_frame_the_same_events():
    lf = b'data: {"a": 1}\n\nevent: ping\ndata: 2\n\n'
    expected = [ServerSentEvent("message", '{"a": 1}'), ServerSentEvent("ping", "2")]
    assert frame(lf) == expected
    assert frame(lf.replace(b"\n", b"\r\n")) == expected
    assert frame(lf.replace(b"\n", b"\r")) == expected


@pytest.mark.parametrize("split", [1, 2, 3, 5])
def test_crlf_split_between_reads_is_one_line_end(split):
    body = b'data: {"a": 1}\r\n\r\ndata: {"b": 2}\r\n\r\n'
    assert frame(body, split=split) == [
        ServerSentEvent("message", '{"a": 1}'),
        ServerSentEvent("message", '{"b": 2}'),
    ]


def test_comments_and_unknown_fields_are_ignored_and_multiline_data_is_joined():
    body = b': keep-alive\n\nid: 7\nretry: 100\nfoo: bar\ndata: {"a":\ndata:1}\n\n'
    assert frame(body) == [ServerSentEvent("message", '{"a":\n1}')]


@pytest.mark.parametrize("split", [None, 1, 2])
def test_a_byte_order_mark_does_not_drop_the_first_event(split):
    body = b'\xef\xbb\xbfdata: {"first": true}\n\ndata: {"second": true}\n\n'
    assert [event.data for event in frame(body, split=split)] == ['{"first": true}', '{"second": true}']


def test_an_event_without_its_closing_blank_line_is_still_read_at_the_end():
    assert frame(b'data: {"last": 1}') == [ServerSentEvent("message", '{"last": 1}')]
    assert frame(b'data: {"last": 1}\n') == [ServerSentEvent("message", '{"last": 1}')]


def test_a_multibyte_character_split_between_reads_is_kept():
    body = 'data: {"t": "Zürich ✓"}\n\n'.encode()
    assert frame(body, split=1) == [ServerSentEvent("message", '{"t": "Zürich ✓"}')]


def test_line_separators_inside_json_strings_do_not_split_lines():
    # U+2028 and U+0085 are line breaks to str.splitlines(), never to SSE.
    body = 'data: {"t": "a\u2028b\u0085c"}\n\n'.encode()
    assert json.loads(frame(body)[0].data) == {"t": "a\u2028b\u0085c"}


@pytest.mark.parametrize(
    ("event", "message", "status"),
    [
        (ServerSentEvent("error", '{"error": {"message": "upstream overloaded"}}'), "upstream overloaded", None),
        (ServerSentEvent("error", '{"message": "Rate limit", "statusCode": 429}'), "Rate limit", 429),
        (ServerSentEvent("error", "plain text trouble"), "plain text trouble", None),
        (ServerSentEvent("error", ""), "no message", None),
        (ServerSentEvent("message", '{"error": {"message": "boom", "code": 500}}'), "boom", None),
        (ServerSentEvent("message", '{"message": "Internal error", "statusCode": "500"}'), "Internal error", "500"),
    ],
)
def test_error_events_carry_the_servers_message_whatever_their_shape(event, message, status):
    with pytest.raises(StreamErrorEvent) as raised:
        decode_event(event)
    assert raised.value.message == message
    assert raised.value.status == status


def test_a_chunk_that_mentions_error_keys_without_being_an_error_is_data():
    chunk = {"choices": [{"index": 0, "delta": {"content": "x"}}], "statusCode": 200, "error": None}
    assert decode_event(ServerSentEvent("message", json.dumps(chunk))) == chunk


class _Response:
    """The part of an httpx response the readers use, with bytes in fixed pieces and an optional failure."""

    def __init__(self, pieces: list[bytes], failure: Exception | None = None) -> None:
        self.pieces = pieces
        self.failure = failure
        self.request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
        self.headers = httpx.Headers({"content-type": "text/event-stream"})
        self.is_stream_consumed = False

    def iter_bytes(self) -> Any:
        yield from self.pieces
        if self.failure is not None:
            raise self.failure

    async def aiter_bytes(self) -> Any:
        for piece in self.pieces:
            yield piece
        if self.failure is not None:
            raise self.failure

    # Bytes sent without a content encoding are the same raw or decoded.
    iter_raw = iter_bytes
    aiter_raw = aiter_bytes


async def _collect_async(response: _Response) -> list[Any]:
    return [item async for item in aiter_stream_data(response)]


@pytest.mark.parametrize("use_async", [False, True])
async def test_reading_stops_at_done_and_skips_keepalive_data(use_async):
    response = _Response([b'data: {"a": 1}\n\ndata:\n\ndata: [DONE]\n\ndata: {"after": 1}\n\n'])
    items = await _collect_async(response) if use_async else list(iter_stream_data(response))
    assert items == [{"a": 1}]


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), APIConnectionError),
        (httpx.ReadError("reset"), APIConnectionError),
    ],
)
async def test_transport_failures_become_the_sdks_own_errors(use_async, failure, expected):
    response = _Response([b'data: {"a": 1}\n\n'], failure)
    received: list[Any] = []
    with pytest.raises(expected):
        if use_async:
            async for item in aiter_stream_data(response):
                received.append(item)
        else:
            for item in iter_stream_data(response):
                received.append(item)
    assert received == [{"a": 1}]


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Any:
        yield from self.pieces

    async def __aiter__(self) -> Any:
        for piece in self.pieces:
            yield piece


_EVENTS = b'data: {"a": 1}\n\n: ping\n\ndata: {"b": [2]}\n\ndata: [DONE]\n\n'


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        (None, _EVENTS),
        ("identity", _EVENTS),
        ("gzip", gzip.compress(_EVENTS)),
        ("deflate", zlib.compress(_EVENTS)),
    ],
)
async def test_a_stream_is_read_alike_with_or_without_a_content_encoding(use_async, encoding, body):
    # Through a real httpx client, so that what decodes the body is httpx's own code: a compressed stream must be
    # decompressed, and an uncompressed one read as it arrived.
    headers = {"content-type": "text/event-stream", **({"content-encoding": encoding} if encoding else {})}
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=_Pieces(pieces))

    if use_async:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client,
            client.stream("POST", "http://127.0.0.1/v1/chat/completions") as response,
        ):
            items = [item async for item in aiter_stream_data(response)]
    else:
        with (
            httpx.Client(transport=httpx.MockTransport(answer)) as client,
            client.stream("POST", "http://127.0.0.1/v1/chat/completions") as response,
        ):
            items = list(iter_stream_data(response))
    assert items == [{"a": 1}, {"b": [2]}]


@pytest.mark.parametrize("use_async", [False, True])
async def test_a_body_already_read_is_still_read(use_async):
    # A response built with `content=` (as tests and some transports build them) is read before it is returned.
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=_EVENTS)
    assert response.is_stream_consumed
    items = await _collect_async(response) if use_async else list(iter_stream_data(response))  # type: ignore[arg-type]
    assert items == [{"a": 1}, {"b": [2]}]


# --- property-based ---------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@pytest.mark.fuzz
@FUZZ
@given(
    values=st.lists(json_values, min_size=1, max_size=6),
    line_end=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    bom=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
)
def test_any_split_of_any_events_reads_back_every_event(values, line_end, bom, cuts):
    body = b"\xef\xbb\xbf" if bom else b""
    for value in values:
        text = json.dumps(value, indent=1)  # several lines: several data fields
        body += b": comment" + line_end
        for line in text.split("\n"):
            body += b"data: " + line.encode() + line_end
        body += line_end
    positions = sorted({cut % (len(body) + 1) for cut in cuts})
    pieces = [body[start:end] for start, end in zip([0, *positions], [*positions, len(body)], strict=True)]
    assert [json.loads(item) for item in (event.data for event in _feed(pieces))] == values


def _feed(pieces: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    return events + decoder.flush()


@pytest.mark.fuzz
@FUZZ
@given(body=st.binary(max_size=300), cut=st.integers(min_value=0, max_value=300))
def test_arbitrary_bytes_give_events_or_documented_errors_only(body, cut):
    response = _Response([body[:cut], body[cut:]])
    try:
        for _ in iter_stream_data(response):
            pass
    except (StreamErrorEvent, ValueError):
        pass  # an error event, or data that is not JSON: both documented


def _read_by_feed_alone(pieces: list[bytes]) -> list[Any]:
    """What a stream of `pieces` reads as through `SSEDecoder.feed` only, the general framing: the reference."""
    items: list[Any] = []
    for event in _feed(pieces):
        if event.data.startswith("[DONE]"):
            break
        if event.data or event.event == "error":
            try:
                items.append(decode_event(event))
            except (StreamErrorEvent, ValueError) as error:
                items.append(type(error))
                break
    return items


def _read(pieces: list[bytes]) -> list[Any]:
    items: list[Any] = []
    try:
        items.extend(iter_stream_data(_Response(pieces)))
    except (StreamErrorEvent, ValueError) as error:
        items.append(type(error))
    return items


# Pieces in the one shape `SSEDecoder.one_event` takes whole, and pieces that resemble it but are not: a named event,
# CR line ends, a second line, bytes that are not UTF-8, a character cut in two, an unfinished event, an error body.
_piece_shapes = st.sampled_from(
    [
        b'data: {"a": 1}\n\n',
        b'data: {"t": "caf\xc3\xa9"}\n\n',
        b'data: {"t": "\xff"}\n\n',
        b'data: {"t": "caf\xc3',
        b'\xa9"}\n\n',
        b'data: {"a": 1}\r\n\r\n',
        b'data: {"a": 1}\r',
        b'event: note\ndata: {"n": 1}\n\n',
        b'data: {"a":\ndata: 2}\n\n',
        b'data: {"a": 1}',
        b"\n\n",
        b": ping\n\n",
        b'data: {"a": 1} x\n\n',
        b'data: {"error": {"message": "over quota"}}\n\n',
        b"\xef\xbb\xbf",
        b"data: [DONE]\n\n",
    ]
)


@pytest.mark.fuzz
@FUZZ
@given(pieces=st.lists(_piece_shapes, max_size=10))
def test_whole_event_pieces_read_as_the_general_framing_reads_them(pieces):
    # `iter_stream_data` takes a piece that is exactly one plain event without framing it line by line; that shortcut
    # must never read a stream differently from the general way, whatever came before the piece.
    assert _read(pieces) == _read_by_feed_alone(pieces)
