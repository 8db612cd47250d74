# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPITextEmbedder on the wire: request body, extras, meta and cost, errors, configuration and copies."""

import copy
import json
import pickle

import openai
import pytest
from haystack import Pipeline
from haystack.utils import Secret

from haystack_integrations.common.aimlapi import DEFAULT_BASE_URL
from haystack_integrations.components.embedders.aimlapi import AIMLAPITextEmbedder
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json, json_response

from .conftest import EmbeddingsAPI, embeddings_fixture, vector_for


def test_request_body_headers_and_output(make_text_embedder):
    api = EmbeddingsAPI()
    result = make_text_embedder(api).run("What is the capital of France?")

    (request,) = api.requests
    assert request.method == "POST"
    assert str(request.url) == f"{DEFAULT_BASE_URL}/embeddings"
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["x-title"] == "Haystack"
    assert request.headers["http-referer"] == "https://github.com/aimlapi/aimlapi-haystack"
    assert json.loads(request.content) == {
        "model": "text-embedding-3-small",
        "input": "What is the capital of France?",
        "encoding_format": "base64",
    }
    assert result["embedding"] == vector_for("What is the capital of France?")
    assert result["meta"] == {
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 6, "total_tokens": 6, "cost": 1e-06, "credits_used": 2},
        "cost": {"credits_used": 2, "usd_spent": 1e-06},
        "client_request_id": request.headers["x-client-request-id"],
        "inference_id": None,
    }


@pytest.mark.parametrize("fixture", ["embeddings_base64.json", "embeddings_float.json"])
def test_both_encodings_decode_to_the_same_floats(fixture):
    # The fixtures answer two inputs; the text embedder sends one, so keep the first embedding.
    body = embeddings_fixture(fixture)
    body["data"] = body["data"][:1]
    api = MockAPI(json_response(body))
    embedder = AIMLAPITextEmbedder(http_client_kwargs={"transport": api.transport()}, max_retries=0)
    embedding = embedder.run("hi")["embedding"]
    assert embedding == pytest.approx([0.0023064255, -0.009327292, 0.015797347, -0.0077780345], rel=1e-6)
    assert all(isinstance(value, float) for value in embedding)


def test_float_encoding_is_honoured(make_text_embedder):
    api = EmbeddingsAPI()
    result = make_text_embedder(api, encoding_format="float").run("hello")
    assert api.bodies()[0]["encoding_format"] == "float"
    assert result["embedding"] == vector_for("hello")


def test_dimensions_prefix_suffix_and_model(make_text_embedder):
    api = EmbeddingsAPI(model="text-embedding-3-large")
    result = make_text_embedder(api, model="text-embedding-3-large", dimensions=256, prefix="query: ", suffix=" ?").run(
        "capital of France"
    )
    assert api.bodies()[0] == {
        "model": "text-embedding-3-large",
        "input": "query: capital of France ?",
        "encoding_format": "base64",
        "dimensions": 256,
    }
    assert result["embedding"] == vector_for("query: capital of France ?", 256)
    assert result["meta"]["model"] == "text-embedding-3-large"


def test_model_family_extras_travel_at_the_top_level_of_the_body(make_text_embedder):
    api = EmbeddingsAPI()
    make_text_embedder(
        api,
        model="google/text-embedding-004",
        task_type="RETRIEVAL_QUERY",
        auto_truncate=True,
        title="Geography",
        extra_body={"output_dtype": "float"},
    ).run("capital of France")
    body = api.bodies()[0]
    assert body["task_type"] == "RETRIEVAL_QUERY"
    assert body["auto_truncate"] is True
    assert body["title"] == "Geography"
    assert body["output_dtype"] == "float"
    assert "extra_body" not in body


def test_voyage_input_type(make_text_embedder):
    api = EmbeddingsAPI()
    make_text_embedder(api, model="voyage-3", input_type="query").run("capital of France")
    assert api.bodies()[0]["input_type"] == "query"


def test_cost_from_a_google_route_with_credits_only():
    api = MockAPI(json_response(embeddings_fixture("embeddings_google_route.json")))
    embedder = AIMLAPITextEmbedder(
        model="google/text-embedding-004", http_client_kwargs={"transport": api.transport()}, max_retries=0
    )
    result = embedder.run("hello")
    assert result["embedding"] == [0.25, -0.5, 0.125]
    assert result["meta"]["model"] == "text-embedding-004"
    assert result["meta"]["cost"] == {"credits_used": 3, "usd_spent": 3 / 2_000_000}


def test_a_201_answer_is_a_success():
    # AI/ML API documents 201 as the success status of /v1/embeddings.
    body = embeddings_fixture("embeddings_google_route.json")
    api = MockAPI(json_response(body, status=201))
    embedder = AIMLAPITextEmbedder(
        model="textembedding-gecko@003", http_client_kwargs={"transport": api.transport()}, max_retries=0
    )
    assert embedder.run("hello")["embedding"] == [0.25, -0.5, 0.125]


def test_no_cost_key_when_the_server_reports_none():
    body = embeddings_fixture("embeddings_google_route.json")
    del body["meta"]
    api = MockAPI(json_response(body))
    result = AIMLAPITextEmbedder(http_client_kwargs={"transport": api.transport()}, max_retries=0).run("hello")
    assert "cost" not in result["meta"]
    assert result["meta"]["usage"] == {"prompt_tokens": 5, "total_tokens": 5}


@pytest.mark.parametrize("use_async", [False, True])
async def test_cost_falls_back_to_the_cost_headers(use_async):
    body = embeddings_fixture("embeddings_google_route.json")
    del body["meta"]
    headers = {"x-aimlapi-credits-used": "40", "x-aimlapi-usd-spent": "0.00002"}
    api = MockAPI(json_response(body, headers=headers))
    transport = api.async_transport() if use_async else api.transport()
    embedder = AIMLAPITextEmbedder(http_client_kwargs={"transport": transport}, max_retries=0)
    result = await embedder.run_async("hello") if use_async else embedder.run("hello")
    assert result["meta"]["cost"] == {"credits_used": 40, "usd_spent": 0.00002}


async def test_run_async(make_text_embedder):
    api = EmbeddingsAPI()
    result = await make_text_embedder(api, use_async=True, task_type="RETRIEVAL_QUERY").run_async("hello")
    assert result["embedding"] == vector_for("hello")
    assert api.bodies()[0]["task_type"] == "RETRIEVAL_QUERY"
    assert result["meta"]["cost"] == {"credits_used": 2, "usd_spent": 1e-06}


# --- bad input, before any request -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (None, TypeError, "text must be a str"),
        (["a list"], TypeError, "AIMLAPIDocumentEmbedder"),
        (42, TypeError, "text must be a str"),
        ("", ValueError, "empty or blank"),
        ("   \n", ValueError, "empty or blank"),
    ],
)
def test_bad_text_fails_before_any_request(make_text_embedder, text, error, message):
    api = EmbeddingsAPI()
    with pytest.raises(error, match=message):
        make_text_embedder(api).run(text)
    assert api.requests == []


async def test_bad_text_fails_before_any_request_async(make_text_embedder):
    api = EmbeddingsAPI()
    with pytest.raises(ValueError, match="empty or blank"):
        await make_text_embedder(api, use_async=True).run_async("")
    assert api.requests == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"dimensions": 0}, ValueError, "dimensions must be a positive whole number"),
        ({"dimensions": -5}, ValueError, "dimensions must be a positive whole number"),
        ({"dimensions": 1.5}, ValueError, "dimensions must be a positive whole number"),
        ({"dimensions": True}, ValueError, "dimensions must be a positive whole number"),
        ({"encoding_format": "binary"}, ValueError, "encoding_format must be 'base64'"),
        ({"model": ""}, ValueError, "model must be a non-empty"),
        ({"prefix": None}, TypeError, "prefix must be a str"),
        ({"task_type": 3}, TypeError, "task_type must be a str"),
        ({"auto_truncate": "yes"}, TypeError, "auto_truncate must be a bool"),
        ({"extra_body": ["x"]}, TypeError, "extra_body must be a dict"),
        ({"extra_body": {"dimensions": 5}}, ValueError, r"extra_body\['dimensions'\] is set by the component"),
        ({"extra_body": {"input": "x"}}, ValueError, r"extra_body\['input'\] is set by the component"),
        ({"extra_headers": ["X-Title: app"]}, TypeError, "extra_headers must be a dict"),
        ({"task_type": "A", "extra_body": {"task_type": "B"}}, ValueError, "both as a parameter and in extra_body"),
    ],
)
def test_bad_parameters_fail_at_construction(kwargs, error, message):
    with pytest.raises(error, match=message):
        AIMLAPITextEmbedder(**kwargs)


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("AIMLAPI_API_KEY")
    embedder = AIMLAPITextEmbedder()
    with pytest.raises(ValueError, match="AIMLAPI_API_KEY"):
        embedder.run("hello")


# --- errors ------------------------------------------------------------------------------------------------------


def test_api_errors_carry_aimlapi_message_without_the_key(make_text_embedder):
    api = EmbeddingsAPI(hook=lambda _: json_response(fixture_json("error_403_credits.json"), status=403))
    with pytest.raises(openai.PermissionDeniedError, match="You've run out of credits") as error:
        make_text_embedder(api, max_retries=3).run("hello")
    assert len(api.requests) == 1  # 403 is not retried
    assert TEST_KEY not in str(error.value)


def test_server_errors_are_retried_by_the_client(make_text_embedder):
    failures = [json_response({"message": "upstream hiccup"}, status=503, headers={"retry-after-ms": "1"})]
    api = EmbeddingsAPI(hook=lambda _: failures.pop() if failures else None)
    result = make_text_embedder(api, max_retries=2).run("hello")
    assert result["embedding"] == vector_for("hello")
    assert [r.headers["x-stainless-retry-count"] for r in api.requests] == ["0", "1"]


def test_a_response_with_the_wrong_number_of_embeddings_is_an_error():
    api = MockAPI(json_response(embeddings_fixture("embeddings_float.json")))  # two embeddings for one input
    embedder = AIMLAPITextEmbedder(http_client_kwargs={"transport": api.transport()}, max_retries=0)
    with pytest.raises(ValueError, match="2 embeddings for 1 inputs"):
        embedder.run("hello")


# --- configuration -----------------------------------------------------------------------------------------------


def test_environment_settings(monkeypatch):
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("AIMLAPI_TIMEOUT", "7")
    monkeypatch.setenv("AIMLAPI_MAX_RETRIES", "2")
    embedder = AIMLAPITextEmbedder()
    assert embedder.api_base_url == "http://127.0.0.1:9/v1"
    embedder.warm_up()
    assert str(embedder.client.base_url) == "http://127.0.0.1:9/v1/"
    assert embedder.client.timeout == 7.0
    assert embedder.client.max_retries == 2


def test_extra_headers_replace_attribution_headers(make_text_embedder):
    api = EmbeddingsAPI()
    make_text_embedder(api, extra_headers={"X-Title": "My app", "X-Client-Request-Id": "abc"}).run("hi")
    assert api.requests[0].headers["x-title"] == "My app"
    assert api.requests[0].headers["x-client-request-id"] == "abc"


def test_to_dict_from_dict_round_trip_without_secrets():
    embedder = AIMLAPITextEmbedder(
        model="voyage-3",
        dimensions=512,
        prefix="q: ",
        encoding_format="float",
        input_type="query",
        extra_body={"truncation": True},
        timeout=12.0,
        max_retries=1,
        extra_headers={"X-Title": "App"},
    )
    data = embedder.to_dict()
    assert data["type"] == "haystack_integrations.components.embedders.aimlapi.text_embedder.AIMLAPITextEmbedder"
    assert data["init_parameters"]["api_key"] == {"type": "env_var", "env_vars": ["AIMLAPI_API_KEY"], "strict": True}
    assert data["init_parameters"]["organization"] is None  # written as the parent writes it
    assert TEST_KEY not in json.dumps(data)
    restored = AIMLAPITextEmbedder.from_dict(data)
    assert restored.to_dict() == data
    assert (restored.model, restored.dimensions, restored.input_type, restored.extra_body) == (
        "voyage-3",
        512,
        "query",
        {"truncation": True},
    )


def test_a_token_secret_refuses_serialization():
    embedder = AIMLAPITextEmbedder(api_key=Secret.from_token("sk-inline-secret-value"))
    with pytest.raises(ValueError, match="Cannot serialize token-based secret"):
        embedder.to_dict()
    assert "sk-inline-secret-value" not in repr(embedder)


def test_in_a_pipeline_yaml_round_trip():
    pipeline = Pipeline()
    pipeline.add_component("query_embedder", AIMLAPITextEmbedder(task_type="RETRIEVAL_QUERY"))
    restored = Pipeline.loads(pipeline.dumps())
    embedder = restored.get_component("query_embedder")
    assert isinstance(embedder, AIMLAPITextEmbedder)
    assert embedder.task_type == "RETRIEVAL_QUERY"


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda e: pickle.loads(pickle.dumps(e))])
def test_copies_work_before_and_after_warm_up(clone):
    api = EmbeddingsAPI()
    embedder = AIMLAPITextEmbedder(max_retries=0)
    before = clone(embedder)
    embedder.warm_up()
    after = clone(embedder)
    assert after.client is None  # a copy builds its own client
    assert embedder.client is not None
    for copied in (before, after):
        copied.http_client_kwargs = {"transport": api.transport()}
        assert copied.run("hello")["embedding"] == vector_for("hello")
    assert len(api.requests) == 2


def test_close_releases_the_client(make_text_embedder):
    embedder = make_text_embedder(EmbeddingsAPI())
    embedder.warm_up()
    embedder.close()
    assert embedder.client is None
