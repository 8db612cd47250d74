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
from collections.abc import Callable
from typing import Any

import httpx
import pytest

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
    standard = await _outcome(make_generator, CASES[case](), use_async)
    assert len(wrapper.calls) == 1  # the second run went through the replacement, and the SDK parsed the answer
    assert standard == lean
    if case == "a completion with 201":
        assert lean == ("Paris.", "stop")
    elif case == "events answering a request that did not stream":
        assert lean == ("Hello", "stop")
    else:
        assert isinstance(lean[0], type) and issubclass(lean[0], Exception)
