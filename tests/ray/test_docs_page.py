# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Every Python block of docs/ray.md runs unchanged on the tests' local Ray cluster, against the loopback server.

tests/docs leaves the page to this module: its blocks need the `ray` extra, a cluster and Parquet files. What differs
from a reader's run: the file names are made absolute (Ray's workers do not share the test's working directory), and
the page's `ray.init()` joins the cluster the tests already started instead of starting a second one.
"""

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from haystack import Document

from tests.docs.blocks import Block, markdown_blocks, with_paths
from tests.docs.runner import run_python

from .conftest import ray_server

pytest.importorskip("ray")
pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")

pytestmark = pytest.mark.ray

PAGE = Path(__file__).resolve().parents[2] / "docs" / "ray.md"
KEY = "sk-ray-docs-key"


def _page_blocks() -> list[Block]:
    blocks = markdown_blocks(PAGE.read_text(), "docs/ray.md")
    # This module stands in for tests/docs on this page: any block it does not run must say why, and only the
    # install line may.
    assert [block.code.split()[:2] for block in blocks if block.not_run is not None] == [["pip", "install"]]
    runnable = [block for block in blocks if block.language in ("python", "bash") and block.not_run is None]
    assert {block.language for block in runnable} == {"python"}
    return runnable


def _block(containing: str) -> Block:
    [block] = [block for block in _page_blocks() if containing in block.code]
    return block


@pytest.fixture
def reader(loopback: tuple[str, Any], ray_cluster: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A reader's environment: the key and the loopback server exported, `ray.init()` joining the tests' cluster."""
    url, account = loopback
    monkeypatch.setenv("AIMLAPI_API_KEY", KEY)
    monkeypatch.setenv("AIMLAPI_BASE_URL", url)
    monkeypatch.setattr(ray_cluster, "init", functools.partial(ray_cluster.init, ignore_reinit_error=True))
    yield account


def test_the_page_leaves_its_blocks_to_this_module() -> None:
    assert "<!-- blocks-run-by: tests/ray/test_docs_page.py -->" in PAGE.read_text()
    assert len(_page_blocks()) == 3


def test_embedding_a_corpus(reader: Any, tmp_path: Path) -> None:
    texts = [f"chunk {row} about lighthouses and the sea" for row in range(600)]  # two batches of 512 and fewer
    pq.write_table(pa.table({"text": texts, "row": list(range(600))}), tmp_path / "chunks.parquet")
    block = with_paths(
        _block("AIMLAPIEmbeddingCallable,"),
        **{"chunks.parquet": tmp_path / "chunks.parquet", "embedded/": tmp_path / "embedded"},
    )

    # The namespace stays referenced to the end: the page's dataset holds its limiter, whose actor Ray stops once no
    # handle is left, and the last check below joins that actor by its name.
    namespace: dict[str, Any] = {"__name__": "__main__"}
    assert run_python(block, namespace) == ""

    rows = pq.read_table(tmp_path / "embedded").to_pandas().sort_values("row").to_dict("records")
    assert [row["text"] for row in rows] == texts  # every row, none twice
    for row in rows:
        assert list(row["embedding"]) == ray_server.vector_for(row["text"])
        assert row["error"] is None
    stats = reader.stats()
    assert stats["embedded"] == dict.fromkeys(texts, 1)
    assert sum(row["cost_credits"] for row in rows) == stats["credits"]
    assert sum(row["cost_usd"] for row in rows) == pytest.approx(stats["usd"], rel=1e-9)
    # Every request went through the shared limiter the page set up (joined here by its default name).
    from haystack_integrations.ray.aimlapi import ClusterLimiter  # noqa: PLC0415  # only once Ray is there

    assert namespace["embedded"] is not None  # the page's pipeline, and with it its limiter, is still alive here
    limiter = ClusterLimiter().stats()
    assert limiter.admitted == stats["requests"] >= 600 // 64
    assert limiter.throttled == 0


def test_generating_with_a_template_and_structured_output(reader: Any, tmp_path: Path) -> None:
    reviews = [f"Review {row}: the lamp arrived {'broken' if row % 3 else 'on time'}." for row in range(30)]
    pq.write_table(pa.table({"review": reviews}), tmp_path / "reviews.parquet")
    block = with_paths(_block("AIMLAPIChatCallable,"), **{"reviews.parquet": tmp_path / "reviews.parquet"})
    namespace: dict[str, Any] = {"__name__": "__main__"}

    assert run_python(block, namespace) == ""
    rows = namespace["graded"].take_all()  # Ray Data is lazy: this is what runs the page's pipeline

    prompts = [f"Classify the sentiment of this review: {review}" for review in reviews]
    assert [row["review"] for row in rows] == reviews
    for row, prompt in zip(rows, prompts, strict=True):
        assert row["error"] is None
        # The server answers a JSON schema with an object that follows it, strings cut from the prompt it got: so
        # the rendered template reached it, and the reply was parsed into the Verdict's columns.
        assert (row["label"], row["confidence"]) == (prompt[:20], 0.5)
        assert row["finish_reason"] == "stop"
    assert sum(row["cost_credits"] for row in rows) == reader.stats()["credits"]
    assert reader.stats()["requests"] == len(reviews)


def test_the_limiter_without_ray(reader: Any) -> None:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    assert run_python(_block("limited_http_client_kwargs(limiter)"), namespace) == ""

    # The page's embedder, run: its requests go through the page's limiter.
    texts = [f"document {index}" for index in range(100)]
    result = namespace["embedder"].run(documents=[Document(content=text) for text in texts])

    assert [document.embedding for document in result["documents"]] == [ray_server.vector_for(t) for t in texts]
    stats = namespace["limiter"].stats()
    assert stats.admitted == reader.stats()["requests"] > 1
    assert stats.in_flight == 0
    assert 4 <= stats.limit <= 32  # from initial_limit=4, at most max_limit=32
