# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The embedders against a real HTTP server (llmock) on 127.0.0.1: sockets, concurrency, retries and failures."""

import asyncio

import pytest
from haystack import Document
from llmock.simulation import build_mock_embedding

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from tests.support import LLMock

pytestmark = pytest.mark.loopback


def document_embedder_for(server: LLMock, **kwargs) -> AIMLAPIDocumentEmbedder:
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("progress_bar", False)
    return AIMLAPIDocumentEmbedder(api_base_url=server.url, **kwargs)


def documents(count: int) -> list[Document]:
    return [Document(content=f"Document number {index}") for index in range(count)]


def embedding_requests(server: LLMock) -> list[dict]:
    return [record for record in server.requests() if record["path"] == "/v1/embeddings"]


def test_document_embedder_with_concurrency(llmock_server):
    docs = documents(10)
    result = document_embedder_for(llmock_server, batch_size=2, max_concurrency=4).run(docs)

    # llmock answers floats even when asked for base64: the embedder reads either.
    assert [doc.embedding for doc in result["documents"]] == [build_mock_embedding(doc.content, 1536) for doc in docs]
    records = embedding_requests(llmock_server)
    assert len(records) == 5
    assert sorted(record["body"]["input"][0] for record in records) == sorted(docs[i].content for i in range(0, 10, 2))
    assert all(record["body"]["encoding_format"] == "base64" for record in records)
    assert all(record["body"]["model"] == "text-embedding-3-small" for record in records)
    assert result["meta"]["usage"]["total_tokens"] > 0
    assert result["meta"]["failed_documents"] == []


def test_a_slow_batch_finishing_last_keeps_the_order(llmock_server):
    llmock_server.scenario({"type": "delay", "seconds": 0.4})
    docs = documents(8)
    result = document_embedder_for(llmock_server, batch_size=2, max_concurrency=4).run(docs)

    records = embedding_requests(llmock_server)
    slowest = max(records, key=lambda record: record["duration"])
    assert slowest["ended_at"] == max(record["ended_at"] for record in records)
    assert [doc.embedding for doc in result["documents"]] == [build_mock_embedding(doc.content, 1536) for doc in docs]


def test_a_server_error_is_retried_by_the_client(llmock_server):
    llmock_server.scenario({"type": "fail", "status": 503, "retry_after": 0.01})
    docs = documents(4)
    result = document_embedder_for(llmock_server, batch_size=2, max_concurrency=2, max_retries=2).run(docs)

    assert all(doc.embedding is not None for doc in result["documents"])
    assert result["meta"]["failed_documents"] == []
    records = embedding_requests(llmock_server)
    assert [record["status"] for record in records].count(503) == 1
    assert sorted(record["sdk_retry_count"] for record in records) == [0, 0, 1]


def test_a_batch_failing_after_retries_is_reported(llmock_server):
    llmock_server.scenario({"type": "fail", "status": 500, "retry_after": 0.01, "times": 2})
    docs = documents(4)
    result = document_embedder_for(llmock_server, batch_size=2, max_concurrency=1, max_retries=1).run(docs)

    failed = result["meta"]["failed_documents"]
    assert [entry["index"] for entry in failed] == [0, 1]
    assert all("InternalServerError" in entry["error"] for entry in failed)
    assert [doc.embedding is None for doc in result["documents"]] == [True, True, False, False]
    assert len(embedding_requests(llmock_server)) == 3


async def test_document_embedder_async(llmock_server):
    docs = documents(6)
    embedder = document_embedder_for(llmock_server, batch_size=2, max_concurrency=3)
    result = await embedder.run_async(docs)
    assert [doc.embedding for doc in result["documents"]] == [build_mock_embedding(doc.content, 1536) for doc in docs]
    assert len(embedding_requests(llmock_server)) == 3


def test_text_embedder(llmock_server):
    embedder = AIMLAPITextEmbedder(api_base_url=llmock_server.url, max_retries=0, task_type="RETRIEVAL_QUERY")
    result = embedder.run("capital of France")
    assert result["embedding"] == build_mock_embedding("capital of France", 1536)
    (record,) = embedding_requests(llmock_server)
    assert record["body"]["task_type"] == "RETRIEVAL_QUERY"
    assert record["body"]["input"] == "capital of France"


async def test_text_embedder_async(llmock_server):
    embedder = AIMLAPITextEmbedder(api_base_url=llmock_server.url, max_retries=0, encoding_format="float")
    result = await embedder.run_async("capital of France")
    assert result["embedding"] == build_mock_embedding("capital of France", 1536)
    assert embedding_requests(llmock_server)[0]["body"]["encoding_format"] == "float"


def test_run_async_from_two_event_loops(llmock_server):
    # Each asyncio.run() has its own loop; pooled connections of the first must not be reused by the second.
    embedder = document_embedder_for(llmock_server, batch_size=1, max_concurrency=2)
    for _ in range(2):
        result = asyncio.run(embedder.run_async(documents(2)))
        assert [doc.embedding is not None for doc in result["documents"]] == [True, True]
    assert len(embedding_requests(llmock_server)) == 4
