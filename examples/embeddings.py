# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Index documents with AI/ML API embeddings, several batches at once, then retrieve by a query; print what it cost.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/embeddings.py "Which city is the capital of France?" [--model text-embedding-3-small]
    python examples/embeddings.py "capital of France" --model voyage-large-2-instruct --input-types document query
    python examples/embeddings.py "capital of France" --model textembedding-gecko@003 \
        --task-types RETRIEVAL_DOCUMENT RETRIEVAL_QUERY

Set AIMLAPI_BASE_URL to talk to any other OpenAI-compatible server instead.
"""

import argparse
from typing import Any

from _common import describe_cost, run
from haystack import Document, Pipeline
from haystack.components.retrievers.in_memory import InMemoryEmbeddingRetriever
from haystack.components.writers import DocumentWriter
from haystack.document_stores.in_memory import InMemoryDocumentStore

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder

FACTS = [
    "Paris is the capital and largest city of France.",
    "Berlin is the capital of Germany.",
    "Madrid is the capital of Spain.",
    "Rome is the capital of Italy.",
    "The Eiffel Tower was completed in 1889.",
    "Pizza Margherita is named after a queen of Italy.",
    "",  # no text: returned without an embedding and listed in meta["skipped_documents"]
]


def family_options(args: argparse.Namespace, position: int) -> dict[str, Any]:
    """Model-family fields: `position` 0 for the documents, 1 for the query."""
    options: dict[str, Any] = {}
    if args.task_types:
        options["task_type"] = args.task_types[position]
    if args.input_types:
        options["input_type"] = args.input_types[position]
    return options


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("query")
    parser.add_argument("--model", default="text-embedding-3-small")
    parser.add_argument("--max-concurrency", type=int, default=4)
    parser.add_argument("--task-types", nargs=2, metavar=("DOCUMENTS", "QUERY"), help="Google models")
    parser.add_argument("--input-types", nargs=2, metavar=("DOCUMENTS", "QUERY"), help="Voyage models")
    return parser.parse_args()


def main(args: argparse.Namespace) -> None:
    store = InMemoryDocumentStore(embedding_similarity_function="cosine")
    indexing = Pipeline()
    indexing.add_component(
        "embedder",
        AIMLAPIDocumentEmbedder(
            model=args.model, batch_size=2, max_concurrency=args.max_concurrency, **family_options(args, 0)
        ),
    )
    indexing.add_component("writer", DocumentWriter(document_store=store))
    indexing.connect("embedder.documents", "writer.documents")
    indexed = indexing.run(
        {"embedder": {"documents": [Document(content=text) for text in FACTS]}}, include_outputs_from={"embedder"}
    )
    meta = indexed["embedder"]["meta"]
    print(f"Indexed {indexed['writer']['documents_written']} documents with {meta['model']}")
    print(f"  usage {meta.get('usage')}, {describe_cost(meta)}")
    print(f"  skipped (no text): {len(meta['skipped_documents'])}, failed: {len(meta['failed_documents'])}")

    querying = Pipeline()
    querying.add_component("embedder", AIMLAPITextEmbedder(model=args.model, **family_options(args, 1)))
    querying.add_component("retriever", InMemoryEmbeddingRetriever(document_store=store, top_k=3))
    querying.connect("embedder.embedding", "retriever.query_embedding")
    found = querying.run({"embedder": {"text": args.query}}, include_outputs_from={"embedder"})
    print(f"\n{args.query}")
    for document in found["retriever"]["documents"]:
        print(f"  {document.score:.3f}  {document.content}")
    print(f"  query {describe_cost(found['embedder']['meta'])}")


if __name__ == "__main__":
    arguments = parse_arguments()
    run(lambda: main(arguments))
