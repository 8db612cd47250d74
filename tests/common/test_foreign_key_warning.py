# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""A pipeline saved by Haystack's OpenAI components, loaded as ours, says that it sends OPENAI_API_KEY to AI/ML API."""

import json
import logging

import httpx
import pytest
from haystack.components.embedders import OpenAITextEmbedder
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.utils import Secret

from haystack_integrations.common.aimlapi import settings
from haystack_integrations.components.embedders.aimlapi import AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

OUR_CHAT = f"{AIMLAPIChatGenerator.__module__}.{AIMLAPIChatGenerator.__name__}"
OUR_EMBEDDER = f"{AIMLAPITextEmbedder.__module__}.{AIMLAPITextEmbedder.__name__}"


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "_WARNED_FOREIGN_KEYS", set())
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret-value")
    monkeypatch.setenv("AIMLAPI_API_KEY", "sk-aimlapi-value")
    monkeypatch.delenv("AIMLAPI_BASE_URL", raising=False)


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/embeddings"):
        return httpx.Response(200, json={"data": [{"index": 0, "embedding": [0.5, 0.25]}], "model": "m"})
    body = {"id": "c", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}]}
    return httpx.Response(200, json=body)


def _from_parent(parent_dict: dict, our_type: str) -> dict:
    data = json.loads(json.dumps(parent_dict))
    data["type"] = our_type
    data["init_parameters"].pop("api_base_url", None)  # the parent writes OpenAI's as null: ours then uses AI/ML API
    data["init_parameters"]["http_client_kwargs"] = {"transport": httpx.MockTransport(_answer)}
    return data


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if "OPENAI_API_KEY" in record.getMessage()]


def test_a_parents_chat_pipeline_warns_once_and_names_the_fix(caplog: pytest.LogCaptureFixture) -> None:
    generator = AIMLAPIChatGenerator.from_dict(_from_parent(OpenAIChatGenerator().to_dict(), OUR_CHAT))
    with caplog.at_level(logging.WARNING):
        generator.run([ChatMessage.from_user("Hi")])
        generator.run([ChatMessage.from_user("Hi")])
        AIMLAPIChatGenerator.from_dict(_from_parent(OpenAIChatGenerator().to_dict(), OUR_CHAT)).run(
            [ChatMessage.from_user("Hi")]
        )
    [message] = _warnings(caplog)  # once per process, however many components and clients
    assert "https://api.aimlapi.com/v1" in message
    assert "Secret.from_env_var('AIMLAPI_API_KEY')" in message
    assert "sk-openai-secret-value" not in caplog.text


def test_a_parents_embedder_pipeline_warns_too(caplog: pytest.LogCaptureFixture) -> None:
    embedder = AIMLAPITextEmbedder.from_dict(_from_parent(OpenAITextEmbedder().to_dict(), OUR_EMBEDDER))
    with caplog.at_level(logging.WARNING):
        assert embedder.run("Hi")["embedding"] == [0.5, 0.25]
    assert len(_warnings(caplog)) == 1


@pytest.mark.parametrize(
    ("api_key", "api_base_url"),
    [
        (Secret.from_env_var("AIMLAPI_API_KEY"), None),  # our own variable
        (Secret.from_env_var(["AIMLAPI_API_KEY", "OPENAI_API_KEY"]), None),  # ours first: a deliberate fallback
        (Secret.from_token("sk-token"), None),
        (Secret.from_env_var("OPENAI_API_KEY"), "http://127.0.0.1:9/v1"),  # the user's own server, not AI/ML API
    ],
)
def test_no_warning_otherwise(caplog: pytest.LogCaptureFixture, api_key: Secret, api_base_url: str | None) -> None:
    generator = AIMLAPIChatGenerator(
        api_key=api_key, api_base_url=api_base_url, http_client_kwargs={"transport": httpx.MockTransport(_answer)}
    )
    with caplog.at_level(logging.WARNING):
        generator.run([ChatMessage.from_user("Hi")])
    assert _warnings(caplog) == []
