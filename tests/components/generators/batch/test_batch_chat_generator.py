# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPIBatchChatGenerator on the wire: the documented Batch API answers, served by a mock transport."""

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from haystack.dataclasses import ChatMessage, ToolCall
from haystack.utils import Secret
from hypothesis import given, settings
from hypothesis import strategies as st

from haystack_integrations.common.aimlapi.batches import read_batch_poll, read_batch_result
from haystack_integrations.common.aimlapi.jobs import JobFailedError, JobTimeoutError
from haystack_integrations.components.generators.aimlapi import AIMLAPIBatchChatGenerator

FIXTURES = Path(__file__).parent / "fixtures"
BASE_URL = "http://127.0.0.1:9/v1"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _message(text: str, stop_reason: str = "end_turn", credits_used: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "model": "claude-sonnet-4-20250514",
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "usage": {"input_tokens": 10, "output_tokens": 5, "service_tier": "batch"},
    }
    if credits_used is not None:
        message["meta"] = {"usage": {"credits_used": credits_used}}
    return message


def succeeded(position: int, text: str, **kwargs: Any) -> dict[str, Any]:
    message = _message(text, **kwargs)
    return {"custom_id": f"request-{position:06d}", "result": {"type": "succeeded", "message": message}}


def jsonl(*items: dict[str, Any]) -> bytes:
    return "\n".join(json.dumps(item) for item in items).encode() + b"\n"


class BatchAPI:
    """Answers the Batch API's three routes from queues, and records every request."""

    def __init__(self, *polls: httpx.Response | bytes | dict[str, Any]) -> None:
        self.submits: list[httpx.Response] = [httpx.Response(201, json=fixture("batch_submit.json"))]
        self.polls = list(polls)
        self.requests: list[httpx.Request] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST" and request.url.path.endswith("/batches"):
            return self.submits.pop(0) if len(self.submits) > 1 else self.submits[0]
        if request.method == "POST" and "/batches/cancel/" in request.url.path:
            return httpx.Response(200, json=fixture("batch_cancel.json"))
        answer = self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]
        if isinstance(answer, httpx.Response):
            return answer
        if isinstance(answer, bytes):
            return httpx.Response(200, content=answer, headers={"content-type": "application/jsonl"})
        return httpx.Response(200, json=answer)

    def generator(self, **kwargs: Any) -> AIMLAPIBatchChatGenerator:
        async def answer_async(request: httpx.Request) -> httpx.Response:
            return self.answer(request)

        transport = httpx.MockTransport(self.answer)
        kwargs.setdefault("poll_interval", 0.001)
        generator = AIMLAPIBatchChatGenerator(
            api_key=Secret.from_token("test-key"),
            api_base_url=BASE_URL,
            max_retries=2,
            http_client_kwargs={"transport": transport},
            **kwargs,
        )
        self.async_transport = httpx.MockTransport(answer_async)
        return generator

    def posted(self) -> list[dict[str, Any]]:
        return [
            json.loads(request.content)
            for request in self.requests
            if request.method == "POST" and request.url.path.endswith("/batches")
        ]


def test_submits_polls_and_returns_replies_in_input_order() -> None:
    api = BatchAPI(
        fixture("batch_get_generating.json"),
        # The results come back in another order than asked.
        jsonl(
            succeeded(1, "second", stop_reason="max_tokens", credits_used=30),
            succeeded(0, "first", credits_used=20),
        ),
    )
    generator = api.generator(generation_kwargs={"temperature": 0})
    result = generator.run(
        messages=[[ChatMessage.from_system("Be brief."), ChatMessage.from_user("One?")], "Two?"],
        generation_kwargs={"max_tokens": 64},
    )

    [body] = api.posted()
    assert body == {
        "requests": [
            {
                "custom_id": "request-000000",
                "params": {
                    "max_tokens": 64,
                    "temperature": 0,
                    "model": "claude-sonnet-4-20250514",
                    "messages": [{"role": "user", "content": [{"type": "text", "text": "One?"}]}],
                    "system": "Be brief.",
                },
            },
            {
                "custom_id": "request-000001",
                "params": {
                    "max_tokens": 64,
                    "temperature": 0,
                    "model": "claude-sonnet-4-20250514",
                    "messages": [{"role": "user", "content": [{"type": "text", "text": "Two?"}]}],
                },
            },
        ]
    }
    polls = [request for request in api.requests if request.method == "GET"]
    assert len(polls) == 2
    assert polls[0].url.params["batch_id"] == "kgTRCVoAz4GwrHWIOFZjg"
    assert polls[0].headers["authorization"] == "Bearer test-key"

    assert [reply.text for reply in result["replies"]] == ["first", "second"]
    assert result["errors"] == [None, None]
    first, second = result["replies"]
    assert second.meta["finish_reason"] == "length"
    assert second.meta["provider_finish_reason"] == "max_tokens"
    assert first.meta["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "cost": 20 / 2_000_000,
        "credits_used": 20,
    }
    assert first.meta["custom_id"] == "request-000000"
    assert first.meta["batch_id"] == "kgTRCVoAz4GwrHWIOFZjg"
    assert result["batch"] == {
        "id": "kgTRCVoAz4GwrHWIOFZjg",
        "status": "completed",
        "requests": 2,
        "succeeded": 2,
        "failed": 0,
        "unmatched_results": 0,
        "cost": {"credits_used": 50, "usd_spent": 50 / 2_000_000},
    }


def test_the_documented_results_file_is_read() -> None:
    # The documented results, with the custom ids this component gives its requests.
    documented = (FIXTURES / "batch_result.jsonl").read_bytes()
    api = BatchAPI(documented.replace(b'"test-01"', b'"request-000000"').replace(b'"test-02"', b'"request-000001"'))
    api.submits = [httpx.Response(201, json={**fixture("batch_submit.json"), "id": "b1"})]
    result = api.generator().run(messages=["Learn NestJS", "Learn React"])
    assert [reply.text for reply in result["replies"]] == [
        "Here's a structured approach to learning NestJS: ...",
        "# How to Learn React.js ...",
    ]
    assert [reply.meta["finish_reason"] for reply in result["replies"]] == ["length", "stop"]
    assert result["batch"]["cost"] is None  # the documented results carry no cost


def test_failed_and_missing_requests_are_marked_in_place_and_counted() -> None:
    errored = {
        "custom_id": "request-000001",
        "result": {
            "type": "errored",
            "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: too large"}},
        },
    }
    expired = {"custom_id": "request-000002", "result": {"type": "expired"}}
    stranger = succeeded(99, "not ours")
    api = BatchAPI([succeeded(0, "ok"), errored, expired, stranger])  # a JSON array, the docs' other framing
    result = api.generator().run(messages=["a", "b", "c", "d"])
    assert [reply.text if reply else None for reply in result["replies"]] == ["ok", None, None, None]
    assert result["errors"][0] is None
    assert result["errors"][1] == "the request errored: max_tokens: too large"
    assert result["errors"][2] == "the request expired"
    assert result["errors"][3] == "the batch's results hold no answer to this request"
    assert (result["batch"]["succeeded"], result["batch"]["failed"], result["batch"]["unmatched_results"]) == (1, 3, 1)


def test_resuming_from_a_batch_id_polls_without_submitting_and_restores_the_order() -> None:
    api = BatchAPI(fixture("batch_get_generating.json"), jsonl(succeeded(2, "c"), succeeded(0, "a")))
    result = api.generator().run(batch_id="msgbatch_01TDVirzmjyZ51WZGyU3uMeY")
    assert api.posted() == []
    assert {request.url.params["batch_id"] for request in api.requests} == {"msgbatch_01TDVirzmjyZ51WZGyU3uMeY"}
    assert [reply.text if reply else None for reply in result["replies"]] == ["a", None, "c"]
    assert result["errors"][1] == "the batch's results hold no answer to this request"


@pytest.mark.parametrize("model", ["openai/gpt-4o", "gpt-4o-mini", "google/gemini-2.0-flash", ""])
def test_models_the_batch_api_does_not_serve_are_refused_with_the_alternative(model: str) -> None:
    with pytest.raises(ValueError, match=r"Claude models only.*AIMLAPIChatGenerator"):
        AIMLAPIBatchChatGenerator(api_key=Secret.from_token("k"), model=model)


@pytest.mark.parametrize("model", ["claude-sonnet-4-20250514", "anthropic/claude-3-5-haiku", "claude-opus-4.1"])
def test_claude_models_are_taken(model: str) -> None:
    assert AIMLAPIBatchChatGenerator(api_key=Secret.from_token("k"), model=model).model == model


def test_a_cancelled_batch_raises_naming_it() -> None:
    api = BatchAPI(fixture("batch_get_cancelled.json"))
    with pytest.raises(JobFailedError, match=r"kgTRCVoAz4GwrHWIOFZjg.*cancelled") as raised:
        api.generator().run(messages=["a"])
    assert raised.value.job_id == "kgTRCVoAz4GwrHWIOFZjg"


def test_a_timeout_names_the_batch_to_resume() -> None:
    api = BatchAPI(fixture("batch_get_generating.json"))
    with pytest.raises(JobTimeoutError, match="kgTRCVoAz4GwrHWIOFZjg") as raised:
        api.generator(poll_interval=0.01, job_timeout=0.05).run(messages=["a"])
    assert raised.value.job_id == "kgTRCVoAz4GwrHWIOFZjg"


def test_a_refused_submit_surfaces_the_api_message_and_is_not_resent() -> None:
    api = BatchAPI(fixture("batch_get_generating.json"))
    api.submits = [httpx.Response(400, json={"message": "Model is not supported for batches", "statusCode": 400})]
    with pytest.raises(openai.BadRequestError, match="Model is not supported for batches"):
        api.generator().run(messages=["a"])
    assert len(api.posted()) == 1


def test_a_submit_turned_away_with_429_is_sent_again_and_makes_one_batch() -> None:
    api = BatchAPI(jsonl(succeeded(0, "ok")))
    api.submits = [
        httpx.Response(429, headers={"retry-after": "0"}, json={"message": "slow down", "statusCode": 429}),
        httpx.Response(201, json=fixture("batch_submit.json")),
    ]
    result = api.generator().run(messages=["a"])
    assert len(api.posted()) == 2
    assert result["replies"][0].text == "ok"


def test_transient_and_malformed_polls_are_tried_again() -> None:
    api = BatchAPI(
        httpx.Response(503, json={"message": "upstream busy", "statusCode": 503}),
        b"<html>gateway</html>",
        jsonl(succeeded(0, "ok")),
    )
    result = api.generator().run(messages=["a"])
    assert result["replies"][0].text == "ok"
    assert len([request for request in api.requests if request.method == "GET"]) == 3


async def test_run_async_collects_and_a_cancelled_task_cancels_the_batch_on_the_server() -> None:
    api = BatchAPI(jsonl(succeeded(0, "ok")))
    generator = api.generator()
    generator.http_client_kwargs = {"transport": api.async_transport}
    result = await generator.run_async(messages=["a"])
    assert result["replies"][0].text == "ok"

    api.polls = [fixture("batch_get_generating.json")]
    task = asyncio.ensure_future(generator.run_async(messages=["b"]))
    while len([request for request in api.requests if request.method == "GET"]) < 3:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancels = [request for request in api.requests if "/batches/cancel/" in request.url.path]
    assert [request.url.path for request in cancels] == ["/v1/batches/cancel/kgTRCVoAz4GwrHWIOFZjg"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, ValueError, "either messages"),
        ({"messages": ["a"], "batch_id": "b"}, ValueError, "either messages"),
        ({"batch_id": " "}, ValueError, "batch_id"),
        ({"messages": "hello"}, TypeError, "list of conversations"),
        ({"messages": []}, ValueError, "at least one conversation"),
        ({"messages": [ChatMessage.from_user("a")]}, TypeError, r"messages\[0\] is a single ChatMessage"),
        ({"messages": [[ChatMessage.from_system("only")]]}, ValueError, "no user message"),
        ({"messages": ["a"], "generation_kwargs": {"model": "x"}}, ValueError, "model"),
        (
            {"messages": [[ChatMessage.from_assistant(tool_calls=[ToolCall(tool_name="t", arguments={})])]]},
            ValueError,
            "tool calls",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(kwargs: dict, error: type[Exception], message: str) -> None:
    api = BatchAPI(jsonl(succeeded(0, "ok")))
    with pytest.raises(error, match=message):
        api.generator().run(**kwargs)
    assert api.requests == []


def test_serialization_round_trips_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", "secret-value")
    generator = AIMLAPIBatchChatGenerator(model="anthropic/claude-3-5-haiku", generation_kwargs={"max_tokens": 9})
    data = generator.to_dict()
    assert "secret-value" not in json.dumps(data)
    restored = AIMLAPIBatchChatGenerator.from_dict(copy.deepcopy(data))
    assert restored.to_dict() == data


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_any_poll_body_is_read_or_handed_back_as_text(content: bytes) -> None:
    body = read_batch_poll(content)
    assert isinstance(body, dict | str)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
_result_keys = st.sampled_from(["result", "type", "message", "content", "error", "usage", "text"])
_nested = st.dictionaries(_result_keys, _json | st.sampled_from(["succeeded", "errored"]), max_size=4)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(_result_keys, _json | _nested | st.dictionaries(_result_keys, _nested, max_size=3), max_size=4))
def test_any_result_entry_ends_in_text_or_an_error(item: dict[str, Any]) -> None:
    outcome = read_batch_result(item)
    if outcome["error"] is None:
        assert isinstance(outcome["text"], str)
    else:
        assert isinstance(outcome["error"], str)


async def test_a_refused_cancel_is_logged_and_the_cancellation_still_reaches_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = BatchAPI(fixture("batch_get_generating.json"))
    generator = api.generator()
    generator.http_client_kwargs = {"transport": api.async_transport}
    refused = httpx.Response(400, json=fixture("batch_cancel_error_400.json"))
    original = api.answer

    def answer(request: httpx.Request) -> httpx.Response:
        if "/batches/cancel/" in request.url.path:
            api.requests.append(request)
            return refused
        return original(request)

    api.answer = answer  # type: ignore[method-assign]
    task = asyncio.ensure_future(generator.run_async(messages=["a"]))
    while len([request for request in api.requests if request.method == "GET"]) < 2:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert any("/batches/cancel/" in request.url.path for request in api.requests)
    assert "cannot be canceled because it has already finished processing" in caplog.text
