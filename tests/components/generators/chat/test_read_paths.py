# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The two ways the generator reads an answer give the same result, and a replaced `create()` sees every request.

While `chat.completions.create` is the SDK's own, the generator reads the raw response as plain JSON (the lean
path). When a test's mock or an instrumentation wrapper has replaced it, every request goes through the
replacement, with the keyword arguments Haystack's own generator passes, and what it returns is read.
"""

import functools
import json
from dataclasses import replace
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import httpx
import pytest
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.utils import Secret
from openai import AsyncOpenAI, OpenAI
from openai.resources.chat.completions import AsyncCompletions, Completions
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from haystack_integrations.common.aimlapi.sse import SSEDecoder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from haystack_integrations.components.generators.aimlapi.chat.chat_generator import _is_sdk_create
from tests.components.generators.chat.test_hostile_servers import STREAMS_OF_TWO_CALLS, chunk
from tests.support import ADD_TOOL, MockAPI, fixture_json, fixture_text, json_response, sse_body, sse_response

PLAIN_FIXTURES = [
    "chat_openai_route.json",
    "chat_claude_route.json",
    "chat_reasoning_details.json",
    "chat_tool_calls.json",
]
STREAM_FIXTURES = [
    "stream_openai_route.sse",
    "stream_claude_route.sse",
    "stream_qwen_reasoning.sse",
    "stream_tool_calls.sse",
]


def _stream_bodies() -> dict[str, bytes]:
    bodies = {name: fixture_text(name).encode() for name in STREAM_FIXTURES}
    for style, events in STREAMS_OF_TWO_CALLS.items():
        bodies[f"two calls, {style}"] = sse_body([*events, chunk(finish="tool_calls")])
    bodies["logprobs and cost"] = sse_body(
        [
            {
                **chunk({"content": "Hi"}),
                "choices": [
                    {
                        "index": 0,
                        "delta": {"content": "Hi"},
                        "logprobs": {
                            "content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}]
                        },
                    }
                ],
            },
            chunk(finish="stop"),
            {
                "id": "c",
                "choices": [],
                "model": "m",
                "usage": {
                    "prompt_tokens": 1,
                    "completion_tokens": 1,
                    "total_tokens": 2,
                    "prompt_tokens_details": {"cached_tokens": 0},
                },
                "meta": {"usage": {"credits_used": 10}},
            },
        ]
    )
    return bodies


STREAM_BODIES = _stream_bodies()


class _Wrapped:
    """Replaces `create` on the SDK's resource classes with a plain wrapper (no functools.wraps), which records the
    keyword arguments of every call and calls the SDK's own."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[dict[str, Any]] = []
        sync_create, async_create = Completions.create, AsyncCompletions.create

        def create(resource: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(kwargs)
            return sync_create(resource, *args, **kwargs)

        async def acreate(resource: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(kwargs)
            return await async_create(resource, *args, **kwargs)

        monkeypatch.setattr(Completions, "create", create)
        monkeypatch.setattr(AsyncCompletions, "create", acreate)


def _comparable_reply(reply: ChatMessage) -> ChatMessage:
    meta = {key: value for key, value in reply.meta.items() if key != "completion_start_time"}
    return replace(reply, _meta=meta)


def _comparable_chunks(chunks: list[StreamingChunk]) -> list[StreamingChunk]:
    return [replace(c, meta={k: v for k, v in c.meta.items() if k != "received_at"}) for c in chunks]


async def _run(generator: AIMLAPIChatGenerator, use_async: bool, **kwargs: Any) -> list[ChatMessage]:
    if use_async:
        return (await generator.run_async("hi", **kwargs))["replies"]
    return generator.run("hi", **kwargs)["replies"]


async def _both_paths(make_generator, monkeypatch, response: httpx.Response, use_async: bool, **kwargs: Any) -> Any:
    """The replies, the streamed chunks and the request body of the lean path, then of the SDK-object path."""
    results = []
    for wrapped in (False, True):
        if wrapped:
            wrapper = _Wrapped(monkeypatch)
        api = MockAPI(response)
        received: list[StreamingChunk] = []
        if kwargs.get("streaming") is not None:
            kwargs = {**kwargs, "streaming_callback": received.append}
        run_kwargs = {k: v for k, v in kwargs.items() if k != "streaming"}
        # One id for both runs: each call is otherwise given a new X-Client-Request-Id, kept in its replies' meta.
        run_kwargs.setdefault("generation_kwargs", {"client_request_id": "both-paths"})
        generator = make_generator(api, use_async=use_async, tools=[ADD_TOOL])
        replies = await _run(generator, use_async, **run_kwargs)
        body = api.body()
        if wrapped:
            # Through `create()` the parent's defaults `n: 1` and `stream: false` are sent; the lean path leaves
            # them to the API.
            assert body.pop("n") == 1
            if kwargs.get("streaming") is None:
                assert body.pop("stream") is False
        results.append((replies, received, body))
    assert len(wrapper.calls) == 1  # the second run went through the replacement
    return results


# lean_path: it compares the lean path with the standard one; under --read-path=standard both runs are standard.
@pytest.mark.lean_path
@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("name", PLAIN_FIXTURES)
async def test_plain_replies_are_identical_on_both_paths(make_generator, monkeypatch, name, use_async):
    headers = {"x-aimlapi-credits-used": "248"} if name == "chat_claude_route.json" else None
    response = json_response(fixture_json(name), headers=headers)
    (lean, _, lean_body), (sdk, _, sdk_body) = await _both_paths(make_generator, monkeypatch, response, use_async)
    assert lean == sdk
    assert lean_body == sdk_body


# lean_path: it compares the lean path with the standard one; under --read-path=standard both runs are standard.
@pytest.mark.lean_path
@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("name", list(STREAM_BODIES))
async def test_streams_are_identical_on_both_paths(make_generator, monkeypatch, name, use_async):
    response = sse_response(STREAM_BODIES[name])
    (lean, lean_chunks, lean_body), (sdk, sdk_chunks, sdk_body) = await _both_paths(
        make_generator, monkeypatch, response, use_async, streaming=True
    )
    assert [_comparable_reply(r) for r in lean] == [_comparable_reply(r) for r in sdk]
    assert _comparable_chunks(lean_chunks) == _comparable_chunks(sdk_chunks)
    assert lean_body == sdk_body
    assert lean[0].meta["completion_start_time"]


def test_the_sdks_own_create_is_recognised_and_replacements_are_not():
    client, async_client = OpenAI(api_key="k"), AsyncOpenAI(api_key="k")
    assert _is_sdk_create(client.chat.completions.create)
    assert _is_sdk_create(async_client.chat.completions.create)

    original = Completions.create

    def plain(self: Any, **kwargs: Any) -> Any:
        return original(self, **kwargs)

    @functools.wraps(original)
    def wrapped(self: Any, **kwargs: Any) -> Any:
        return original(self, **kwargs)

    for replacement in (plain, wrapped, MagicMock(), AsyncMock()):
        with patch.object(Completions, "create", replacement):
            assert not _is_sdk_create(OpenAI(api_key="k").chat.completions.create), replacement
    assert _is_sdk_create(OpenAI(api_key="k").chat.completions.create)


def _sdk_chunks(body: bytes) -> list[ChatCompletionChunk]:
    decoder = SSEDecoder()
    events = decoder.feed(body) + decoder.flush()
    return [ChatCompletionChunk.model_validate(json.loads(e.data)) for e in events if e.data != "[DONE]"]


KWARGS = {"temperature": 0.2, "top_k": 5, "max_tokens": 30}


@pytest.mark.parametrize("streaming", [False, True])
def test_a_magicmock_patched_before_the_first_request_gets_the_parents_arguments(make_generator, streaming):
    completion = ChatCompletion.model_validate(fixture_json("chat_openai_route.json"))
    chunks = _sdk_chunks(fixture_text("stream_openai_route.sse").encode())
    callback = (lambda c: None) if streaming else None
    with patch("openai.resources.chat.completions.Completions.create") as mocked:
        mocked.side_effect = lambda **_: iter(chunks) if streaming else completion
        ours = AIMLAPIChatGenerator(model="gpt-4o-mini", generation_kwargs=KWARGS)
        (reply,) = ours.run([ChatMessage.from_user("hi")], streaming_callback=callback)["replies"]
        parent = OpenAIChatGenerator(api_key=Secret.from_token("k"), model="gpt-4o-mini", generation_kwargs=KWARGS)
        parent.run([ChatMessage.from_user("hi")], streaming_callback=callback)
    assert reply.text == "The capital of France is Paris."
    ours_kwargs, parent_kwargs = (call.kwargs for call in mocked.call_args_list)
    # AI/ML API's own `top_k` travels in the body, which the SDK sends from `extra_body`, and a stream asks for
    # usage; everything else is what the parent passes.
    assert ours_kwargs.pop("extra_body") == {"top_k": 5}
    assert parent_kwargs.pop("top_k") == 5
    if streaming:
        assert ours_kwargs.pop("stream_options") == {"include_usage": True}
    assert ours_kwargs == parent_kwargs
    assert ours_kwargs["model"] == "gpt-4o-mini" and ours_kwargs["messages"] == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("streaming", [False, True])
async def test_an_asyncmock_patched_before_the_first_request_is_called_and_read(streaming):
    completion = ChatCompletion.model_validate(fixture_json("chat_openai_route.json"))
    chunks = _sdk_chunks(fixture_text("stream_openai_route.sse").encode())

    async def stream() -> Any:
        for c in chunks:
            yield c

    with patch("openai.resources.chat.completions.AsyncCompletions.create", new_callable=AsyncMock) as mocked:
        mocked.side_effect = lambda **_: stream() if streaming else completion
        generator = AIMLAPIChatGenerator(model="gpt-4o-mini", generation_kwargs=KWARGS)
        callback = (lambda c: None) if streaming else None
        (reply,) = (await generator.run_async("hi", streaming_callback=callback))["replies"]
    assert reply.text == "The capital of France is Paris."
    assert mocked.call_args.kwargs["extra_body"] == {"top_k": 5}
    assert mocked.call_args.kwargs["temperature"] == 0.2


def test_real_calls_work_after_the_mock_is_gone(make_generator):
    with patch("openai.resources.chat.completions.Completions.create") as mocked:
        mocked.return_value = ChatCompletion.model_validate(fixture_json("chat_openai_route.json"))
        AIMLAPIChatGenerator(generation_kwargs=KWARGS).run("hi")
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    reply = make_generator(api, generation_kwargs=KWARGS).run("hi")["replies"][0]
    assert reply.text == "The capital of France is Paris."
    body = api.body()
    assert body["top_k"] == 5 and body["temperature"] == 0.2 and "extra_body" not in body


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("streaming", [False, True])
async def test_a_plain_wrapper_patched_before_the_first_request_sees_every_request(
    make_generator, monkeypatch, use_async, streaming
):
    wrapper = _Wrapped(monkeypatch)
    if streaming:
        api = MockAPI(sse_response(fixture_text("stream_openai_route.sse")))
    else:
        api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    generator = make_generator(api, use_async=use_async, generation_kwargs=KWARGS)
    callback = (lambda c: None) if streaming else None
    for _ in range(2):
        (reply,) = await _run(generator, use_async, streaming_callback=callback)
        assert reply.text == "The capital of France is Paris."
    assert len(wrapper.calls) == 2 == len(api.requests)
    assert wrapper.calls[0]["extra_body"] == {"top_k": 5}
    assert wrapper.calls[0]["model"] == "openai/gpt-5-chat-latest"
    assert api.body()["top_k"] == 5 and "extra_body" not in api.body()


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("streaming", [False, True])
async def test_a_replys_cost_is_also_in_its_usage_as_numbers(make_generator, use_async, streaming):
    if streaming:
        api = MockAPI(sse_response(fixture_text("stream_openai_route.sse")))
    else:
        api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    generator = make_generator(api, use_async=use_async)
    (reply,) = await _run(generator, use_async, streaming_callback=(lambda c: None) if streaming else None)
    assert reply.meta["cost"] == {"credits_used": 248, "usd_spent": 0.000124}
    assert reply.meta["usage"]["cost"] == 0.000124
    assert reply.meta["usage"]["credits_used"] == 248
    assert reply.meta["usage"]["total_tokens"] == 22


def test_a_reply_without_cost_keeps_its_usage_as_sent(make_generator):
    body = fixture_json("chat_openai_route.json")
    del body["meta"]
    (reply,) = make_generator(MockAPI(json_response(body))).run("hi")["replies"]
    assert "cost" not in reply.meta
    assert "cost" not in reply.meta["usage"] and "credits_used" not in reply.meta["usage"]
