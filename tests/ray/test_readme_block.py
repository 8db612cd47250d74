# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The README's Ray example runs unchanged on the tests' local cluster, against the loopback server.

tests/docs marks it not-run: it needs the `ray` extra and a Parquet file, which this test provides.
"""

from pathlib import Path
from typing import Any

import pytest

from .conftest import ray_server

pytest.importorskip("ray")
pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")

pytestmark = pytest.mark.ray

README = Path(__file__).resolve().parents[2] / "README.md"


def _section_code(heading: str) -> str:
    section = README.read_text().split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_embeds_every_row(
    tmp_path: Path, loopback: tuple[str, Any], ray_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, account = loopback
    texts = [f"chunk {row} about lighthouses" for row in range(40)]
    pq.write_table(pa.table({"text": texts}), tmp_path / "chunks.parquet")
    monkeypatch.setenv("AIMLAPI_API_KEY", "sk-example")
    monkeypatch.setenv("AIMLAPI_BASE_URL", url)

    # The README's code as it stands, but for the file's path: Ray's workers do not share the test's working
    # directory, so the relative name is made absolute.
    code = _section_code("## Ray")
    assert '"chunks.parquet"' in code
    code = code.replace('"chunks.parquet"', repr(str(tmp_path / "chunks.parquet")))
    # A user's `ray.init()` starts workers after the key was exported, and they inherit it; the tests' cluster was
    # started before this test set the key, so the key is handed to the actors the way a multi-machine job does.
    map_batches = ray_cluster.data.Dataset.map_batches

    def with_key(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["runtime_env"] = {"env_vars": {"AIMLAPI_API_KEY": "sk-example"}}
        return map_batches(self, *args, **kwargs)

    monkeypatch.setattr(ray_cluster.data.Dataset, "map_batches", with_key)
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102  # the README's own code

    rows = namespace["embedded"].to_pandas().to_dict("records")
    assert sorted(row["text"] for row in rows) == sorted(texts)
    for row in rows:
        assert list(row["embedding"]) == ray_server.vector_for(row["text"])
        assert row["error"] is None
    assert sum(row["cost_credits"] for row in rows) == account.stats()["credits"]
