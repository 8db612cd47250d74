# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Property-based tests of the embeddings response parser: whatever the body, the result is a batch of usable
vectors (unusable ones listed with their reason), or an `EmbeddingResponseError`. Nothing else.
"""

import base64
import json
import math
import struct
from typing import Any

import httpx
import pytest
from haystack import Document
from hypothesis import given
from hypothesis import strategies as st

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, EmbeddingResponseError
from haystack_integrations.components.embedders.aimlapi.wire import EmbeddingBatch
from tests.conftest import TEST_KEY
from tests.fuzzing import fuzz_settings, json_values, numbers

pytestmark = pytest.mark.fuzz


def check_batch(batch: EmbeddingBatch, expected: int, dimensions: int | None) -> None:
    """What every batch the parser returns must be."""
    assert len(batch.embeddings) == expected
    usable = [vector for vector in batch.embeddings if vector is not None]
    assert {index for index, vector in enumerate(batch.embeddings) if vector is None} == set(batch.bad_rows)
    assert len({len(vector) for vector in usable}) <= 1
    for vector in usable:
        assert vector
        assert all(type(value) is float and math.isfinite(value) for value in vector)
        if dimensions is not None:
            assert len(vector) == dimensions
    assert isinstance(batch.usage, dict)
    assert batch.model is None or isinstance(batch.model, str)
    if batch.bad_rows:
        error = batch.error()
        assert isinstance(error, EmbeddingResponseError)
        assert TEST_KEY not in str(error)


def parse(content: bytes, expected: int, dimensions: int | None = None) -> None:
    try:
        batch = EmbeddingBatch.from_response(content, expected=expected, secrets=(TEST_KEY,), dimensions=dimensions)
    except EmbeddingResponseError as error:
        assert "HTTP 200" in str(error)
        assert TEST_KEY not in str(error)
        return
    check_batch(batch, expected, dimensions)


@fuzz_settings(50)
@given(content=st.binary(max_size=300), expected=st.integers(1, 4))
def test_arbitrary_bytes(content: bytes, expected: int) -> None:
    parse(content, expected)


@fuzz_settings(80)
@given(body=json_values, expected=st.integers(1, 4))
def test_arbitrary_json(body: Any, expected: int) -> None:
    parse(json.dumps(body).encode(), expected)


def float32_base64(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


embeddings = st.one_of(
    st.lists(numbers, max_size=4),
    st.lists(st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=3)), max_size=4),
    st.lists(st.floats(width=32, allow_nan=True, allow_infinity=True), max_size=4).map(float32_base64),
    st.binary(max_size=17).map(lambda raw: base64.b64encode(raw).decode()),
    json_values,
)
indexes = st.one_of(st.integers(-1, 4), st.booleans(), st.none(), st.text(max_size=2), st.floats(0, 3))
rows = st.one_of(
    st.fixed_dictionaries({"index": indexes, "embedding": embeddings}),
    st.fixed_dictionaries({"embedding": embeddings}),
    json_values,
)
bodies = st.fixed_dictionaries(
    {"data": st.lists(rows, max_size=4)},
    optional={"model": json_values, "usage": json_values, "meta": json_values, "object": json_values},
)


@fuzz_settings(150)
@given(body=bodies, expected=st.integers(1, 4), dimensions=st.none() | st.integers(1, 4))
def test_responses_shaped_like_embeddings(body: dict[str, Any], expected: int, dimensions: int | None) -> None:
    parse(json.dumps(body).encode(), expected, dimensions)


@fuzz_settings(25)
@given(body=bodies)
def test_the_document_embedder_never_stores_a_bad_vector(body: dict[str, Any]) -> None:
    """End to end: each document gets a usable vector or is listed in failed_documents, never both or neither."""
    content = json.dumps(body).encode()
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=content))
    embedder = AIMLAPIDocumentEmbedder(max_retries=0, progress_bar=False, http_client_kwargs={"transport": transport})
    result = embedder.run([Document(content="a"), Document(content="b")])
    failed = {entry["index"] for entry in result["meta"]["failed_documents"]}
    for position, document in enumerate(result["documents"]):
        if position in failed:
            assert document.embedding is None
        else:
            assert document.embedding
            assert all(math.isfinite(value) for value in document.embedding)
    dimensions = {len(d.embedding) for d in result["documents"] if d.embedding is not None}
    assert len(dimensions) <= 1
