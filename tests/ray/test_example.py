# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""`examples/ray_index_corpus.py` as a script: Parquet in, embeddings out and into a store, against 127.0.0.1."""

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ray_server

pytest.importorskip("ray")
pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")

pytestmark = pytest.mark.ray

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ray_index_corpus.py"


def test_the_example_embeds_a_parquet_corpus_into_parquet_and_a_store(
    tmp_path: Path,
    loopback: tuple[str, Any],
    ray_cluster: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, account = loopback
    texts = [f"passage {row} about rivers" for row in range(60)]
    table = pa.table({"text": texts, "source": [f"doc-{row % 3}" for row in range(60)]})
    pq.write_table(table, tmp_path / "in.parquet")
    monkeypatch.setenv("AIMLAPI_API_KEY", "sk-example")
    monkeypatch.setenv("AIMLAPI_BASE_URL", url)
    argv = [str(tmp_path / "in.parquet"), "--output", str(tmp_path / "out"), "--meta-columns", "source"]
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), *argv, "--actors", "2"])
    # `python examples/x.py` puts examples/ on the path, where the shared `_common` lives; runpy does not.
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    # Run in this process, on the tests' cluster: the example joins a running cluster rather than starting one.
    example = runpy.run_path(str(EXAMPLE))
    assert example["main"]() == 0

    out = capsys.readouterr().out
    assert "rows: 60, embedded: 60, failed: 0" in out
    assert "documents in the store: 60" in out
    assert ray_cluster.is_initialized()  # the example left the cluster it joined running
    written = pq.read_table(tmp_path / "out").to_pylist()
    assert sorted(row["text"] for row in written) == sorted(texts)
    for row in written:
        assert list(row["embedding"]) == ray_server.vector_for(row["text"])
        assert row["error"] is None
    assert sum(row["cost_credits"] for row in written) == account.stats()["credits"]


def test_the_example_without_a_key_says_what_to_do(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "AIMLAPI_API_KEY"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--demo", "5", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "AIMLAPI_API_KEY is not set" in result.stderr
