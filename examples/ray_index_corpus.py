# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Embed a Parquet corpus with Ray Data and AI/ML API, write the vectors to Parquet, and load them into a document store.

    pip install ".[ray]"                  # in a clone; once 4.1 is on PyPI: pip install "aimlapi-haystack[ray]>=4.1"
    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/ray_index_corpus.py chunks.parquet --output embedded/ [--text-column text] [--actors 4]
    python examples/ray_index_corpus.py --demo 200 --output embedded/      # writes and embeds a small corpus

The input needs a text column (`--text-column`, default `text`); every other column is kept, and the ones named by
`--meta-columns` also become the documents' meta. Each row comes back with `embedding`, `error`, `cost_usd` and
`cost_credits`: a row whose request failed keeps its place with the reason in `error`, and is not written to the
store. All actors share one adaptive limit on requests in flight (`--max-in-flight`).

Ray starts a local cluster, or joins the one `RAY_ADDRESS` names. Set AIMLAPI_BASE_URL to talk to another
OpenAI-compatible server instead.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _common import cost_not_reported, run
from haystack import Document
from haystack.document_stores.in_memory import InMemoryDocumentStore
from haystack.document_stores.types import DuplicatePolicy


def _demo_corpus(rows: int, directory: Path) -> Path:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    topics = ["rivers", "mountains", "cities", "forests", "deserts"]
    table = pa.table(
        {
            "chunk_id": [f"chunk-{row:05d}" for row in range(rows)],
            "topic": [topics[row % len(topics)] for row in range(rows)],
            "text": [f"Chunk {row} of the demo corpus, about {topics[row % len(topics)]}." for row in range(rows)],
        }
    )
    path = directory / "demo.parquet"
    pq.write_table(table, path)
    return path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", help="a Parquet file or directory")
    parser.add_argument("--demo", type=int, metavar="ROWS", help="embed a generated corpus of ROWS rows instead")
    parser.add_argument("--output", required=True, help="directory for the embedded rows, as Parquet")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--meta-columns", nargs="*", default=[], help="columns that become document meta")
    parser.add_argument("--model", default="text-embedding-3-small")
    parser.add_argument("--actors", type=int, default=2, help="embedding actors, each with one warm embedder")
    parser.add_argument("--max-in-flight", type=int, default=32, help="the shared limit's ceiling, across actors")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local cluster (default: all)")
    args = parser.parse_args()
    if (args.input is None) == (args.demo is None):
        parser.error("pass a Parquet input, or --demo ROWS")
    return args


def main(args: argparse.Namespace | None = None) -> int:
    """Embeds and stores the corpus; `args` defaults to the command line's, so a notebook can call `main()`."""
    if args is None:
        args = parse_args()
    try:
        import ray  # noqa: PLC0415  # the `ray` extra
    except ImportError:
        # One line, as every example says what it lacks, rather than a traceback.
        print(
            'error: this example needs the ray extra: pip install ".[ray]" (in a clone of this repository)',
            file=sys.stderr,
        )
        return 2

    from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder  # noqa: PLC0415
    from haystack_integrations.ray.aimlapi import AIMLAPIEmbeddingCallable, ClusterLimiter  # noqa: PLC0415

    # Joins a cluster already running in this process (a notebook's, say), or starts one and stops it at the end.
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    try:
        with tempfile.TemporaryDirectory() as scratch:
            source = args.input or str(_demo_corpus(args.demo, Path(scratch)))
            chunks = ray.data.read_parquet(source)
            embedded = chunks.map_batches(
                AIMLAPIEmbeddingCallable,
                fn_constructor_kwargs={
                    "embedder": AIMLAPIDocumentEmbedder(model=args.model, batch_size=64, max_concurrency=4),
                    "text_column": args.text_column,
                    "meta_columns": args.meta_columns,
                    "limiter": ClusterLimiter(initial_limit=4, max_limit=args.max_in_flight),
                },
                batch_format="pandas",
                batch_size=512,
                compute=ray.data.ActorPoolStrategy(size=args.actors),
                num_cpus=0.25,  # the actors wait on the network, not the CPU
                # The key is read in each actor, whose machine may not have it set: hand it over (or set it on the
                # workers some other way, and drop this).
                runtime_env={"env_vars": {"AIMLAPI_API_KEY": os.environ["AIMLAPI_API_KEY"]}},
            ).materialize()  # embedded once, then written twice
            embedded.write_parquet(args.output)

            store = InMemoryDocumentStore()
            rows = failed = 0
            cost: float | None = None
            documents: list[Document] = []
            for row in embedded.iter_rows():
                rows += 1
                if row["cost_usd"] is not None:
                    cost = (cost or 0.0) + row["cost_usd"]
                if row["error"] is not None:
                    failed += 1
                    print(f"not embedded: row {rows - 1}: {row['error']}", file=sys.stderr)
                    continue
                meta = {name: row[name] for name in args.meta_columns}
                documents.append(Document(content=row[args.text_column], embedding=list(row["embedding"]), meta=meta))
                if len(documents) == 1_000:
                    store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
                    documents = []
            store.write_documents(documents, policy=DuplicatePolicy.OVERWRITE)
    finally:
        if started_here:
            ray.shutdown()

    spent = f"cost: ${cost:.6f}" if cost is not None else cost_not_reported()
    print(f"rows: {rows}, embedded: {rows - failed}, failed: {failed}, {spent}")
    print(f"documents in the store: {store.count_documents()}; embedded rows written to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    arguments = parse_args()
    run(lambda: main(arguments))
