# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The Ray Data callables called as Ray calls them, one batch at a time, in this process: they need no Ray, so these run
in every CI run. The same callables on a real cluster are in `test_cluster.py`.
"""

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from haystack.utils import Secret
from pydantic import BaseModel

from haystack_integrations.common.aimlapi.limiter import AdaptiveLimiter
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from haystack_integrations.ray.aimlapi import AIMLAPIChatCallable, AIMLAPIEmbeddingCallable, ClusterLimiter
from haystack_integrations.ray.aimlapi.costs import share_cost

from .conftest import ray_server

KEY = Secret.from_token("test-key")


def _embedder(url: str, **kwargs: Any) -> AIMLAPIDocumentEmbedder:
    return AIMLAPIDocumentEmbedder(api_key=KEY, api_base_url=url, max_retries=0, **kwargs)


def _generator(url: str) -> AIMLAPIChatGenerator:
    return AIMLAPIChatGenerator(api_key=KEY, api_base_url=url, model="openai/gpt-4o-mini", max_retries=0)


def test_embedding_adds_vectors_errors_and_costs_in_row_order(loopback: tuple[str, Any]) -> None:
    url, account = loopback
    texts = [f"text {i}" for i in range(10)]
    texts[7] = "text 7 FAIL"  # refused by the server, with the two others of its request
    batch = {"id": np.arange(10), "text": np.array(texts, dtype=object)}
    embed = AIMLAPIEmbeddingCallable(_embedder(url, batch_size=3, max_concurrency=2))

    result = embed(batch)

    assert set(result) == {"id", "text", "embedding", "error", "cost_usd", "cost_credits"}
    assert "embedding" not in batch  # the batch given is not changed
    assert result["id"].tolist() == list(range(10))
    for position, text in enumerate(texts):
        if position in (6, 7, 8):
            assert result["embedding"][position] is None
            assert result["error"][position].startswith("BadRequestError: Error code: 400")
            assert "moderation filter" in result["error"][position]
            assert result["cost_credits"][position] == 0
        else:
            assert result["embedding"][position] == ray_server.vector_for(text)
            assert result["error"][position] is None
    stats = account.stats()
    assert sum(result["cost_credits"]) == stats["credits"]
    assert sum(result["cost_usd"]) == pytest.approx(stats["usd"])


def test_embedding_passes_meta_columns_for_meta_fields_to_embed(loopback: tuple[str, Any]) -> None:
    url, _ = loopback
    embed = AIMLAPIEmbeddingCallable(
        _embedder(url, meta_fields_to_embed=["title"]), text_column="body", meta_columns=["title"]
    )
    result = embed({"body": np.array(["the text"], dtype=object), "title": np.array(["A title"], dtype=object)})
    assert result["embedding"][0] == ray_server.vector_for("A title\nthe text")


def test_rows_without_text_are_marked_not_sent(loopback: tuple[str, Any]) -> None:
    url, account = loopback
    embed = AIMLAPIEmbeddingCallable(_embedder(url))
    result = embed({"text": np.array(["one", None, "  ", "two"], dtype=object)})
    assert [vector is not None for vector in result["embedding"]] == [True, False, False, True]
    assert "no text to embed" in result["error"][1]
    assert "no text to embed" in result["error"][2]
    assert set(account.stats()["embedded"]) == {"one", "two"}


def test_an_embedder_that_raises_marks_the_whole_batch_instead_of_failing_the_job(loopback: tuple[str, Any]) -> None:
    url, _ = loopback
    embed = AIMLAPIEmbeddingCallable(_embedder(url, raise_on_failure=True), embedding_column="vector")
    result = embed({"text": np.array(["fine", "FAIL"], dtype=object)})
    assert list(result["vector"]) == [None, None]
    assert all("moderation filter" in error for error in result["error"])
    assert list(result["cost_credits"]) == [None, None]  # nothing was charged, nothing reported


def test_a_missing_column_names_the_columns_there_are(loopback: tuple[str, Any]) -> None:
    url, _ = loopback
    embed = AIMLAPIEmbeddingCallable(_embedder(url), text_column="content")
    with pytest.raises(KeyError, match=r"no column 'content'.*\['text'\]"):
        embed({"text": np.array(["a"], dtype=object)})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"embedder": "text-embedding-3-small"}, "embedder must be an AIMLAPIDocumentEmbedder"),
        ({"text_column": ""}, "text_column"),
        ({"meta_columns": "title"}, "meta_columns"),
    ],
)
def test_embedding_parameters_are_checked_by_name(kwargs: dict, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        AIMLAPIEmbeddingCallable(**kwargs)


def test_embedding_works_on_pandas_and_arrow_batches(loopback: tuple[str, Any]) -> None:
    pandas = pytest.importorskip("pandas")
    pyarrow = pytest.importorskip("pyarrow")
    url, _ = loopback
    embed = AIMLAPIEmbeddingCallable(_embedder(url))
    frame = embed(pandas.DataFrame({"text": ["a", "b"]}))
    assert list(frame.columns) == ["text", "embedding", "error", "cost_usd", "cost_credits"]
    assert frame["embedding"].tolist() == [ray_server.vector_for("a"), ray_server.vector_for("b")]
    table = embed(pyarrow.table({"text": ["c"]}))
    assert table.column("embedding").to_pylist() == [ray_server.vector_for("c")]


def test_the_limiter_admits_every_request_of_the_embedder(loopback: tuple[str, Any]) -> None:
    url, account = loopback
    limiter = AdaptiveLimiter(initial_limit=2)
    embed = AIMLAPIEmbeddingCallable(_embedder(url, batch_size=1, max_concurrency=4), limiter=limiter)
    embed({"text": np.array([f"t{i}" for i in range(6)], dtype=object)})
    assert limiter.stats().admitted == account.stats()["requests"] == 6


# --- chat ----------------------------------------------------------------------------------------------------------


class Summary(BaseModel):
    title: str
    length: int


def test_chat_adds_reply_finish_reason_usage_cost_and_error_columns(loopback: tuple[str, Any]) -> None:
    url, account = loopback
    chat = AIMLAPIChatCallable(_generator(url), max_concurrency=2)
    try:
        result = chat({"prompt": np.array(["hello there", "", "bye"], dtype=object)})
    finally:
        chat.close()
    assert list(result["reply"]) == ["echo: hello there", None, "echo: bye"]
    assert list(result["finish_reason"]) == ["stop", None, "stop"]
    assert list(result["prompt_tokens"]) == [3, None, 2]
    assert result["total_tokens"][0] == 3 + 3
    assert result["error"][0] is None
    assert "prompt is empty" in result["error"][1]
    assert sum(share for share in result["cost_credits"] if share) == account.stats()["credits"]
    assert result["cost_usd"][0] == pytest.approx((10 + len("hello there")) / 2_000_000)


def test_chat_reads_a_messages_column_as_lists_or_json_with_a_system_prompt(loopback: tuple[str, Any]) -> None:
    url, _ = loopback
    conversations = np.empty(2, dtype=object)
    conversations[:] = [
        [
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "2"},
        ],
        json.dumps([{"role": "user", "content": "as json"}]),
    ]
    chat = AIMLAPIChatCallable(_generator(url), messages_column="conversation", system_prompt="Be brief.")
    try:
        result = chat({"conversation": conversations})
    finally:
        chat.close()
    assert list(result["reply"]) == ["echo: 2", "echo: as json"]


def test_chat_renders_a_template_and_parses_structured_output_into_columns(loopback: tuple[str, Any]) -> None:
    url, _ = loopback
    chat = AIMLAPIChatCallable(_generator(url), template="Summarize {{ title }}: {{ body }}", response_format=Summary)
    try:
        result = chat({"title": np.array(["A", "B"], dtype=object), "body": np.array(["x y", "z"], dtype=object)})
    finally:
        chat.close()
    assert list(result["title"]) == ["Summarize A: x y", "Summarize B: z"]  # the server fills str fields from it
    assert list(result["length"]) == [len("Summarize A: x y"), len("Summarize B: z")]
    assert json.loads(result["reply"][0]) == {"title": "Summarize A: x y", "length": 16}


def test_chat_keeps_at_most_max_concurrency_rows_in_flight(loopback: tuple[str, Any]) -> None:
    url, account = loopback
    chat = AIMLAPIChatCallable(_generator(url), max_concurrency=3)
    try:
        result = chat({"prompt": np.array([f"p{i}" for i in range(15)], dtype=object)})
    finally:
        chat.close()
    assert all(error is None for error in result["error"])
    assert max(concurrency for _, concurrency, _ in account.stats()["arrivals"]) <= 3


def test_a_server_error_is_the_error_of_its_row_only() -> None:
    # One request at a time, 429 above, and no retries: some rows are refused, the others answered.
    with ray_server.serve_in_thread(latency_ms=20, chat_limit=1, retry_after=0) as (limited_url, _):
        chat = AIMLAPIChatCallable(_generator(limited_url), max_concurrency=4)
        try:
            result = chat({"prompt": np.array(["a", "b", "c", "d"], dtype=object)})
        finally:
            chat.close()
    refused = [error for error in result["error"] if error is not None]
    assert refused
    assert all(error.startswith("RateLimitError") and "the limit is 1" in error for error in refused)
    assert len(refused) + sum(reply is not None for reply in result["reply"]) == 4


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"messages_column": "m", "template": "{{ x }}"}, ValueError, "not both"),
        ({"template": " "}, ValueError, "template"),
        ({"response_format": dict}, TypeError, "response_format"),
        ({"max_concurrency": 0}, ValueError, "max_concurrency"),
        ({"generator": object()}, TypeError, "generator"),
        ({"generation_kwargs": "hot"}, TypeError, "generation_kwargs"),
    ],
)
def test_chat_parameters_are_checked_by_name(kwargs: dict, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        AIMLAPIChatCallable(**kwargs)


# --- costs and imports ---------------------------------------------------------------------------------------------


def test_a_cost_is_shared_out_in_whole_credits_that_sum_exactly() -> None:
    usd, shares = share_cost({"credits_used": 10, "usd_spent": 5e-06}, [True, False, True, True])
    assert shares == [4, 0, 3, 3]
    assert sum(usd) == pytest.approx(5e-06)
    usd, shares = share_cost({"credits_used": None, "usd_spent": 0.3}, [True, True, True])
    assert shares == [None, None, None]
    assert usd == pytest.approx([0.1, 0.1, 0.1])
    assert share_cost(None, [True]) == ([None], [None])


def test_importing_the_callables_does_not_import_ray() -> None:
    code = "import sys, haystack_integrations.ray.aimlapi; print('ray' in sys.modules, 'pandas' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["False", "False"]


def test_the_cluster_limiter_says_how_to_install_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(ImportError, match=r'pip install "aimlapi-haystack\[ray\]>=4\.1"'):
        ClusterLimiter()


def test_the_cluster_limiter_checks_its_parameters_before_starting_an_actor() -> None:
    with pytest.raises(ValueError, match="decrease_factor"):
        ClusterLimiter(decrease_factor=2.0)
