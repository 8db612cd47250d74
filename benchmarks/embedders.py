# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Indexing throughput: `AIMLAPIDocumentEmbedder` at several `max_concurrency` values against Haystack's
`OpenAIDocumentEmbedder`, in one run, against `embeddings_server.py` (started and stopped here).

Workload: embed 1,280 documents into 1536-dimension vectors, 32 per request, through a server that answers every
request after 100 ms and spends next to no CPU, so what differs between contenders is how they wait and how much
client CPU each response costs.

Usage:
```bash
python benchmarks/embedders.py            # prints a Markdown table
python benchmarks/embedders.py --json     # the figures as JSON
```
or from Python: `run_benchmark()` returns the figures as a dict.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from haystack import Document
from haystack.components.embedders import OpenAIDocumentEmbedder
from haystack.utils import Secret

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder

SERVER_SCRIPT = Path(__file__).resolve().with_name("embeddings_server.py")
HAYSTACK = "Haystack OpenAIDocumentEmbedder"
TARGET_SPEEDUP_AT_8 = 8.0


@contextmanager
def embeddings_server(latency_ms: float) -> Iterator[str]:
    """Runs `embeddings_server.py` in its own process (so its CPU is not the client's) and yields its /v1 URL."""
    process = subprocess.Popen(
        [sys.executable, str(SERVER_SCRIPT), "--host", "127.0.0.1", "--port", "0", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None  # noqa: S101
        line = process.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the embeddings server did not start (exit code {process.poll()}): {line!r}")
        yield line.removeprefix("listening on ")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _documents(count: int) -> list[Document]:
    text = "Haystack pipelines index documents into vectors through an embedding model. "
    return [Document(content=f"Document {index}. {text * 3}") for index in range(count)]


Contender = tuple[str, int | None, Callable[[list[Document]], dict[str, Any]]]


def _contenders(base_url: str, batch_size: int, dimensions: int, concurrencies: tuple[int, ...]) -> list[Contender]:
    key = Secret.from_token("sk-benchmark-key")
    common: dict[str, Any] = {
        "api_key": key,
        "api_base_url": base_url,
        "dimensions": dimensions,
        "batch_size": batch_size,
        "progress_bar": False,
        "timeout": 60.0,
        "max_retries": 0,
    }
    haystack = OpenAIDocumentEmbedder(**common, raise_on_failure=True)
    contenders: list[tuple[str, int | None, Callable[[list[Document]], dict[str, Any]]]] = [
        (HAYSTACK, None, haystack.run)
    ]
    for concurrency in concurrencies:
        embedder = AIMLAPIDocumentEmbedder(**common, max_concurrency=concurrency, raise_on_failure=True)
        contenders.append((f"AIMLAPIDocumentEmbedder, max_concurrency={concurrency}", concurrency, embedder.run))
    return contenders


def _check(result: dict[str, Any], count: int, dimensions: int) -> list[float]:
    documents = result["documents"]
    if len(documents) != count or any(
        document.embedding is None or len(document.embedding) != dimensions for document in documents
    ):
        raise RuntimeError("a contender returned documents without a full embedding")
    return documents[-1].embedding


def run_benchmark(
    *,
    documents: int = 1280,
    batch_size: int = 32,
    dimensions: int = 1536,
    latency_ms: float = 100.0,
    concurrencies: tuple[int, ...] = (1, 4, 8),
    repeats: int = 1,
) -> dict[str, Any]:
    """
    Runs every contender against one freshly started server and returns the figures.

    Each contender first embeds one batch (building its client and connections, untimed), then embeds the whole
    workload `repeats` times; its time is the median. All contenders must return identical vectors.

    :returns: `{"benchmark", "workload", "results": [{"contender", "max_concurrency", "seconds", "ms_per_batch",
        "client_cpu_ms_per_batch", "speedup_vs_haystack"}, ...], "haystack_seconds", "targets", "markdown"}`.
    """
    docs = _documents(documents)
    batches = -(-documents // batch_size)
    results: list[dict[str, Any]] = []
    reference: list[float] | None = None
    with embeddings_server(latency_ms) as base_url:
        for name, concurrency, run in _contenders(base_url, batch_size, dimensions, concurrencies):
            _check(run(docs[:batch_size]), min(batch_size, documents), dimensions)
            timings, cpu_timings = [], []
            for _ in range(repeats):
                started, cpu_started = time.perf_counter(), time.process_time()
                result = run(docs)
                timings.append(time.perf_counter() - started)
                cpu_timings.append(time.process_time() - cpu_started)
                last = _check(result, documents, dimensions)
                if reference is None:
                    reference = last
                elif max(abs(a - b) for a, b in zip(last, reference, strict=True)) > 1e-6:
                    # float and base64 responses carry the same float32 values, up to float printing.
                    raise RuntimeError(f"{name} returned different vectors from the other contenders")
            seconds = statistics.median(timings)
            results.append(
                {
                    "contender": name,
                    "max_concurrency": concurrency,
                    "seconds": round(seconds, 3),
                    "ms_per_batch": round(seconds * 1000 / batches, 1),
                    # CPU of this process (all threads): what the GIL serializes, and what machine load inflates.
                    "client_cpu_ms_per_batch": round(statistics.median(cpu_timings) * 1000 / batches, 1),
                }
            )
    haystack_seconds = results[0]["seconds"]
    for row in results:
        row["speedup_vs_haystack"] = round(haystack_seconds / row["seconds"], 2)
    by_concurrency = {row["max_concurrency"]: row for row in results}
    targets = {}
    if 8 in by_concurrency:
        targets["max_concurrency=8 at least 8x Haystack's"] = by_concurrency[8]["speedup_vs_haystack"] >= (
            TARGET_SPEEDUP_AT_8
        )
    if 1 in by_concurrency:
        targets["max_concurrency=1 no slower than Haystack's"] = by_concurrency[1]["seconds"] <= haystack_seconds
    figures: dict[str, Any] = {
        "benchmark": "document embedders",
        "workload": {
            "documents": documents,
            "batch_size": batch_size,
            "batches": batches,
            "dimensions": dimensions,
            "server_latency_ms": latency_ms,
            "repeats": repeats,
        },
        "results": results,
        "haystack_seconds": haystack_seconds,
        "targets": targets,
    }
    figures["markdown"] = to_markdown(figures)
    return figures


def to_markdown(figures: dict[str, Any]) -> str:
    """The figures of `run_benchmark` as a Markdown table, with the workload and targets below it."""
    workload = figures["workload"]
    lines = [
        "| contender | seconds | ms per batch | client CPU ms per batch | speedup vs Haystack |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {row['contender']} | {row['seconds']:.3f} | {row['ms_per_batch']:.1f} | "
        f"{row['client_cpu_ms_per_batch']:.1f} | {row['speedup_vs_haystack']:.2f}x |"
        for row in figures["results"]
    ]
    lines.append("")
    lines.append(
        f"{workload['documents']} documents, {workload['batches']} batches of {workload['batch_size']}, "
        f"{workload['dimensions']} dimensions, {workload['server_latency_ms']:g} ms server latency per request, "
        f"median of {workload['repeats']} run(s)."
    )
    for target, met in figures["targets"].items():
        lines.append(f"- {target}: {'met' if met else 'NOT met'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1280)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--dimensions", type=int, default=1536)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    figures = run_benchmark(
        documents=args.documents,
        batch_size=args.batch_size,
        dimensions=args.dimensions,
        latency_ms=args.latency_ms,
        repeats=args.repeats,
    )
    print(json.dumps(figures, indent=2) if args.json else figures["markdown"])


if __name__ == "__main__":
    main()
