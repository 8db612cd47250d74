# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Wire tests of the model catalogue: both vocabularies and body shapes, ETag reuse, filters, key, errors."""

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from haystack.utils import Secret

from haystack_integrations.common.aimlapi import (
    CatalogueError,
    ModelCatalogue,
    ModelInfo,
    alist_models,
    list_models,
)
from haystack_integrations.common.aimlapi import catalogue as catalogue_module
from haystack_integrations.common.aimlapi.catalogue import models_from_body, normalize_capability, normalize_kind
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json, json_response

BASE = "http://catalogue.test/v1"

NEW = fixture_json("models_2026.json")
LEGACY = fixture_json("models_legacy.json")
CHAT_IDS = ["anthropic/claude-sonnet-4.5", "openai/gpt-5-chat-latest", "deepseek/deepseek-r1", "gpt-4o"]


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    ModelCatalogue.clear_cache()
    yield
    ModelCatalogue.clear_cache()


def catalogue(api: MockAPI, **kwargs: Any) -> ModelCatalogue:
    """A catalogue reading from `api`; retries are off unless asked for, so a failing answer is seen once."""
    kwargs.setdefault("max_retries", 0)
    return ModelCatalogue(api_base_url=BASE, http_client_kwargs={"transport": api.transport()}, **kwargs)


def comparable(model: ModelInfo) -> dict[str, Any]:
    """What both vocabularies must agree on: everything but how the API spelled the type, and modalities (which
    the older bodies did not carry)."""
    data = model.to_dict()
    for key in ("api_type", "input_modalities", "output_modalities"):
        data.pop(key)
    return data


# --- both vocabularies, both shapes ---------------------------------------------------------------------------------


def test_2026_vocabulary_is_read_into_typed_records() -> None:
    api = MockAPI(json_response(NEW))
    models = catalogue(api).list_models()

    assert [model.id for model in models] == [entry["id"] for entry in NEW["data"]]
    claude = models[0]
    assert claude == ModelInfo(
        id="anthropic/claude-sonnet-4.5",
        kind="chat",
        aliases=("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
        name="Claude Sonnet 4.5",
        developer="Anthropic",
        description="Anthropic's model for agents and coding.",
        context_length=200000,
        max_output_tokens=64000,
        capabilities=frozenset(
            {"streaming", "tools", "parallel_tool_calls", "vision", "structured_output", "file_input"}
        ),
        input_modalities=("text", "image", "file"),
        output_modalities=("text",),
        tags=("reasoning",),
        pricing=None,
        api_type="openai/chat-completions",
    )
    assert claude.raw["info"]["url"] == "https://aimlapi.com/models/claude-sonnet-4-5"
    assert {model.id: model.kind for model in models} == {
        "anthropic/claude-sonnet-4.5": "chat",
        "openai/gpt-5-chat-latest": "chat",
        "deepseek/deepseek-r1": "chat",
        "gpt-4o": "chat",
        "text-embedding-3-small": "embedding",
        "flux/schnell": "image",
        "google/veo-3": "video",
        "elevenlabs/eleven_multilingual_v2": "speech",
        "openai/gpt-4o-transcribe": "transcription",
        "minimax/music-2.0": "audio",
    }


def test_records_are_frozen_and_hashable() -> None:
    model = models_from_body(NEW)[0]
    with pytest.raises(AttributeError):
        model.id = "other"  # type: ignore[misc]
    assert len({model, models_from_body(NEW)[0]}) == 1


def test_legacy_bare_array_with_features_gives_the_same_records() -> None:
    new = catalogue(MockAPI(json_response(NEW))).list_models()
    ModelCatalogue.clear_cache()
    legacy = catalogue(MockAPI(json_response(LEGACY))).list_models()

    assert [comparable(model) for model in legacy] == [comparable(model) for model in new]
    assert legacy[0].api_type == "chat-completion"
    # `openai/chat-completion` names the endpoint, not a capability
    assert "chat_completion" not in legacy[0].capabilities
    assert legacy[3].capabilities == frozenset(
        {"streaming", "tools", "parallel_tool_calls", "vision", "structured_output"}
    )


@pytest.mark.parametrize(
    ("body", "expected_ids"),
    [
        pytest.param([*NEW["data"][:2]], ["anthropic/claude-sonnet-4.5", "openai/gpt-5-chat-latest"], id="new-bare"),
        pytest.param({"object": "list", "data": LEGACY[:1]}, ["anthropic/claude-sonnet-4.5"], id="legacy-list"),
        pytest.param({"object": "list", "data": []}, [], id="empty"),
    ],
)
def test_each_vocabulary_in_each_shape(body: Any, expected_ids: list[str]) -> None:
    models = catalogue(MockAPI(json_response(body))).list_models()
    assert [model.id for model in models] == expected_ids
    assert all(model.kind == "chat" and "tools" in model.capabilities for model in models)


def test_openai_shaped_catalogue_has_ids_and_owner_but_no_kind() -> None:
    models = catalogue(MockAPI(json_response(fixture_json("models_openai_shape.json")))).list_models()
    assert [(model.id, model.kind, model.developer) for model in models] == [
        ("gpt-4o", None, "openai"),
        ("text-embedding-3-small", None, "openai"),
    ]


def test_capabilities_as_a_map_or_objects_and_blocks_inside_info() -> None:
    body = {
        "data": [
            {"id": "a/map", "type": "chat-completion", "capabilities": {"tools": True, "vision": False}},
            {"id": "a/objects", "info": {"type": "openai/chat-completions", "capabilities": [{"name": "vision"}]}},
            {"id": "a/snake", "type": "chat_completion", "capabilities": ["function_calling", "json-schema"]},
        ]
    }
    models = {model.id: model for model in models_from_body(body)}
    assert models["a/map"].capabilities == frozenset({"tools"})
    assert models["a/objects"].kind == "chat"
    assert models["a/objects"].capabilities == frozenset({"vision"})
    assert models["a/snake"].kind == "chat"
    assert models["a/snake"].capabilities == frozenset({"tools", "structured_output"})
    assert models["a/snake"].supports("function") and not models["a/snake"].supports("vision")


@pytest.mark.parametrize(
    ("api_type", "kind"),
    [
        ("openai/chat-completions", "chat"),
        ("chat-completion", "chat"),
        ("openai/embeddings", "embedding"),
        ("embedding", "embedding"),
        ("openai/image-generations", "image"),
        ("image", "image"),
        ("openai/video-generations", "video"),
        ("video", "video"),
        ("audio", "audio"),
        ("speech", "speech"),
        ("tts", "speech"),
        ("openai/audio-speech", "speech"),
        ("stt", "transcription"),
        ("openai/speech-to-text", "transcription"),
        ("openai/responses", "responses"),
        ("language-completion", "completion"),
        ("OpenAI/Rerank", "rerank"),
    ],
)
def test_kinds_are_normalized(api_type: str, kind: str) -> None:
    assert normalize_kind(api_type) == kind


def test_entries_without_an_id_are_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    body = {"data": [{"id": "ok/model", "type": "chat-completion"}, {"type": "image"}, "junk", {"id": ""}]}
    models = models_from_body(body)
    assert [model.id for model in models] == ["ok/model"]
    assert "3 entries without a model id" in caplog.text


@pytest.mark.parametrize("body", [{"error": "nope"}, "a string", 42])
def test_a_body_that_is_not_a_catalogue_is_an_error(body: Any) -> None:
    with pytest.raises(CatalogueError, match="not a list of models"):
        catalogue(MockAPI(json_response(body))).list_models()


# --- the request --------------------------------------------------------------------------------------------------


def test_request_asks_for_capabilities_and_sends_the_key_and_attribution_headers() -> None:
    api = MockAPI(json_response(NEW))
    catalogue(api, extra_headers={"X-Title": "my app"}).list_models(kind="chat")

    request = api.last
    assert request.method == "GET"
    assert request.url.path == "/v1/models"
    assert request.url.params["include"] == "capabilities,modalities"
    # filters are applied locally, never sent in a vocabulary the server may not speak
    assert "type" not in request.url.params
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["x-title"] == "my app"
    assert request.headers["http-referer"] == "https://github.com/aimlapi/aimlapi-haystack"
    assert "if-none-match" not in request.headers


def test_no_key_means_no_authorization_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY")
    api = MockAPI(json_response(NEW))
    models = catalogue(api).list_models()
    assert len(models) == 10
    assert "authorization" not in api.last.headers


def test_key_is_read_at_each_call_and_an_explicit_secret_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    api = MockAPI(json_response(NEW))
    reader = catalogue(api)
    monkeypatch.setenv("AIMLAPI_API_KEY", "sk-later-key-1234")
    reader.list_models()
    assert api.last.headers["authorization"] == "Bearer sk-later-key-1234"

    explicit = catalogue(api, api_key=Secret.from_token("sk-explicit-5678"))
    explicit.list_models()
    assert api.last.headers["authorization"] == "Bearer sk-explicit-5678"
    assert "sk-explicit-5678" not in repr(explicit)


def test_base_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://127.0.0.1:9/custom/v1/")
    api = MockAPI(json_response(NEW))
    reader = ModelCatalogue(http_client_kwargs={"transport": api.transport()})
    reader.list_models()
    assert str(api.last.url).startswith("http://127.0.0.1:9/custom/v1/models?")


def test_pricing_is_asked_for_and_read() -> None:
    api = MockAPI(json_response(fixture_json("models_2026_pricing.json")))
    models = catalogue(api).list_models(include_pricing=True)

    assert api.last.url.params["include"] == "capabilities,modalities,pricing"
    claude, flux = models
    assert claude.pricing is not None
    assert (claude.pricing.input, claude.pricing.output, claude.pricing.unit) == (3.15, 15.75, "USD per 1M tokens")
    assert flux.pricing is not None
    assert (flux.pricing.input, flux.pricing.output) == (None, None)
    assert flux.pricing.raw["per_image"] == 0.0039
    assert claude.to_dict()["pricing"] == {"input": 3.15, "output": 15.75, "unit": "USD per 1M tokens"}


# --- ETag cache -----------------------------------------------------------------------------------------------------


def test_etag_is_sent_back_and_a_304_reuses_the_cached_records() -> None:
    api = MockAPI(json_response(NEW, headers={"ETag": '"v1"'}), httpx.Response(304))
    first = catalogue(api).list_models()
    # another instance in the same process shares the cache
    second = catalogue(api).list_models(kind="embedding")

    assert api.requests[1].headers["if-none-match"] == '"v1"'
    assert [model.id for model in second] == ["text-embedding-3-small"]
    assert second[0] is next(model for model in first if model.id == "text-embedding-3-small")


def test_a_changed_catalogue_replaces_the_cached_one() -> None:
    api = MockAPI(
        json_response(NEW, headers={"ETag": '"v1"'}),
        json_response({"data": NEW["data"][:1]}, headers={"ETag": '"v2"'}),
        httpx.Response(304),
    )
    reader = catalogue(api)
    reader.list_models()
    assert [model.id for model in reader.list_models()] == ["anthropic/claude-sonnet-4.5"]
    assert [model.id for model in reader.list_models()] == ["anthropic/claude-sonnet-4.5"]
    assert [request.headers.get("if-none-match") for request in api.requests] == [None, '"v1"', '"v2"']


def test_cache_is_kept_apart_per_url_query_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    api = MockAPI(json_response(NEW, headers={"ETag": '"v1"'}))
    catalogue(api).list_models()
    catalogue(api).list_models(include_pricing=True)  # another query
    ModelCatalogue(api_base_url="http://other.test/v1", http_client_kwargs={"transport": api.transport()}).fetch()
    monkeypatch.setenv("AIMLAPI_API_KEY", "sk-another-key-0000")
    catalogue(api).list_models()  # another key

    assert [request.headers.get("if-none-match") for request in api.requests] == [None, None, None, None]
    assert TEST_KEY not in str(ModelCatalogue._cache)


def test_without_etag_nothing_is_cached() -> None:
    api = MockAPI(json_response(NEW))
    catalogue(api).list_models()
    catalogue(api).list_models()
    assert "if-none-match" not in api.requests[1].headers


def test_a_304_after_the_cache_was_cleared_is_an_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ModelCatalogue.clear_cache()  # as if another thread cleared it while the request was in flight
        return httpx.Response(304)

    api = MockAPI(json_response(NEW, headers={"ETag": '"v1"'}), answer)
    reader = catalogue(api)
    reader.list_models()
    with pytest.raises(CatalogueError, match="304") as error:
        reader.list_models()
    assert error.value.status_code == 304


# --- filters --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [NEW, LEGACY], ids=["2026", "legacy"])
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "chat"}, CHAT_IDS),
        ({"kind": "chat-completion"}, CHAT_IDS),
        ({"kind": "openai/embeddings"}, ["text-embedding-3-small"]),
        ({"kind": "speech"}, ["elevenlabs/eleven_multilingual_v2"]),
        ({"capability": "tools"}, ["anthropic/claude-sonnet-4.5", "openai/gpt-5-chat-latest", "gpt-4o"]),
        ({"capability": ["tools", "parallel_tool_calls"]}, ["anthropic/claude-sonnet-4.5", "gpt-4o"]),
        ({"capability": "function"}, ["anthropic/claude-sonnet-4.5", "openai/gpt-5-chat-latest", "gpt-4o"]),
        ({"capability": "file_input"}, ["anthropic/claude-sonnet-4.5"]),
        ({"search": "CLAUDE"}, ["anthropic/claude-sonnet-4.5"]),
        ({"search": "deepseek-reasoner"}, ["deepseek/deepseek-r1"]),  # an alias
        ({"search": "black forest"}, ["flux/schnell"]),  # the developer
        ({"kind": "chat", "capability": "vision", "search": "gpt"}, ["openai/gpt-5-chat-latest", "gpt-4o"]),
        ({"kind": "chat", "search": "flux"}, []),
    ],
)
def test_filters(body: Any, filters: dict[str, Any], expected: list[str]) -> None:
    models = catalogue(MockAPI(json_response(body))).list_models(**filters)
    assert [model.id for model in models] == expected


@pytest.mark.parametrize(
    "filters",
    [{"kind": ""}, {"kind": 3}, {"search": "  "}, {"capability": ""}, {"capability": ["tools", None]}],
)
def test_bad_filters_fail_before_any_request(filters: dict[str, Any]) -> None:
    api = MockAPI(json_response(NEW))
    with pytest.raises(TypeError, match=r"kind|search|capability"):
        catalogue(api).list_models(**filters)
    assert api.requests == []


def test_capability_names_in_either_vocabulary() -> None:
    assert normalize_capability("openai/chat-completion.function") == "tools"
    assert normalize_capability("openai/chat-completion.message.image") == "vision"
    assert normalize_capability("openai/chat-completion.response-format") == "structured_output"
    assert normalize_capability("Parallel-Tool-Calls") == "parallel_tool_calls"
    assert normalize_capability("openai/chat-completion.web-search") == "web_search"


# --- errors ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fixture", "text"),
    [
        (401, "error_401.json", "requires a valid API key"),
        (403, "error_403_credits.json", "You've run out of credits"),
    ],
)
def test_api_errors_carry_aimlapi_message_and_status(status: int, fixture: str, text: str) -> None:
    body = fixture_json(fixture)
    api = MockAPI(json_response(body, status=status))
    with pytest.raises(CatalogueError) as error:
        catalogue(api).list_models()
    assert error.value.status_code == status
    assert text in str(error.value)
    assert f"Error code: {status}" in str(error.value)
    assert body["requestId"] in str(error.value)


def test_an_error_that_echoes_the_key_does_not_leak_it() -> None:
    api = MockAPI(json_response({"message": f"Key {TEST_KEY} is not allowed here"}, status=401))
    with pytest.raises(CatalogueError) as error:
        catalogue(api).list_models()
    assert TEST_KEY not in str(error.value)
    assert "Key *** is not allowed here" in str(error.value)


def test_html_error_page_is_described_not_dumped() -> None:
    page = "<html><head><style>x{}</style></head><body><h1>502 Bad Gateway</h1></body></html>"
    api = MockAPI(httpx.Response(502, text=page, headers={"content-type": "text/html"}))
    with pytest.raises(CatalogueError, match="HTML page, not JSON: 502 Bad Gateway") as error:
        catalogue(api).list_models()
    assert error.value.status_code == 502


def test_a_success_that_is_not_json_is_an_error() -> None:
    api = MockAPI(httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}))
    with pytest.raises(CatalogueError, match=r"did not answer with JSON.*maintenance"):
        catalogue(api).list_models()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between catalogue attempts, recorded instead of slept (sync and async)."""
    recorded: list[float] = []

    async def record_async(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(catalogue_module.time, "sleep", recorded.append)
    monkeypatch.setattr(catalogue_module.asyncio, "sleep", record_async)
    return recorded


@pytest.mark.parametrize("use_async", [False, True])
async def test_busy_and_unreachable_answers_are_retried(waits: list[float], use_async: bool) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    api = MockAPI(
        httpx.Response(429, json={"message": "Too many requests"}, headers={"retry-after": "3"}),
        refuse,
        httpx.Response(503, text="busy", headers={"retry-after-ms": "250"}),
        json_response(fixture_json("models_2026.json")),
    )
    reader = catalogue(api, max_retries=3)
    models = await reader.alist_models() if use_async else reader.list_models()
    assert len(models) == len(fixture_json("models_2026.json")["data"])
    assert len(api.requests) == 4
    assert waits == [3.0, 1.0, 0.25]  # Retry-After, the backoff's second step, retry-after-ms


def test_retries_end_with_the_last_answer(waits: list[float]) -> None:
    api = MockAPI(json_response(fixture_json("error_429.json"), status=429))
    with pytest.raises(CatalogueError) as raised:
        catalogue(api, max_retries=2).list_models()
    assert raised.value.status_code == 429
    assert len(api.requests) == 3
    assert waits == [0.5, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(waits: list[float], status: int) -> None:
    api = MockAPI(json_response({"message": "no"}, status=status))
    with pytest.raises(CatalogueError):
        catalogue(api, max_retries=3).list_models()
    assert len(api.requests) == 1
    assert waits == []


def test_max_retries_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_MAX_RETRIES", "7")
    assert ModelCatalogue().max_retries == 7
    assert "max_retries=7" in repr(ModelCatalogue())


def test_unreachable_and_timeout_become_catalogue_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(CatalogueError, match=r"Could not reach .*/v1/models: ConnectError.*refused") as refused:
        catalogue(MockAPI(refuse)).list_models()
    assert refused.value.status_code is None
    with pytest.raises(CatalogueError, match="did not answer within 2 s"):
        catalogue(MockAPI(stall), timeout=2).list_models()


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"api_base_url": "api.aimlapi.com/v1"}, ValueError, "api_base_url"),
        ({"timeout": -1}, ValueError, "timeout"),
        ({"api_key": "sk-plain-string"}, TypeError, "api_key must be a haystack.utils.Secret"),
        ({"http_client_kwargs": ["transport"]}, TypeError, "http_client_kwargs"),
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict[str, Any], error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text) as raised:
        ModelCatalogue(**kwargs)
    assert "sk-plain-string" not in str(raised.value)


# --- module-level helpers and async ---------------------------------------------------------------------------------


def test_list_models_function() -> None:
    api = MockAPI(json_response(NEW))
    models = list_models(kind="video", api_base_url=BASE, http_client_kwargs={"transport": api.transport()})
    assert [model.id for model in models] == ["google/veo-3"]


async def test_alist_models_reads_filters_and_reuses_the_etag_cache() -> None:
    api = MockAPI(json_response(LEGACY, headers={"ETag": 'W/"abc"'}), httpx.Response(304))
    kwargs = {"api_base_url": BASE, "http_client_kwargs": {"transport": api.async_transport()}}
    first = await alist_models(capability="tools", **kwargs)
    second = await ModelCatalogue(**kwargs).alist_models(capability="tools", search="gpt")

    assert [model.id for model in first] == ["anthropic/claude-sonnet-4.5", "openai/gpt-5-chat-latest", "gpt-4o"]
    assert [model.id for model in second] == ["openai/gpt-5-chat-latest", "gpt-4o"]
    assert api.requests[1].headers["if-none-match"] == 'W/"abc"'
    assert api.requests[0].headers["authorization"] == f"Bearer {TEST_KEY}"


async def test_async_errors_carry_aimlapi_message() -> None:
    api = MockAPI(json_response(fixture_json("error_403_credits.json"), status=403))
    reader = ModelCatalogue(api_base_url=BASE, http_client_kwargs={"transport": api.async_transport()})
    with pytest.raises(CatalogueError, match="You've run out of credits"):
        await reader.alist_models()


def test_to_dict_is_json_ready() -> None:
    data = [model.to_dict() for model in models_from_body(NEW)]
    assert json.loads(json.dumps(data))[0]["capabilities"] == sorted(
        ["file_input", "parallel_tool_calls", "streaming", "structured_output", "tools", "vision"]
    )
