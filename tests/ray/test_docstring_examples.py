# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The docstring examples of the Ray package (embedding.py, chat.py, limiter.py) run unchanged on the tests' local
cluster, against the loopback server.

tests/docs shows them without running them: they need the `ray` extra, a cluster and Parquet files. As in the README
block's test, file names are made absolute, `ray.init()` joins the running cluster, and the actors are handed the
environment a reader's `ray.init()` would have given them (the key and the base URL), since the tests' cluster
started before this test exported them.
"""

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docs.blocks import Block, docstring_blocks, with_paths
from tests.docs.runner import run_python

from .conftest import ray_server

pytest.importorskip("ray")
pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")

pytestmark = pytest.mark.ray

SRC = Path(__file__).resolve().parents[2] / "src" / "haystack_integrations" / "ray" / "aimlapi"
KEY = "sk-ray-docstring-key"


def _example(module: str, **paths: Path) -> Block:
    [block] = [block for block in docstring_blocks(SRC / module, module) if block.language == "python"]
    assert block.not_run is not None and "tests/ray" in block.not_run
    return with_paths(block, **paths)


@pytest.fixture
def reader(loopback: tuple[str, Any], ray_cluster: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    url, account = loopback
    monkeypatch.setenv("AIMLAPI_API_KEY", KEY)
    monkeypatch.setenv("AIMLAPI_BASE_URL", url)
    monkeypatch.setattr(ray_cluster, "init", functools.partial(ray_cluster.init, ignore_reinit_error=True))
    map_batches = ray_cluster.data.Dataset.map_batches

    def with_environment(self: Any, *args: Any, **kwargs: Any) -> Any:
        assert "runtime_env" not in kwargs  # the examples leave it to ray.init()'s inherited environment
        kwargs["runtime_env"] = {"env_vars": {"AIMLAPI_API_KEY": KEY, "AIMLAPI_BASE_URL": url}}
        return map_batches(self, *args, **kwargs)

    monkeypatch.setattr(ray_cluster.data.Dataset, "map_batches", with_environment)
    yield account


@pytest.mark.parametrize("module", ["embedding.py", "limiter.py"])
def test_the_embedding_examples(module: str, reader: Any, tmp_path: Path) -> None:
    texts = [f"passage {row} on tide tables" for row in range(100)]
    pq.write_table(pa.table({"text": texts, "row": list(range(100))}), tmp_path / "chunks.parquet")
    paths = {"chunks.parquet": tmp_path / "chunks.parquet"}
    if module == "embedding.py":
        paths["embedded/"] = tmp_path / "embedded"
    namespace: dict[str, Any] = {"__name__": "__main__"}

    assert run_python(_example(module, **paths), namespace) == ""

    if module == "embedding.py":
        rows = pq.read_table(tmp_path / "embedded").to_pandas().to_dict("records")
    else:  # the limiter's example builds the dataset and leaves running it to the reader
        rows = namespace["dataset"].take_all()
    rows.sort(key=lambda row: row["row"])
    assert [row["text"] for row in rows] == texts
    for row in rows:
        assert list(row["embedding"]) == ray_server.vector_for(row["text"])
        assert row["error"] is None
    stats = reader.stats()
    assert sum(row["cost_credits"] for row in rows) == stats["credits"]
    from haystack_integrations.ray.aimlapi import ClusterLimiter  # noqa: PLC0415  # only once Ray is there

    assert ClusterLimiter().stats().admitted == stats["requests"] > 0  # every request asked the example's limiter


def test_the_chat_example(reader: Any, tmp_path: Path) -> None:
    reviews = [f"Review {row}: it works." for row in range(12)]
    pq.write_table(pa.table({"review": reviews}), tmp_path / "reviews.parquet")
    namespace: dict[str, Any] = {"__name__": "__main__"}

    assert run_python(_example("chat.py", **{"reviews.parquet": tmp_path / "reviews.parquet"}), namespace) == ""
    rows = namespace["graded"].take_all()

    assert [row["review"] for row in rows] == reviews
    for row, review in zip(rows, reviews, strict=True):
        assert row["error"] is None
        prompt = f"Classify the sentiment of this review: {review}"
        assert (row["label"], row["confidence"]) == (prompt[:20], 0.5)
    assert reader.stats()["requests"] == len(reviews)
