# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The private upstream names in common/aimlapi/upstream.py still exist, with the shape and behaviour it relies on.

Each failure names the symbol and what breaks without it, so that a new Haystack or openai release that changes one
is found here first, not by a user.
"""

import ast
import asyncio
import json
import logging
from pathlib import Path

import httpx
import pytest
from haystack.dataclasses import ChatMessage
from openai import APIStatusError, AuthenticationError
from pydantic import BaseModel

from haystack_integrations.common.aimlapi import upstream
from haystack_integrations.common.aimlapi.clients import AIMLAPIClient, AsyncAIMLAPIClient
from haystack_integrations.common.aimlapi.sse import TRANSPORT_ERRORS
from haystack_integrations.components.embedders.aimlapi import AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.conftest import TEST_KEY

SRC = Path(__file__).parents[2] / "src"
ERROR_BODY = {"message": "You've run out of credits", "requestId": "req-42", "statusCode": 401}


def test_no_upstream_symbol_has_changed_shape() -> None:
    problems = upstream.upstream_problems()
    assert problems == [], "An upstream release changed what upstream.py relies on:\n" + "\n".join(problems)


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("haystack", "openai"):
            parts = node.module.split(".")
            names = [alias.name for alias in node.names]
            if any(part.startswith("_") for part in parts) or any(name.startswith("_") for name in names):
                found.append(f"{path.relative_to(SRC)}: from {node.module} import {', '.join(names)}")
    return found


def test_only_the_adapter_module_imports_private_upstream_names() -> None:
    found = [line for path in sorted(SRC.rglob("*.py")) for line in _private_imports(path)]
    assert found == [], "Private Haystack/openai names belong in common/aimlapi/upstream.py only:\n" + "\n".join(found)


def test_only_the_adapter_module_calls_private_parent_methods() -> None:
    # The request builders of the parents are reached through upstream.parent_chat_request / parent_embedding_request.
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "upstream.py":
            continue
        for name in ("._prepare_api_call(", "._prepare_input(", "._make_status_error(", "._process_response("):
            if f"){name}" in path.read_text():
                offenders.append(f"{path.relative_to(SRC)} calls super(){name}")
    assert offenders == [], "\n".join(offenders)


def _status_handler(request: httpx.Request) -> httpx.Response:
    # The server quotes the key back; it must not reach the exception.
    return httpx.Response(401, json={**ERROR_BODY, "path": request.headers["authorization"]})


def test_status_error_hook_still_runs_sync() -> None:
    transport = httpx.MockTransport(_status_handler)
    client = AIMLAPIClient(
        api_key=TEST_KEY, base_url="http://test/v1", max_retries=0, http_client=httpx.Client(transport=transport)
    )
    with pytest.raises(AuthenticationError) as caught:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert "You've run out of credits" in str(caught.value), (
        f"openai.OpenAI.{upstream.STATUS_ERROR_HOOK} no longer runs for HTTP errors: errors lost AI/ML API's message"
    )
    assert "req-42" in str(caught.value)
    assert caught.value.status_code == 401
    assert TEST_KEY not in str(caught.value)
    assert TEST_KEY not in json.dumps(caught.value.body)


async def test_status_error_hook_still_runs_async() -> None:
    client = AsyncAIMLAPIClient(
        api_key=TEST_KEY,
        base_url="http://test/v1",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(_status_handler)),
    )
    with pytest.raises(APIStatusError) as caught:
        await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert "You've run out of credits (request id req-42)" in str(caught.value), (
        f"openai.AsyncOpenAI.{upstream.STATUS_ERROR_HOOK} no longer runs for HTTP errors"
    )
    assert caught.value.request_id is None or isinstance(caught.value.request_id, str)


COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
}
COST_HEADERS = {"x-aimlapi-used-credits": "248", "x-aimlapi-usd-spent": "0.000124"}


def test_response_hook_still_runs_sync() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=COMPLETION, headers=COST_HEADERS))
    client = AIMLAPIClient(api_key=TEST_KEY, base_url="http://test/v1", http_client=httpx.Client(transport=transport))
    completion = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert completion.model_extra is not None
    assert "meta" in completion.model_extra, (
        f"openai.OpenAI.{upstream.RESPONSE_HOOK} no longer runs: replies lost the cost stated in the headers"
    )


async def test_response_hook_still_runs_async() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=COMPLETION, headers=COST_HEADERS))
    client = AsyncAIMLAPIClient(
        api_key=TEST_KEY, base_url="http://test/v1", http_client=httpx.AsyncClient(transport=transport)
    )
    completion = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert completion.model_extra is not None
    assert "meta" in completion.model_extra, f"openai.AsyncOpenAI.{upstream.RESPONSE_HOOK} no longer runs"


def test_parent_chat_request_still_builds_the_sdk_arguments() -> None:
    generator = AIMLAPIChatGenerator(model="m")
    arguments = upstream.parent_chat_request(
        super(AIMLAPIChatGenerator, generator),
        messages=[ChatMessage.from_user("hi")],
        streaming_callback=None,
        generation_kwargs={"temperature": 0.5},
        tools=None,
        tools_strict=None,
    )
    assert arguments["model"] == "m", "OpenAIChatGenerator._prepare_api_call no longer returns the SDK's arguments"
    assert arguments["messages"] == [{"role": "user", "content": "hi"}]
    assert arguments["temperature"] == 0.5
    assert arguments["openai_endpoint"] in ("create", "parse")


def test_parent_embedding_request_still_builds_the_fields() -> None:
    embedder = AIMLAPITextEmbedder(model="e", prefix="q: ", dimensions=8)
    fields = upstream.parent_embedding_request(super(AIMLAPITextEmbedder, embedder), "hi")
    assert fields["model"] == "e", "OpenAITextEmbedder._prepare_input no longer returns the request's fields"
    assert fields["input"] == "q: hi"
    assert fields["dimensions"] == 8


def test_a_missing_hook_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai import OpenAI  # noqa: PLC0415

    monkeypatch.setattr(OpenAI, upstream.STATUS_ERROR_HOOK, None)
    problems = upstream.upstream_problems()
    assert any("openai.OpenAI._make_status_error is gone" in problem for problem in problems)


def test_a_reshaped_hook_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai import AsyncOpenAI  # noqa: PLC0415

    monkeypatch.setattr(AsyncOpenAI, upstream.RESPONSE_HOOK, lambda self, raw: raw)
    problems = upstream.upstream_problems()
    assert any("openai.AsyncOpenAI._process_response no longer takes response, stream=" in p for p in problems)


# --- our own versions of the private helpers once imported: same behaviour as upstream's ----------------------------


class Answer(BaseModel):
    """An answer."""

    text: str
    score: float | None = None


def test_strict_json_schema_is_the_sdks() -> None:
    schema = upstream.strict_json_schema(Answer)
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["score", "text"]
    try:
        from openai.lib._pydantic import to_strict_json_schema  # noqa: PLC0415
    except ImportError:
        return  # the private original is gone; ours still gives the strict schema checked above
    assert schema == to_strict_json_schema(Answer)


def test_warn_on_finish_reason_warns_for_cut_replies(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        upstream.warn_on_finish_reason({"finish_reason": "length", "index": 0})
        upstream.warn_on_finish_reason({"finish_reason": "content_filter", "index": 1})
        upstream.warn_on_finish_reason({"finish_reason": "stop", "index": 2})
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    # The parent's words, which users search logs for.
    assert "has been truncated before reaching a natural stopping point" in messages[0]
    assert "has been truncated due to the content filter" in messages[1]


def test_call_streaming_callback_takes_sync_and_async_callbacks() -> None:
    seen: list[str] = []

    async def async_callback(chunk: str) -> None:
        seen.append("async " + chunk)

    def returns_a_value(chunk: str) -> int:
        seen.append("value " + chunk)
        return 1

    assert upstream.call_streaming_callback(seen.append, "a") is None
    assert upstream.call_streaming_callback(returns_a_value, "b") is None  # a plain callback's result is not awaited
    pending = upstream.call_streaming_callback(async_callback, "c")
    assert seen == ["a", "value b"]  # the coroutine has not run yet
    assert pending is not None
    asyncio.run(pending)  # type: ignore[arg-type]
    assert seen == ["a", "value b", "async c"]


def test_serialize_object_gives_plain_data() -> None:
    from openai.types import CompletionUsage  # noqa: PLC0415

    usage = CompletionUsage(prompt_tokens=1, completion_tokens=2, total_tokens=3)
    assert upstream.serialize_object(usage)["total_tokens"] == 3
    assert upstream.serialize_object({"a": [usage]})["a"][0]["prompt_tokens"] == 1
    assert upstream.serialize_object(None) is None


@pytest.mark.parametrize(("raw", "expected"), [('{"a": 1}', {"a": 1}), ("", {}), (None, {}), ({"b": 2}, {"b": 2})])
def test_parse_tool_call_arguments(raw: object, expected: object) -> None:
    assert upstream.parse_tool_call_arguments(raw) == expected


def test_parse_tool_call_arguments_refuses_broken_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        upstream.parse_tool_call_arguments('{"a": ')


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ReadTimeout("timed out"), "timeout"),
        (httpx.RemoteProtocolError("peer closed connection without sending complete message body"), "disconnect"),
        (httpx.ReadError("connection reset"), "disconnect"),
    ],
)
def test_a_stream_broken_below_the_sdk_is_a_stream_interruption(error: Exception, reason: str) -> None:
    # Older openai releases (2.x, early 3.x) let httpx's own errors out of a broken stream; newer ones wrap them.
    from haystack.dataclasses import ComponentInfo  # noqa: PLC0415

    from haystack_integrations.components.generators.aimlapi.chat.conversions import StreamAssembler  # noqa: PLC0415

    assembler = StreamAssembler(ComponentInfo(type="AIMLAPIChatGenerator"), secrets=(TEST_KEY,))
    interrupted = assembler.interrupted(error)
    assert interrupted.reason == reason
    assert isinstance(error, TRANSPORT_ERRORS)
