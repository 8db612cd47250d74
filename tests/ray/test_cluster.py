# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The callables on a real local Ray cluster (2 CPUs, no dashboard), against the loopback server of
`benchmarks/ray_server.py`. Skipped without the `ray` extra; CI runs them in a block of their own (`pytest -m ray`).
"""

from typing import Any

import pytest
from haystack.utils import Secret
from pydantic import BaseModel

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from haystack_integrations.ray.aimlapi import AIMLAPIChatCallable, AIMLAPIEmbeddingCallable, ClusterLimiter

from .conftest import ray_server

pytest.importorskip("ray")
ray_data = pytest.importorskip("ray.data")

pytestmark = pytest.mark.ray

ROWS = 20_000
# A row whose text holds FAIL makes the server refuse its whole request: every 2,500th row, so 8 requests fail.
FAILING_EVERY = 2_500


def _text(row: int) -> str:
    return f"chunk {row} of the corpus" + (" FAIL" if row % FAILING_EVERY == 7 else "")


def test_every_row_is_embedded_once_in_order_and_failures_are_marked(ray_cluster: Any) -> None:
    with ray_server.serve_in_thread(latency_ms=2) as (url, account):
        embedder = AIMLAPIDocumentEmbedder(
            api_key=Secret.from_token("test-key"),
            api_base_url=url,
            batch_size=100,
            max_concurrency=4,
            max_retries=0,
        )
        dataset = ray_data.from_items([{"row": row, "text": _text(row)} for row in range(ROWS)], override_num_blocks=8)
        result = dataset.map_batches(
            AIMLAPIEmbeddingCallable,
            fn_constructor_kwargs={"embedder": embedder},
            batch_format="pandas",
            batch_size=1_000,
            compute=ray_data.ActorPoolStrategy(size=4),
            num_cpus=0.25,
        ).take_all()
        stats = account.stats()

    assert [row["row"] for row in result] == list(range(ROWS))  # every row, once, in order
    failing_batches = {row // 100 for row in range(ROWS) if "FAIL" in _text(row)}
    for row in result:
        if row["row"] // 100 in failing_batches:
            assert row["embedding"] is None
            assert "400" in row["error"] and "moderation filter" in row["error"]
            assert row["cost_credits"] == 0
        else:
            assert row["error"] is None
            assert list(row["embedding"]) == ray_server.vector_for(row["text"])
            assert stats["embedded"][row["text"]] == 1
    assert len(failing_batches) == ROWS // FAILING_EVERY
    assert sum(row["error"] is not None for row in result) == 100 * len(failing_batches)
    # Nothing the server embedded is missing from the output, and it embedded nothing twice.
    assert sum(stats["embedded"].values()) == ROWS - 100 * len(failing_batches)
    # The cost columns sum to what the server charged, exactly in credits.
    assert sum(row["cost_credits"] for row in result) == stats["credits"]
    assert sum(row["cost_usd"] for row in result) == pytest.approx(stats["usd"], rel=1e-9)


class Topic(BaseModel):
    topic: str
    words: int


def test_shared_limiter_learns_the_concurrency_limit_and_429s_stop(ray_cluster: Any) -> None:
    server_limit = 4
    rows = 240
    with ray_server.serve_in_thread(latency_ms=20, chat_limit=server_limit, retry_after=0.1) as (url, account):
        limiter = ClusterLimiter(name="test-chat-limiter", initial_limit=2, max_limit=32, ceiling_ttl=600.0)
        try:
            generator = AIMLAPIChatGenerator(
                api_key=Secret.from_token("test-key"), api_base_url=url, model="openai/gpt-4o-mini", max_retries=8
            )
            dataset = ray_data.from_items([{"row": row, "subject": f"subject {row}"} for row in range(rows)])
            result = dataset.map_batches(
                AIMLAPIChatCallable,
                fn_constructor_kwargs={
                    "generator": generator,
                    "template": "Name the topic of {{ subject }}",
                    "response_format": Topic,
                    "max_concurrency": 8,
                    "limiter": limiter,
                },
                batch_format="pandas",
                batch_size=40,
                compute=ray_data.ActorPoolStrategy(size=2),
                num_cpus=0.25,
            ).take_all()
            stats = account.stats()
            limiter_stats = limiter.stats()
        finally:
            limiter.shutdown()

    assert [row["row"] for row in result] == list(range(rows))
    assert [row["error"] for row in result if row["error"] is not None][:3] == []
    prompts = [f"Name the topic of subject {row}" for row in range(rows)]
    assert [row["topic"] for row in result] == [prompt[:20] for prompt in prompts]  # parsed from the reply
    assert [row["words"] for row in result] == [len(prompt) for prompt in prompts]
    assert {row["finish_reason"] for row in result} == {"stop"}
    assert sum(row["cost_credits"] for row in result) == stats["credits"]

    arrivals = stats["arrivals"]
    throttled = [order for order, _, status in arrivals if status == 429]
    assert throttled, "the limiter never reached the server's limit, so this test proved nothing"
    assert limiter_stats.throttled == len(throttled)
    # Once adapted, the limiter stays under the server's limit: the 429s all come early, and after the last one
    # no request finds more than the limit in flight.
    last = throttled[-1]
    assert last < len(arrivals) // 4
    assert max(concurrency for order, concurrency, _ in arrivals if order > last) <= server_limit
    assert limiter_stats.limit <= server_limit
