# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPIDocumentEmbedder on the wire: batches, concurrency, order, meta and cost, failures, empty input."""

import asyncio
import copy
import json
import pickle
import threading

import openai
import pytest
from haystack import Document, Pipeline

from haystack_integrations.common.aimlapi import DEFAULT_BASE_URL
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder
from tests.conftest import TEST_KEY
from tests.support import fixture_json, json_response

from .conftest import EmbeddingsAPI, ReverseCompletion, vector_for


def documents(count: int, prefix: str = "doc") -> list[Document]:
    return [Document(content=f"{prefix} {index}", meta={"n": index}) for index in range(count)]


def test_batches_body_and_output(make_document_embedder):
    api = EmbeddingsAPI()
    docs = documents(5)
    result = make_document_embedder(api, batch_size=2, max_concurrency=1).run(docs)

    assert [str(request.url) for request in api.requests] == [f"{DEFAULT_BASE_URL}/embeddings"] * 3
    assert api.requests[0].headers["authorization"] == f"Bearer {TEST_KEY}"
    assert api.requests[0].headers["x-title"] == "Haystack"
    assert api.bodies() == [
        {"model": "text-embedding-3-small", "input": ["doc 0", "doc 1"], "encoding_format": "base64"},
        {"model": "text-embedding-3-small", "input": ["doc 2", "doc 3"], "encoding_format": "base64"},
        {"model": "text-embedding-3-small", "input": ["doc 4"], "encoding_format": "base64"},
    ]
    assert [doc.embedding for doc in result["documents"]] == [vector_for(f"doc {i}") for i in range(5)]
    assert [doc.content for doc in result["documents"]] == [doc.content for doc in docs]
    assert [doc.meta for doc in result["documents"]] == [doc.meta for doc in docs]
    assert result["meta"] == {
        "model": "text-embedding-3-small",
        # The cost is inside usage too, so that usage totals sum the spend.
        "usage": {"prompt_tokens": 10, "total_tokens": 10, "cost": pytest.approx(10 / 2_000_000), "credits_used": 10},
        "cost": {"credits_used": 10, "usd_spent": pytest.approx(10 / 2_000_000)},
        "failed_documents": [],
        "skipped_documents": [],
    }


def test_inputs_are_not_modified_and_new_documents_are_returned(make_document_embedder):
    docs = documents(3)
    docs[1] = Document(content="doc 1", meta={"n": 1}, embedding=[9.0, 9.0])
    snapshot = copy.deepcopy(docs)
    result = make_document_embedder(EmbeddingsAPI()).run(docs)
    assert docs == snapshot
    assert all(new is not old for new, old in zip(result["documents"], docs, strict=True))
    assert result["documents"][1].embedding == vector_for("doc 1")


def test_meta_fields_separator_prefix_and_suffix(make_document_embedder):
    api = EmbeddingsAPI()
    docs = [
        Document(content="Paris is the capital.", meta={"title": "France", "year": 2024, "empty": None}),
        Document(content="Berlin is the capital.", meta={"year": 2023}),
    ]
    make_document_embedder(
        api, meta_fields_to_embed=["title", "year", "empty"], embedding_separator=" | ", prefix="passage: ", suffix="."
    ).run(docs)
    assert api.bodies()[0]["input"] == [
        "passage: France | 2024 | Paris is the capital..",
        "passage: 2023 | Berlin is the capital..",
    ]


def test_dimensions_float_encoding_and_extras(make_document_embedder):
    api = EmbeddingsAPI(model="text-embedding-004")
    result = make_document_embedder(
        api,
        model="google/text-embedding-004",
        dimensions=256,
        encoding_format="float",
        task_type="RETRIEVAL_DOCUMENT",
        auto_truncate=False,
        title="Capitals",
        extra_body={"output_dtype": "float"},
    ).run(documents(2))
    assert api.bodies()[0] == {
        "model": "google/text-embedding-004",
        "input": ["doc 0", "doc 1"],
        "encoding_format": "float",
        "dimensions": 256,
        "task_type": "RETRIEVAL_DOCUMENT",
        "auto_truncate": False,
        "title": "Capitals",
        "output_dtype": "float",
    }
    assert result["documents"][1].embedding == vector_for("doc 1", 256)
    assert result["meta"]["model"] == "text-embedding-004"


def test_voyage_input_type(make_document_embedder):
    api = EmbeddingsAPI()
    make_document_embedder(api, model="voyage-3", input_type="document").run(documents(1))
    assert api.bodies()[0]["input_type"] == "document"


def test_embeddings_listed_out_of_order_are_matched_by_index(make_document_embedder):
    api = EmbeddingsAPI(reverse_data=True)
    result = make_document_embedder(api, batch_size=4).run(documents(4))
    assert [doc.embedding for doc in result["documents"]] == [vector_for(f"doc {i}") for i in range(4)]


def test_documents_with_the_same_id_each_get_their_own_embedding(make_document_embedder):
    # Haystack keys texts by id; an explicit id shared by two different texts must not merge them.
    docs = [Document(id="same", content="first"), Document(id="same", content="second")]
    result = make_document_embedder(EmbeddingsAPI()).run(docs)
    assert [doc.embedding for doc in result["documents"]] == [vector_for("first"), vector_for("second")]


# --- concurrency and order ---------------------------------------------------------------------------------------


def test_sync_batches_run_concurrently_and_keep_input_order(make_document_embedder):
    docs = documents(8)
    gate = ReverseCompletion([f"doc {i}" for i in range(0, 8, 2)])
    api = EmbeddingsAPI(hook=gate.hook)
    result = make_document_embedder(api, batch_size=2, max_concurrency=4).run(docs)

    assert [batch[0] for batch in api.completed] == ["doc 6", "doc 4", "doc 2", "doc 0"]
    assert [doc.content for doc in result["documents"]] == [f"doc {i}" for i in range(8)]
    assert [doc.embedding for doc in result["documents"]] == [vector_for(f"doc {i}") for i in range(8)]
    assert api.max_in_flight == 4


async def test_async_batches_run_concurrently_and_keep_input_order(make_document_embedder):
    docs = documents(8)
    gate = ReverseCompletion([f"doc {i}" for i in range(0, 8, 2)])
    api = EmbeddingsAPI(async_hook=gate.async_hook)
    result = await make_document_embedder(api, use_async=True, batch_size=2, max_concurrency=4).run_async(docs)

    assert [batch[0] for batch in api.completed] == ["doc 6", "doc 4", "doc 2", "doc 0"]
    assert [doc.embedding for doc in result["documents"]] == [vector_for(f"doc {i}") for i in range(8)]
    assert result["meta"]["cost"]["credits_used"] == 16
    assert api.max_in_flight == 4


def test_sync_concurrency_never_exceeds_max_concurrency(make_document_embedder):
    barrier = threading.Barrier(3, timeout=10)
    api = EmbeddingsAPI(hook=lambda _: barrier.wait() and None)  # 3 requests must be in flight together
    result = make_document_embedder(api, batch_size=1, max_concurrency=3).run(documents(9))
    assert api.max_in_flight == 3
    assert len(api.requests) == 9
    assert [doc.embedding for doc in result["documents"]] == [vector_for(f"doc {i}") for i in range(9)]


async def test_async_concurrency_never_exceeds_max_concurrency(make_document_embedder):
    async def pause(_: list[str]) -> None:
        await asyncio.sleep(0.01)

    api = EmbeddingsAPI(async_hook=pause)
    embedder = make_document_embedder(api, use_async=True, batch_size=1, max_concurrency=3)
    result = await embedder.run_async(documents(9))
    assert api.max_in_flight == 3
    assert len(result["documents"]) == 9


def test_max_concurrency_one_sends_batches_one_after_another(make_document_embedder):
    api = EmbeddingsAPI()
    make_document_embedder(api, batch_size=1, max_concurrency=1).run(documents(4))
    assert api.max_in_flight == 1
    assert [inputs[0] for inputs in api.completed] == ["doc 0", "doc 1", "doc 2", "doc 3"]


def test_progress_bar_counts_documents(make_document_embedder, capsys):
    make_document_embedder(EmbeddingsAPI(), batch_size=2, progress_bar=True).run(documents(5))
    err = capsys.readouterr().err
    assert "Calculating embeddings" in err
    assert "5/5" in err
    assert "doc/s" in err


def test_no_progress_bar_when_disabled(make_document_embedder, capsys):
    make_document_embedder(EmbeddingsAPI(), progress_bar=False).run(documents(3))
    assert "Calculating embeddings" not in capsys.readouterr().err


# --- empty input -------------------------------------------------------------------------------------------------


def test_empty_list_returns_empty_output_without_a_request(monkeypatch, make_document_embedder):
    monkeypatch.delenv("AIMLAPI_API_KEY")  # not even a key is needed
    api = EmbeddingsAPI()
    result = make_document_embedder(api).run([])
    assert result == {
        "documents": [],
        "meta": {
            "model": "text-embedding-3-small",
            "usage": {},
            "failed_documents": [],
            "skipped_documents": [],
        },
    }
    assert api.requests == []


async def test_empty_list_async(make_document_embedder):
    api = EmbeddingsAPI()
    result = await make_document_embedder(api, use_async=True).run_async([])
    assert result["documents"] == []
    assert api.requests == []


def test_documents_without_text_are_skipped_listed_and_returned(make_document_embedder):
    api = EmbeddingsAPI()
    docs = [
        Document(content="first"),
        Document(content=None),
        Document(content=""),
        Document(content="   "),
        Document(content=None, meta={"title": "Only a title"}),
        Document(content="last"),
    ]
    result = make_document_embedder(api, meta_fields_to_embed=["title"]).run(docs)

    assert api.bodies()[0]["input"] == ["first", "Only a title", "last"]
    out = result["documents"]
    assert len(out) == len(docs)
    assert [doc.embedding for doc in out] == [
        vector_for("first"),
        None,
        None,
        None,
        vector_for("Only a title"),
        vector_for("last"),
    ]
    skipped = result["meta"]["skipped_documents"]
    assert [(entry["id"], entry["index"]) for entry in skipped] == [(docs[i].id, i) for i in (1, 2, 3)]
    assert all("no text to embed" in entry["reason"] for entry in skipped)
    assert result["meta"]["failed_documents"] == []


def test_only_documents_without_text_send_nothing(make_document_embedder):
    api = EmbeddingsAPI()
    result = make_document_embedder(api).run([Document(content=""), Document(content=None)])
    assert api.requests == []
    assert len(result["meta"]["skipped_documents"]) == 2
    assert [doc.embedding for doc in result["documents"]] == [None, None]


# --- failures ----------------------------------------------------------------------------------------------------


def fail_batch_with(first_input: str, status: int, body: dict):
    def hook(inputs: list[str]):
        return json_response(body, status=status) if inputs[0] == first_input else None

    return hook


@pytest.mark.parametrize("max_concurrency", [1, 3])
def test_a_failed_batch_is_listed_in_meta_and_the_rest_embedded(make_document_embedder, max_concurrency):
    api = EmbeddingsAPI(hook=fail_batch_with("doc 2", 403, fixture_json("error_403_credits.json")))
    docs = documents(6)
    result = make_document_embedder(api, batch_size=2, max_concurrency=max_concurrency).run(docs)

    out = result["documents"]
    assert [doc.embedding for doc in out] == [
        vector_for("doc 0"),
        vector_for("doc 1"),
        None,
        None,
        vector_for("doc 4"),
        vector_for("doc 5"),
    ]
    failed = result["meta"]["failed_documents"]
    assert [(entry["id"], entry["index"]) for entry in failed] == [(docs[2].id, 2), (docs[3].id, 3)]
    assert all("PermissionDeniedError" in entry["error"] for entry in failed)
    assert all("You've run out of credits" in entry["error"] for entry in failed)
    assert all(TEST_KEY not in entry["error"] for entry in failed)
    # usage and cost count the batches that succeeded
    assert result["meta"]["cost"]["credits_used"] == 8


async def test_a_failed_batch_is_listed_in_meta_async(make_document_embedder):
    async def fail(inputs: list[str]):
        return json_response({"message": "Body validation error!"}, status=400) if inputs[0] == "doc 0" else None

    api = EmbeddingsAPI(async_hook=fail)
    result = await make_document_embedder(api, use_async=True, batch_size=2).run_async(documents(4))
    assert [entry["index"] for entry in result["meta"]["failed_documents"]] == [0, 1]
    assert [doc.embedding is None for doc in result["documents"]] == [True, True, False, False]


def test_raise_on_failure_raises_the_api_error_naming_the_documents(make_document_embedder):
    api = EmbeddingsAPI(hook=fail_batch_with("doc 2", 403, fixture_json("error_403_credits.json")))
    embedder = make_document_embedder(api, batch_size=2, max_concurrency=1, raise_on_failure=True)
    with pytest.raises(openai.PermissionDeniedError, match="You've run out of credits") as error:
        embedder.run(documents(6))
    assert "positions 2..3" in "\n".join(error.value.__notes__)
    assert len(api.requests) == 2  # the batch after the failed one is not sent


def test_raise_on_failure_with_concurrency_stops_pending_batches(make_document_embedder):
    api = EmbeddingsAPI(hook=fail_batch_with("doc 0", 401, fixture_json("error_401.json")))
    embedder = make_document_embedder(api, batch_size=1, max_concurrency=2, raise_on_failure=True)
    with pytest.raises(openai.AuthenticationError):
        embedder.run(documents(40))
    assert len(api.requests) < 40


async def test_raise_on_failure_async(make_document_embedder):
    async def fail(inputs: list[str]):
        return json_response(fixture_json("error_401.json"), status=401) if inputs[0] == "doc 1" else None

    api = EmbeddingsAPI(async_hook=fail)
    embedder = make_document_embedder(api, use_async=True, batch_size=1, max_concurrency=2, raise_on_failure=True)
    with pytest.raises(openai.AuthenticationError):
        await embedder.run_async(documents(4))


def test_failed_batches_are_retried_by_the_client_first(make_document_embedder):
    failures = {"doc 1": 1}

    def flaky(inputs: list[str]):
        if failures.get(inputs[0]):
            failures[inputs[0]] -= 1
            return json_response({"message": "Bad gateway"}, status=502, headers={"retry-after-ms": "1"})
        return None

    api = EmbeddingsAPI(hook=flaky)
    result = make_document_embedder(api, batch_size=1, max_concurrency=2, max_retries=2).run(documents(3))
    assert [doc.embedding for doc in result["documents"]] == [vector_for(f"doc {i}") for i in range(3)]
    assert result["meta"]["failed_documents"] == []
    retries = [
        r.headers["x-stainless-retry-count"] for r in api.requests if json.loads(r.content)["input"] == ["doc 1"]
    ]
    assert retries == ["0", "1"]


def test_a_malformed_response_fails_its_batch(make_document_embedder):
    def malformed(inputs: list[str]):
        return json_response({"data": [{"index": 0, "embedding": "not base64!"}]}) if inputs[0] == "doc 1" else None

    api = EmbeddingsAPI(hook=malformed)
    result = make_document_embedder(api, batch_size=1).run(documents(2))
    (entry,) = result["meta"]["failed_documents"]
    assert entry["index"] == 1
    assert "valid base64" in entry["error"]


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a string", "use AIMLAPITextEmbedder"),
        (Document(content="x"), "got a single Document"),
        (None, "documents must be a list of Documents"),
        ([Document(content="x"), "y"], r"documents\[1\] is a str"),
        ([{"content": "x"}], r"documents\[0\] is a dict"),
    ],
)
def test_bad_documents_fail_before_any_request(make_document_embedder, value, message):
    api = EmbeddingsAPI()
    with pytest.raises(TypeError, match=message):
        make_document_embedder(api).run(value)
    assert api.requests == []


async def test_bad_documents_fail_before_any_request_async(make_document_embedder):
    api = EmbeddingsAPI()
    with pytest.raises(TypeError, match=r"documents\[1\] is a int"):
        await make_document_embedder(api, use_async=True).run_async([Document(content="x"), 3])
    assert api.requests == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"dimensions": 0}, ValueError, "dimensions must be a positive whole number"),
        ({"batch_size": 0}, ValueError, "batch_size must be a whole number >= 1"),
        ({"max_concurrency": 0}, ValueError, "max_concurrency must be a whole number >= 1"),
        ({"max_concurrency": 2.5}, ValueError, "max_concurrency must be a whole number >= 1"),
        ({"encoding_format": "int8"}, ValueError, "encoding_format must be"),
        ({"meta_fields_to_embed": "title"}, TypeError, "meta_fields_to_embed must be a list"),
        ({"meta_fields_to_embed": [1]}, TypeError, "meta_fields_to_embed must be a list"),
        ({"embedding_separator": None}, TypeError, "embedding_separator must be a str"),
        ({"input_type": 1}, TypeError, "input_type must be a str"),
        ({"extra_body": {"model": "x"}}, ValueError, r"extra_body\['model'\] is set by the component"),
        ({"extra_headers": "X-Title: app"}, TypeError, "extra_headers must be a dict"),
    ],
)
def test_bad_parameters_fail_at_construction(kwargs, error, message):
    with pytest.raises(error, match=message):
        AIMLAPIDocumentEmbedder(**kwargs)


# --- configuration -----------------------------------------------------------------------------------------------


def test_to_dict_from_dict_round_trip_without_secrets():
    embedder = AIMLAPIDocumentEmbedder(
        model="text-embedding-3-large",
        dimensions=1024,
        batch_size=16,
        max_concurrency=8,
        meta_fields_to_embed=["title"],
        embedding_separator=" | ",
        raise_on_failure=True,
        encoding_format="float",
        task_type="RETRIEVAL_DOCUMENT",
        extra_body={"x": 1},
        extra_headers={"X-Title": "App"},
        progress_bar=False,
    )
    data = embedder.to_dict()
    params = data["init_parameters"]
    assert data["type"] == (
        "haystack_integrations.components.embedders.aimlapi.document_embedder.AIMLAPIDocumentEmbedder"
    )
    assert params["api_key"] == {"type": "env_var", "env_vars": ["AIMLAPI_API_KEY"], "strict": True}
    assert params["max_concurrency"] == 8
    assert params["api_base_url"] == DEFAULT_BASE_URL
    assert params["organization"] is None  # written as the parent writes it
    assert TEST_KEY not in json.dumps(data)
    restored = AIMLAPIDocumentEmbedder.from_dict(data)
    assert restored.to_dict() == data


def test_pipeline_yaml_round_trip():
    pipeline = Pipeline()
    pipeline.add_component("embedder", AIMLAPIDocumentEmbedder(max_concurrency=6, input_type="document"))
    embedder = Pipeline.loads(pipeline.dumps()).get_component("embedder")
    assert isinstance(embedder, AIMLAPIDocumentEmbedder)
    assert (embedder.max_concurrency, embedder.input_type) == (6, "document")


def test_runs_in_a_pipeline(make_document_embedder):
    api = EmbeddingsAPI()
    pipeline = Pipeline()
    pipeline.add_component("embedder", make_document_embedder(api))
    result = pipeline.run({"embedder": {"documents": documents(2)}})
    assert [doc.embedding for doc in result["embedder"]["documents"]] == [vector_for("doc 0"), vector_for("doc 1")]


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda e: pickle.loads(pickle.dumps(e))])
def test_copies_work_before_and_after_warm_up(clone):
    api = EmbeddingsAPI()
    embedder = AIMLAPIDocumentEmbedder(max_retries=0, progress_bar=False)
    before = clone(embedder)
    embedder.warm_up()
    after = clone(embedder)
    assert after.client is None
    assert embedder.client is not None
    for copied in (before, after):
        copied.http_client_kwargs = {"transport": api.transport()}
        assert copied.run(documents(1))["documents"][0].embedding == vector_for("doc 0")
    assert len(api.requests) == 2


def test_concurrent_runs_on_one_instance(make_document_embedder):
    api = EmbeddingsAPI()
    embedder = make_document_embedder(api, batch_size=1, max_concurrency=2)
    results: dict[str, list] = {}

    def run(prefix: str) -> None:
        results[prefix] = embedder.run(documents(4, prefix))["documents"]

    threads = [threading.Thread(target=run, args=(prefix,)) for prefix in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for prefix in ("a", "b", "c"):
        assert [doc.embedding for doc in results[prefix]] == [vector_for(f"{prefix} {i}") for i in range(4)]
