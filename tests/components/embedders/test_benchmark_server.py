# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The benchmark's embeddings server answers what a client asks for: dimensions, encoding, one body per shape."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from haystack import Document

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder
from haystack_integrations.components.embedders.aimlapi.wire import EmbeddingBatch

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


server_module = load("embeddings_server")


def answer(body: dict) -> tuple[int, bytes]:
    return server_module.EmbeddingsServer(latency_ms=0).answer("POST", "/v1/embeddings", json.dumps(body).encode())


@pytest.mark.parametrize("encoding", ["float", "base64"])
@pytest.mark.parametrize("dimensions", [None, 256])
def test_honours_dimensions_and_encoding(encoding, dimensions):
    body = {"model": "text-embedding-3-small", "input": ["a", "b", "c"], "encoding_format": encoding}
    if dimensions:
        body["dimensions"] = dimensions
    status, content = answer(body)
    assert status == 200
    raw = json.loads(content)
    assert isinstance(raw["data"][0]["embedding"], str if encoding == "base64" else list)
    batch = EmbeddingBatch.from_response(content, expected=3)
    assert {len(vector) for vector in batch.embeddings} == {dimensions or 1536}
    assert batch.cost == {"credits_used": 12, "usd_spent": 12 / 2_000_000}


def test_float_and_base64_carry_the_same_vectors():
    vectors = {
        encoding: EmbeddingBatch.from_response(
            answer({"model": "m", "input": ["a", "b"], "encoding_format": encoding})[1], expected=2
        ).embeddings
        for encoding in ("float", "base64")
    }
    for left, right in zip(vectors["float"], vectors["base64"], strict=True):
        assert left == pytest.approx(right, abs=1e-7)


def test_response_bodies_are_built_once_per_shape():
    responses = server_module.EmbeddingsResponses()
    first = responses.body("m", 32, 1536, "base64")
    assert responses.body("m", 32, 1536, "base64") is first
    assert responses.body("m", 32, 1536, "float") is not first


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "input": []},
        {"model": "m", "input": ["a"], "dimensions": 0},
        {"input": "a", "encoding_format": "x"},
    ],
)
def test_bad_requests_get_400(body):
    status, content = answer(body)
    assert status == 400
    assert "Body validation error" in json.loads(content)["message"]


def test_serves_the_document_embedder_over_a_socket():
    embedders = load("embedders")
    with embedders.embeddings_server(latency_ms=0) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        embedder = AIMLAPIDocumentEmbedder(
            api_base_url=base_url, dimensions=64, batch_size=2, max_concurrency=2, progress_bar=False, max_retries=0
        )
        result = embedder.run([Document(content=f"doc {index}") for index in range(5)])
    assert [len(doc.embedding) for doc in result["documents"]] == [64] * 5
    assert result["meta"]["usage"] == {
        "prompt_tokens": 40,
        "total_tokens": 40,
        "cost": pytest.approx(20 / 2_000_000),
        "credits_used": 20,
    }
