# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The embedders and the image generator under the same faults as the chat generator: retries, client errors, copies,
secret hygiene, and (for the document embedder, which sends batches concurrently) load with injected errors.

llmock's embeddings are a deterministic function of the text (`llmock.simulation.build_mock_embedding`), so every
vector can be checked against the text it was computed from.
"""

import copy
import gc
import logging
import pickle
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import openai
import pytest
from haystack import Document, Pipeline
from llmock.simulation import build_mock_embedding

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator
from tests.conftest import TEST_KEY
from tests.reliability.helpers import ERROR_RATES, MAX_RETRIES, Fact, Stopwatch, open_fds
from tests.support import LLMock, MockAPI, json_response

pytestmark = [pytest.mark.reliability]

DIMENSIONS = 1536  # llmock's embedding size
TEXT = "What is the capital of France?"
TEXTS = ["Paris is the capital of France.", "Berlin is the capital of Germany.", "I love pizza."]


def check_text_embedding(result: dict[str, Any]) -> str:
    assert result["embedding"] == build_mock_embedding(TEXT, DIMENSIONS)
    return f"embedding of {len(result['embedding'])} floats, equal to the server's"


def check_documents(result: dict[str, Any]) -> str:
    documents = result["documents"]
    assert [document.content for document in documents] == TEXTS
    assert [document.embedding for document in documents] == [build_mock_embedding(t, DIMENSIONS) for t in TEXTS]
    assert result["meta"]["failed_documents"] == []
    return f"{len(documents)} documents embedded, in input order, vectors equal to the server's"


def check_image(result: dict[str, Any]) -> str:
    (image,) = result["images"]
    assert image.mime_type == "image/svg+xml"
    assert image.base64_image
    assert result["meta"]["image_count"] == 1
    return f"1 image ({image.mime_type})"


@dataclass(frozen=True)
class Subject:
    """A component, how to call it, and how to check its output."""

    name: str
    make: Callable[..., Any]
    call: Callable[[Any], Any]
    call_async: Callable[[Any], Any]
    check: Callable[[dict[str, Any]], str]


SUBJECTS = [
    Subject(
        "AIMLAPITextEmbedder",
        lambda url, **kwargs: AIMLAPITextEmbedder(api_base_url=url, **kwargs),
        lambda component: component.run(TEXT),
        lambda component: component.run_async(TEXT),
        check_text_embedding,
    ),
    Subject(
        "AIMLAPIDocumentEmbedder",
        lambda url, **kwargs: AIMLAPIDocumentEmbedder(api_base_url=url, progress_bar=False, **kwargs),
        lambda component: component.run([Document(content=text) for text in TEXTS]),
        lambda component: component.run_async([Document(content=text) for text in TEXTS]),
        check_documents,
    ),
    Subject(
        "AIMLAPIImageGenerator",
        lambda url, **kwargs: AIMLAPIImageGenerator(api_base_url=url, model="dall-e-3", **kwargs),
        lambda component: component.run("a red fox in the snow"),
        lambda component: component.run_async("a red fox in the snow"),
        check_image,
    ),
]


def by_name(subject: Subject) -> str:
    return subject.name


async def call(subject: Subject, component: Any, mode: str) -> dict[str, Any]:
    if mode == "async":
        return await subject.call_async(component)
    return subject.call(component)


async def release(component: Any) -> None:
    component.close()
    await component.close_async()


@pytest.mark.loopback
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("subject", SUBJECTS, ids=by_name)
async def test_retryable_errors_are_recovered(llmock_server: LLMock, fact: Fact, subject: Subject, mode: str):
    llmock_server.scenario(
        {"type": "fail", "status": 429, "retry_after": 0.1, "times": 2},
        {"type": "fail", "status": 503, "retry_after": 0.1},
    )
    component = subject.make(llmock_server.url, max_retries=3)
    with Stopwatch() as clock:
        result = await call(subject, component, mode)
    await release(component)

    outcome = subject.check(result)
    records = llmock_server.requests()
    assert [record["status"] for record in records] == [429, 429, 503, 200]
    assert len({record["fingerprint"] for record in records}) == 1
    fact(
        "components",
        component=subject.name,
        case="429, 429, 503 (Retry-After 0.1 s), then success",
        mode=mode,
        statuses=[record["status"] for record in records],
        attempts=len(records),
        seconds=round(clock.seconds, 3),
        outcome=outcome,
    )


CLIENT_ERRORS = [
    (400, openai.BadRequestError, "Body validation error! model does not support this request"),
    (401, openai.AuthenticationError, "Invalid API key"),
    (403, openai.PermissionDeniedError, "You've run out of credits"),
]


@pytest.mark.loopback
@pytest.mark.parametrize(("status", "error_type", "message"), CLIENT_ERRORS)
@pytest.mark.parametrize("subject", SUBJECTS, ids=by_name)
def test_client_errors_are_not_retried(
    llmock_server: LLMock, fact: Fact, subject: Subject, *, status: int, error_type: type, message: str
):
    llmock_server.scenario({"type": "fail", "status": status, "message": message, "retry_after": 0.05})
    extra = {"raise_on_failure": True} if subject.name == "AIMLAPIDocumentEmbedder" else {}
    component = subject.make(llmock_server.url, max_retries=3, **extra)
    with pytest.raises(error_type) as raised:
        subject.call(component)
    component.close()

    assert message in str(raised.value)
    assert [record["status"] for record in llmock_server.requests()] == [status]
    fact(
        "components",
        component=subject.name,
        case=f"{status}",
        mode="sync",
        statuses=[status],
        attempts=1,
        seconds=None,
        outcome=f"{type(raised.value).__name__}: {raised.value}",
    )


@pytest.mark.loopback
def test_failed_batches_are_listed_not_dropped(llmock_server: LLMock, fact: Fact):
    """With `raise_on_failure=False` (the default) a failed batch does not raise, so it must be visible in meta."""
    llmock_server.scenario({"type": "fail", "status": 403, "message": "You've run out of credits"})
    # One batch at a time, so the 403 (served to whichever request arrives first) always lands on the first batch.
    embedder = AIMLAPIDocumentEmbedder(
        api_base_url=llmock_server.url, progress_bar=False, max_retries=3, batch_size=2, max_concurrency=1
    )
    result = embedder.run([Document(content=text) for text in TEXTS])
    embedder.close()

    failed = result["meta"]["failed_documents"]
    assert [entry["index"] for entry in failed] == [0, 1]  # the first batch of two
    assert all("You've run out of credits" in entry["error"] for entry in failed)
    documents = result["documents"]
    assert [document.embedding is None for document in documents] == [True, True, False]
    assert documents[2].embedding == build_mock_embedding(TEXTS[2], DIMENSIONS)
    assert [record["status"] for record in llmock_server.requests()] == [403, 200]
    fact(
        "components",
        component="AIMLAPIDocumentEmbedder",
        case="403 on one batch of two, raise_on_failure=False",
        mode="sync",
        statuses=[403, 200],
        attempts=2,
        seconds=None,
        outcome=(
            f"no exception; the {len(failed)} documents of the failed batch come back without embeddings and are "
            f"listed in meta['failed_documents'] with the error ({failed[0]['error']}); the other batch is embedded"
        ),
    )


@pytest.mark.loopback
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_failed_batch_among_concurrent_ones_is_listed_whole(llmock_server: LLMock, mode: str):
    """Which of the concurrent batches meets the 403 depends on arrival order; whichever it is, exactly its documents
    are listed as failed, and every other document gets its own vector."""
    llmock_server.scenario({"type": "fail", "status": 403, "message": "You've run out of credits"})
    documents = [Document(content=f"note {number} on the harbour") for number in range(12)]
    embedder = AIMLAPIDocumentEmbedder(
        api_base_url=llmock_server.url, progress_bar=False, max_retries=3, batch_size=3, max_concurrency=4
    )
    result = embedder.run(documents) if mode == "sync" else await embedder.run_async(documents)
    await release(embedder)

    failed = [entry["index"] for entry in result["meta"]["failed_documents"]]
    assert len(failed) == 3
    assert failed[0] % 3 == 0
    assert failed == list(range(failed[0], failed[0] + 3)), "the failed documents are not one batch"
    for index, document in enumerate(result["documents"]):
        expected = None if index in failed else build_mock_embedding(document.content, DIMENSIONS)
        assert document.embedding == expected, f"document {index}"
    assert sorted(record["status"] for record in llmock_server.requests()) == [200, 200, 200, 403]


@pytest.mark.loopback
@pytest.mark.parametrize("how", ["copy.deepcopy", "pickle"])
@pytest.mark.parametrize("subject", SUBJECTS, ids=by_name)
async def test_copies_after_warm_up_work(llmock_server: LLMock, fact: Fact, subject: Subject, how: str):
    original = subject.make(llmock_server.url, max_retries=0)
    original.warm_up()
    await original.warm_up_async()
    duplicate = copy.deepcopy(original) if how == "copy.deepcopy" else pickle.loads(pickle.dumps(original))

    assert duplicate.client is None
    assert duplicate.to_dict() == original.to_dict()
    subject.check(subject.call(duplicate))
    subject.check(await subject.call_async(duplicate))
    subject.check(subject.call(original))
    assert duplicate.client is not original.client
    assert len(llmock_server.requests()) == 3
    await release(original)
    await release(duplicate)
    fact(
        "components",
        component=subject.name,
        case=f"{how} after warm-up (sync and async)",
        mode="sync, async",
        statuses=None,
        attempts=3,
        seconds=None,
        outcome="the copy ran sync and async with its own client; the original still works",
    )


@pytest.mark.loopback
@pytest.mark.parametrize("subject", SUBJECTS, ids=by_name)
def test_no_key_in_logs_errors_or_saved_pipelines(
    llmock_server: LLMock, caplog: pytest.LogCaptureFixture, fact: Fact, subject: Subject
):
    for name in ("openai", "httpx", "httpcore", "haystack", "haystack_integrations"):
        caplog.set_level(logging.DEBUG, logger=name)
    llmock_server.scenario(
        {"type": "reply", "text": "unused by embedders and images"},
        {"type": "fail", "status": 401, "message": f"Incorrect API key provided: {TEST_KEY}"},
    )
    extra = {"raise_on_failure": True} if subject.name == "AIMLAPIDocumentEmbedder" else {}
    component = subject.make(llmock_server.url, max_retries=0, **extra)
    with pytest.raises(openai.AuthenticationError) as raised:
        subject.call(component)
    pipeline = Pipeline()
    pipeline.add_component("component", component)
    component.close()

    texts = {
        "the exception": "\n".join([str(raised.value), repr(raised.value), *traceback.format_exception(raised.value)]),
        "DEBUG logs": "\n".join([caplog.text, *(repr(record.__dict__) for record in caplog.records)]),
        "to_dict": repr(component.to_dict()),
        "Pipeline.dumps()": pipeline.dumps(),
    }
    assert "***" in str(raised.value)
    assert {"openai", "httpx"} <= {record.name.split(".")[0] for record in caplog.records}
    for where, text in texts.items():
        assert TEST_KEY not in text, f"the key appears in {where}"
    fact(
        "components",
        component=subject.name,
        case="401 quoting the key: exception, DEBUG logs, to_dict, Pipeline.dumps()",
        mode="sync",
        statuses=[401],
        attempts=1,
        seconds=None,
        outcome="the key appeared 0 times",
    )


LOAD_DOCUMENTS = 1000
BATCH_SIZE = 10
CONCURRENCY = 8


@pytest.mark.loopback
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_document_embedder_under_load_with_injected_errors(chaos_server: LLMock, fact: Fact, mode: str):
    documents = [
        Document(content=f"document {number:04d} about the weather in town {number % 37}")
        for number in range(LOAD_DOCUMENTS)
    ]
    gc.collect()
    fds_before = open_fds()
    embedder = AIMLAPIDocumentEmbedder(
        api_base_url=chaos_server.url,
        progress_bar=False,
        batch_size=BATCH_SIZE,
        max_concurrency=CONCURRENCY,
        max_retries=MAX_RETRIES,
        raise_on_failure=True,
    )
    chaos_server.reset()
    with Stopwatch() as clock:
        result = embedder.run(documents) if mode == "sync" else await embedder.run_async(documents)
    await release(embedder)
    gc.collect()
    fds_after = open_fds()

    embedded = result["documents"]
    assert [document.content for document in embedded] == [document.content for document in documents]
    assert all(document.embedding == build_mock_embedding(document.content, DIMENSIONS) for document in embedded), (
        "a document got another document's vector, or none"
    )
    assert result["meta"]["failed_documents"] == []
    records = chaos_server.requests()
    served = Counter(tuple(record["body"]["input"]) for record in records if record["status"] == 200)
    assert sum(served.values()) == LOAD_DOCUMENTS // BATCH_SIZE
    assert set(served.values()) == {1}, "a batch was embedded twice"
    failed = Counter(record["status"] for record in records if record["status"] != 200)
    assert set(failed) <= set(ERROR_RATES)
    assert fds_after <= fds_before
    fact(
        "components",
        component="AIMLAPIDocumentEmbedder",
        case=(
            f"load: {LOAD_DOCUMENTS} documents, batch_size {BATCH_SIZE}, max_concurrency {CONCURRENCY}, injected "
            + ", ".join(f"{status}: {rate:.0%}" for status, rate in ERROR_RATES.items())
        ),
        mode=mode,
        statuses={str(status): count for status, count in sorted(failed.items())},
        attempts=len(records),
        seconds=round(clock.seconds, 2),
        outcome=(
            f"{len(embedded)} documents embedded in order, each vector equal to its text's; "
            f"{sum(failed.values())} retries; batches served twice: 0; fds {fds_before} before, {fds_after} after"
        ),
    )


IMAGE_URL = "https://cdn.example.com/generated/1.png"
BUSY = {"content-type": "text/html", "retry-after": "0.05"}


def image_host(*downloads: httpx.Response) -> MockAPI:
    """The generation endpoint answers with a URL on another host (a CDN), which answers `downloads` in turn."""
    queue = list(downloads)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/images/generations"):
            return json_response({"data": [{"url": IMAGE_URL}]})
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return MockAPI(answer)


def download_fact(fact: Fact, case: str, statuses: list[int], seconds: float | None, outcome: str) -> None:
    fact(
        "components",
        component="AIMLAPIImageGenerator",
        case=case,
        mode="sync",
        statuses=statuses,
        attempts=len(statuses),
        seconds=seconds,
        outcome=outcome,
    )


def test_a_busy_image_host_is_retried(fact: Fact):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    api = image_host(
        httpx.Response(503, text="<html><body>busy</body></html>", headers=BUSY),
        httpx.Response(503, text="<html><body>busy</body></html>", headers=BUSY),
        httpx.Response(200, content=png, headers={"content-type": "image/png"}),
    )
    generator = AIMLAPIImageGenerator(
        model="flux/schnell", max_retries=2, http_client_kwargs={"transport": api.transport()}
    )
    with Stopwatch() as clock:
        (image,) = generator.run("a red fox in the snow")["images"]
    generator.close()

    assert image.mime_type == "image/png"
    downloads = api.requests[1:]
    assert [str(request.url) for request in downloads] == [IMAGE_URL] * 3
    assert clock.seconds >= 0.1  # the host's Retry-After, twice
    download_fact(
        fact,
        "the image host answers 503, 503 (Retry-After 0.05 s), then the image",
        [200, 503, 503, 200],
        round(clock.seconds, 3),
        "1 image (image/png), downloaded on the third attempt",
    )


def test_image_download_failure_names_the_url_and_never_sends_the_key(fact: Fact):
    """Images given by URL come from another host (a CDN): a failed download is an error, not a missing image."""
    api = image_host(httpx.Response(503, text="<html><body>busy</body></html>", headers=BUSY))
    generator = AIMLAPIImageGenerator(
        model="flux/schnell", max_retries=2, http_client_kwargs={"transport": api.transport()}
    )
    with pytest.raises(openai.OpenAIError) as raised:
        generator.run("a red fox in the snow")
    generator.close()

    assert type(raised.value).__name__ == "ImageDownloadError"
    assert IMAGE_URL in str(raised.value)
    assert "503" in str(raised.value)
    generation, *downloads = api.requests
    assert generation.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert [str(download.url) for download in downloads] == [IMAGE_URL] * 3  # the first try and max_retries=2 more
    assert all("authorization" not in download.headers for download in downloads)
    download_fact(
        fact,
        "the image host answers 503 to every download (max_retries=2)",
        [200, 503, 503, 503],
        None,
        f"{type(raised.value).__name__}: {raised.value} No download request carried an Authorization header.",
    )
