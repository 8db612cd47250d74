# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Every component takes, saves and restores the same connection settings, builds its client from them, and builds it
once however many threads warm it up.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from haystack.utils import Secret

from haystack_integrations.common.aimlapi.settings import ATTRIBUTION_HEADERS, DEFAULT_BASE_URL
from haystack_integrations.components.audio.aimlapi import AIMLAPITextToSpeech, AIMLAPITranscriber
from haystack_integrations.components.converters.aimlapi import AIMLAPIOCRDocumentConverter
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import (
    AIMLAPIBatchChatGenerator,
    AIMLAPIChatGenerator,
    AIMLAPIImageGenerator,
)

COMPONENTS = [
    AIMLAPIChatGenerator,
    AIMLAPIBatchChatGenerator,
    AIMLAPIImageGenerator,
    AIMLAPITextEmbedder,
    AIMLAPIDocumentEmbedder,
    AIMLAPITranscriber,
    AIMLAPITextToSpeech,
    AIMLAPIOCRDocumentConverter,
]
IDS = [component.__name__ for component in COMPONENTS]

CONNECTION = {
    "api_base_url": "http://127.0.0.1:9/v1",
    "timeout": 7.5,
    "max_retries": 2,
    "extra_headers": {"X-Title": "My app", "X-Trace": "on"},
    "http_client_kwargs": {"trust_env": False},
}
CONNECTION_KEYS = tuple(CONNECTION)


def _connection_part(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data["init_parameters"][key] for key in CONNECTION_KEYS}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", "sk-connection-test")
    for name in ("AIMLAPI_BASE_URL", "AIMLAPI_TIMEOUT", "AIMLAPI_MAX_RETRIES", "OPENAI_TIMEOUT", "OPENAI_MAX_RETRIES"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("component_class", COMPONENTS, ids=IDS)
def test_to_dict_writes_the_connection_settings_as_given(component_class: type) -> None:
    data = component_class(**CONNECTION).to_dict()

    assert _connection_part(data) == CONNECTION
    assert data["init_parameters"]["api_key"] == {"type": "env_var", "env_vars": ["AIMLAPI_API_KEY"], "strict": True}
    assert "sk-connection-test" not in repr(data)


@pytest.mark.parametrize("component_class", COMPONENTS, ids=IDS)
def test_defaults_are_saved_unresolved_but_the_base_url(component_class: type) -> None:
    data = component_class().to_dict()

    assert _connection_part(data) == {
        "api_base_url": DEFAULT_BASE_URL,
        "timeout": None,
        "max_retries": None,
        "extra_headers": None,
        "http_client_kwargs": None,
    }


@pytest.mark.parametrize("component_class", COMPONENTS, ids=IDS)
def test_base_url_from_the_environment_is_recorded_at_construction(
    component_class: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://127.0.0.1:8/v2")
    component = component_class()
    monkeypatch.delenv("AIMLAPI_BASE_URL")

    assert component.to_dict()["init_parameters"]["api_base_url"] == "http://127.0.0.1:8/v2"


def test_every_component_saves_the_same_connection_settings_the_same_way() -> None:
    parts = {
        component_class.__name__: _connection_part(component_class(**CONNECTION).to_dict())
        for component_class in COMPONENTS
    }

    assert all(part == parts["AIMLAPIChatGenerator"] for part in parts.values()), parts


@pytest.mark.parametrize("component_class", COMPONENTS, ids=IDS)
def test_a_restored_component_builds_its_client_from_the_saved_settings(component_class: type) -> None:
    restored = component_class.from_dict(component_class(**CONNECTION).to_dict())
    restored.warm_up()
    client = restored.client

    assert isinstance(restored.api_key, Secret)
    assert str(client.base_url).rstrip("/") == CONNECTION["api_base_url"]
    assert client.timeout == CONNECTION["timeout"]
    assert client.max_retries == CONNECTION["max_retries"]
    assert client.default_headers["X-Title"] == "My app"
    assert client.default_headers["X-Trace"] == "on"
    assert client.default_headers["HTTP-Referer"] == ATTRIBUTION_HEADERS["HTTP-Referer"]
    assert client.api_key == "sk-connection-test"
    restored.client.close()


@pytest.mark.parametrize("component_class", COMPONENTS, ids=IDS)
def test_a_new_component_has_no_client_until_warm_up(component_class: type) -> None:
    component = component_class(**CONNECTION)

    assert component.client is None
    assert component.async_client is None


@pytest.mark.parametrize("component_class", COMPONENTS, ids=IDS)
def test_threads_warming_up_one_component_share_one_client(component_class: type) -> None:
    component = component_class()
    barrier = threading.Barrier(8)

    def warm() -> int:
        barrier.wait()
        component.warm_up()
        return id(component.client)

    with ThreadPoolExecutor(8) as pool:
        client_ids = list(pool.map(lambda _: warm(), range(8)))
    assert len(client_ids) == 8
    assert len(set(client_ids)) == 1
    assert component.client is not None


@pytest.mark.parametrize("component_class", COMPONENTS, ids=IDS)
def test_repr_names_the_component_and_never_the_key(component_class: type) -> None:
    # Haystack's @component gives every component the same repr (its class, inputs and outputs).
    component = component_class(api_key=Secret.from_token("sk-in-repr"), **CONNECTION)
    component.warm_up()

    shown = repr(component)

    assert component_class.__name__ in shown and "Inputs:" in shown
    assert "sk-in-repr" not in shown
    component.client.close()
