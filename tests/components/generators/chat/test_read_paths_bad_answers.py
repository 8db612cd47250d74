# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
An answer that is not what the protocol promises ends the same way on both read paths: the same typed error with the
same text (status, content type, excerpt, the problem), or the same reply.

The standard path is taken here through a plain wrapper around the SDK's `create()`, as an instrumentation library
would install one, so the wrapper sees the request and the SDK parses the answer before the component reads it.
"""

import json
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from haystack_integrations.components.generators.aimlapi import StreamInterruptedError
from tests.components.generators.chat.test_hostile_servers import NOT_A_COMPLETION, chunk, completion, raw, run
from tests.components.generators.chat.test_read_paths import _Wrapped
from tests.support import MockAPI, sse_body

# Each a new response per run: a response's body is read once.
CASES: dict[str, Callable[[], httpx.Response]] = {
    name: (lambda body=body, content_type=content_type: raw(body, content_type))
    for name, (body, content_type, _) in NOT_A_COMPLETION.items()
}
CASES["html with 203"] = lambda: raw(b"<html><body>Bad gateway</body></html>", "text/html", status=203)
CASES["events answering a request that did not stream"] = lambda: raw(
    sse_body([chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}, finish="stop")]),
    "text/event-stream",
)
CASES["events that stop early"] = lambda: raw(sse_body([chunk({"content": "Hel"})], done=False), "text/event-stream")
CASES["a completion with 201"] = lambda: raw(json.dumps(completion()), status=201)


async def _outcome(make_generator, response: httpx.Response, use_async: bool) -> Any:
    generator = make_generator(MockAPI(response), use_async=use_async)
    try:
        (reply,) = (await run(generator, use_async))["replies"]
    except Exception as error:  # the outcome is compared, whatever it is
        return type(error), str(error)
    return reply.text, reply.meta.get("finish_reason")


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("case", list(CASES))
async def test_a_bad_answer_ends_the_same_way_on_both_paths(make_generator, monkeypatch, case, use_async):
    lean = await _outcome(make_generator, CASES[case](), use_async)
    wrapper = _Wrapped(monkeypatch)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        standard = await _outcome(make_generator, CASES[case](), use_async)
    # Reading what the SDK built from a body of the wrong shape warns the user of nothing the error does not say.
    assert [str(w.message) for w in warned if "serializer" in str(w.message)] == []
    assert len(wrapper.calls) == 1  # the second run went through the replacement, and the SDK parsed the answer
    assert standard == lean
    if case == "a completion with 201":
        assert lean == ("Paris.", "stop")
    elif case == "events answering a request that did not stream":
        assert lean == ("Hello", "stop")
    else:
        assert isinstance(lean[0], type) and issubclass(lean[0], Exception)


HELLO = sse_body([chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}), chunk(finish="stop")])
HELLO_WITHOUT_DONE = sse_body(
    [chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}), chunk(finish="stop")], done=False
)
STREAMS: dict[str, bytes] = {
    "a byte-order mark before the first event": b"\xef\xbb\xbf" + HELLO,
    "an error event after the finish reason": HELLO_WITHOUT_DONE
    + b'event: error\ndata: {"message": "Provider timed out", "statusCode": 504}\n\ndata: [DONE]\n\n',
    "an error in AI/ML API's shape mid-stream": sse_body(
        [chunk({"role": "assistant", "content": "Hel"}), '{"message": "Credits exhausted", "statusCode": 403}'],
        done=False,
    ),
    "an event that is not a chunk": sse_body(
        [chunk({"content": "Par"}), '{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": "0"}]}}]}']
    ),
    "a stream cut before its finish reason": sse_body([chunk({"content": "Hel"})], done=False),
}


async def _stream_outcome(make_generator, body: bytes, use_async: bool) -> Any:
    generator = make_generator(MockAPI(raw(body, "text/event-stream")), use_async=use_async)
    received: list[str] = []
    try:
        (reply,) = (await run(generator, use_async, streaming_callback=lambda c: received.append(c.content)))["replies"]
    except Exception as error:  # the outcome is compared, whatever it is
        return type(error), str(error), received
    return reply.text, reply.meta.get("finish_reason"), received


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("case", list(STREAMS))
async def test_a_hostile_stream_ends_the_same_way_on_both_paths(make_generator, monkeypatch, case, use_async):
    lean = await _stream_outcome(make_generator, STREAMS[case], use_async)
    wrapper = _Wrapped(monkeypatch)
    standard = await _stream_outcome(make_generator, STREAMS[case], use_async)
    assert len(wrapper.calls) == 1
    assert standard == lean
    if case == "a byte-order mark before the first event":
        assert lean == ("Hello", "stop", ["Hel", "lo", ""])
    else:
        assert lean[0] is StreamInterruptedError
