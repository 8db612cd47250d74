# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The live contract with AI/ML API's `/v1/embeddings`. Runs only when asked for (-m integration or
AIMLAPI_LIVE=1) with AIMLAPI_API_KEY set, against AIMLAPI_BASE_URL if it is set; the model can be
changed with AIMLAPI_TEST_EMBEDDING_MODEL."""

import math
import os

import pytest
from haystack import Document

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder

pytestmark = pytest.mark.integration

MODEL = os.environ.get("AIMLAPI_TEST_EMBEDDING_MODEL", "text-embedding-3-small")


def cosine(left: list[float], right: list[float]) -> float:
    dot = sum(a * b for a, b in zip(left, right, strict=True))
    return dot / (math.sqrt(sum(a * a for a in left)) * math.sqrt(sum(b * b for b in right)))


def test_live_text_embedding():
    result = AIMLAPITextEmbedder(model=MODEL).run("What is the capital of France?")
    assert len(result["embedding"]) == 1536
    assert result["meta"]["usage"]["total_tokens"] > 0
    assert result["meta"]["cost"]["usd_spent"] >= 0


def test_live_base64_and_float_agree():
    base64_vector = AIMLAPITextEmbedder(model=MODEL).run("Paris")["embedding"]
    float_vector = AIMLAPITextEmbedder(model=MODEL, encoding_format="float").run("Paris")["embedding"]
    assert cosine(base64_vector, float_vector) > 0.99


def test_live_documents_with_dimensions_and_concurrency():
    docs = [Document(content=text) for text in ("Paris is in France.", "Berlin is in Germany.", "I love pizza.")]
    result = AIMLAPIDocumentEmbedder(model=MODEL, dimensions=256, batch_size=1, max_concurrency=3).run(docs)
    vectors = [doc.embedding for doc in result["documents"]]
    assert all(vector is not None and len(vector) == 256 for vector in vectors)
    assert result["meta"]["failed_documents"] == []
    assert result["meta"]["usage"]["total_tokens"] > 0
    query = AIMLAPITextEmbedder(model=MODEL, dimensions=256).run("Which city is the capital of France?")["embedding"]
    assert max(range(3), key=lambda index: cosine(query, vectors[index])) == 0


async def test_live_documents_async():
    docs = [Document(content="Paris is in France."), Document(content="")]
    result = await AIMLAPIDocumentEmbedder(model=MODEL).run_async(docs)
    assert len(result["documents"][0].embedding) == 1536
    assert result["documents"][1].embedding is None
    assert [entry["index"] for entry in result["meta"]["skipped_documents"]] == [1]
