# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Index a scanned PDF and a recording into one document store, then ask a question about both.

The indexing pipeline reads the PDF with AI/ML API's OCR, transcribes the recording with its speech-to-text, splits
both into passages, embeds them and writes them to an in-memory store. The query pipeline embeds the question,
retrieves the closest passages and has a chat model answer from them.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/index_scans_and_recordings.py scan.pdf meeting.wav "What was decided about the budget?"

Both sources may also be http(s) URLs. Set AIMLAPI_BASE_URL to talk to another AI/ML API-compatible server instead.
"""

import argparse
import sys

from _common import run
from haystack import Pipeline
from haystack.components.builders import ChatPromptBuilder
from haystack.components.joiners import DocumentJoiner
from haystack.components.preprocessors import DocumentSplitter
from haystack.components.retrievers.in_memory import InMemoryEmbeddingRetriever
from haystack.components.writers import DocumentWriter
from haystack.dataclasses import ChatMessage
from haystack.document_stores.in_memory import InMemoryDocumentStore

from haystack_integrations.components.audio.aimlapi import AIMLAPITranscriber
from haystack_integrations.components.converters.aimlapi import AIMLAPIOCRDocumentConverter
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

PROMPT = """Answer the question from the context only. Name the source you used.
Question: {{ question }}
Context:
{% for document in documents %}{{ document.content | replace("\n", " ") }} (source: {{ document.meta.source }})
{% endfor %}"""


def indexing_pipeline(store: InMemoryDocumentStore, args: argparse.Namespace) -> Pipeline:
    pipeline = Pipeline()
    pipeline.add_component("ocr", AIMLAPIOCRDocumentConverter(model=args.ocr_model, timeout=120))
    pipeline.add_component("transcriber", AIMLAPITranscriber(model=args.stt_model, poll_interval=args.poll_interval))
    pipeline.add_component("joiner", DocumentJoiner())
    pipeline.add_component("splitter", DocumentSplitter(split_by="word", split_length=120, split_overlap=20))
    pipeline.add_component("embedder", AIMLAPIDocumentEmbedder(model=args.embedding_model, meta_fields_to_embed=[]))
    pipeline.add_component("writer", DocumentWriter(document_store=store))
    pipeline.connect("ocr.documents", "joiner.documents")
    pipeline.connect("transcriber.documents", "joiner.documents")
    pipeline.connect("joiner.documents", "splitter.documents")
    pipeline.connect("splitter.documents", "embedder.documents")
    pipeline.connect("embedder.documents", "writer.documents")
    return pipeline


def query_pipeline(store: InMemoryDocumentStore, args: argparse.Namespace) -> Pipeline:
    pipeline = Pipeline()
    pipeline.add_component("embedder", AIMLAPITextEmbedder(model=args.embedding_model))
    pipeline.add_component("retriever", InMemoryEmbeddingRetriever(document_store=store, top_k=3))
    pipeline.add_component(
        "prompt", ChatPromptBuilder(template=[ChatMessage.from_user(PROMPT)], required_variables=["question"])
    )
    pipeline.add_component("llm", AIMLAPIChatGenerator(model=args.chat_model))
    pipeline.connect("embedder.embedding", "retriever.query_embedding")
    pipeline.connect("retriever.documents", "prompt.documents")
    pipeline.connect("prompt.prompt", "llm.messages")
    return pipeline


def main(args: argparse.Namespace) -> int:
    store = InMemoryDocumentStore(embedding_similarity_function="cosine")
    indexed = indexing_pipeline(store, args).run(
        {"ocr": {"sources": [args.pdf]}, "transcriber": {"sources": [args.recording]}},
        include_outputs_from={"ocr", "transcriber"},
    )
    failed = indexed["ocr"]["meta"]["failed_sources"] + indexed["transcriber"]["meta"]["failed_sources"]
    for failure in failed:
        print(f"failed: {failure['source']}: {failure['reason']}", file=sys.stderr)
    print(f"indexed {indexed['writer']['documents_written']} passages from {args.pdf} and {args.recording}")
    if failed:
        return 1

    answer = query_pipeline(store, args).run(
        {"embedder": {"text": args.question}, "prompt": {"question": args.question}},
        include_outputs_from={"retriever"},
    )
    for document in answer["retriever"]["documents"]:
        print(f"retrieved ({document.score:.2f}) from {document.meta['source']}: {document.content[:60]!r}")
    print(f"answer: {answer['llm']['replies'][0].text}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdf", help="a scanned PDF (path or URL)")
    parser.add_argument("recording", help="an audio file (path or URL)")
    parser.add_argument("question")
    parser.add_argument("--ocr-model", default="mistral/mistral-ocr-4-0")
    parser.add_argument("--stt-model", default="#g1_nova-2-general")
    parser.add_argument("--embedding-model", default="text-embedding-3-small")
    parser.add_argument("--chat-model", default="openai/gpt-5-chat-latest")
    parser.add_argument("--poll-interval", type=float, default=2.0)
    arguments = parser.parse_args()
    run(lambda: main(arguments))
