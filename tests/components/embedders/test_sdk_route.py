# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The embedders call the SDK's `Embeddings.create`, so mocks and wrappers of it see every request, as the parent's."""

from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from haystack import Document
from haystack.components.embedders import OpenAIDocumentEmbedder, OpenAITextEmbedder
from haystack.utils import Secret
from openai.resources.embeddings import AsyncEmbeddings, Embeddings
from openai.types import CreateEmbeddingResponse

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from tests.conftest import TEST_KEY

from .conftest import EmbeddingsAPI, vector_for

# The one keyword argument the SDK's `with_raw_response` adds to those the parent passes: its own marker asking
# the client for the unparsed response.
RAW_MARKER = {"X-Stainless-Raw-Response": "true"}


def parsed_response(inputs: list[str], dimensions: int | None = None) -> CreateEmbeddingResponse:
    return CreateEmbeddingResponse.model_validate(
        {
            "object": "list",
            "model": "text-embedding-3-small",
            "data": [
                {"object": "embedding", "index": i, "embedding": vector_for(text, dimensions)}
                for i, text in enumerate(inputs)
            ],
            "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
        }
    )


def answer_from_kwargs(*args: Any, **kwargs: Any) -> CreateEmbeddingResponse:
    inputs = kwargs["input"] if isinstance(kwargs["input"], list) else [kwargs["input"]]
    return parsed_response(inputs, kwargs.get("dimensions"))


def documents(count: int) -> list[Document]:
    return [Document(content=f"doc {i}") for i in range(count)]


def without_marker(calls: list[Any]) -> list[dict[str, Any]]:
    seen = []
    for call in calls:
        kwargs = dict(call.kwargs)
        headers = dict(kwargs.pop("extra_headers"))
        # Ours names each request for tracing (a documented difference from the parent); the rest must match.
        request_id = headers.pop("X-Client-Request-Id", None)
        assert request_id is None or len(request_id) >= 16
        assert headers == RAW_MARKER
        seen.append(kwargs)
    return seen


def test_a_mocked_create_sees_the_document_embedders_requests_with_the_parents_kwargs():
    settings = {"api_key": Secret.from_token(TEST_KEY), "batch_size": 2, "dimensions": 4}
    with patch.object(Embeddings, "create", MagicMock(side_effect=answer_from_kwargs)) as mocked:
        parent = OpenAIDocumentEmbedder(**settings).run(documents(5))
        parent_calls = [call.kwargs for call in mocked.call_args_list]
        mocked.reset_mock()
        ours = AIMLAPIDocumentEmbedder(**settings, encoding_format="float", max_concurrency=1, progress_bar=False).run(
            documents(5)
        )
        our_calls = without_marker(mocked.call_args_list)

    assert len(parent_calls) == 3
    assert our_calls == parent_calls
    assert [d.embedding for d in ours["documents"]] == [d.embedding for d in parent["documents"]]
    assert ours["meta"]["failed_documents"] == []


def test_a_mocked_create_sees_concurrent_batches_and_the_default_base64_encoding():
    with patch.object(Embeddings, "create", MagicMock(side_effect=answer_from_kwargs)) as mocked:
        result = AIMLAPIDocumentEmbedder(batch_size=1, max_concurrency=4, progress_bar=False).run(documents(6))
    calls = without_marker(mocked.call_args_list)
    assert sorted(call["input"][0] for call in calls) == [f"doc {i}" for i in range(6)]
    assert {call["encoding_format"] for call in calls} == {"base64"}  # only the encoding differs from the parent
    assert [d.embedding for d in result["documents"]] == [vector_for(f"doc {i}") for i in range(6)]


def test_a_mocked_create_sees_the_text_embedders_request_with_the_parents_kwargs():
    settings = {"api_key": Secret.from_token(TEST_KEY), "dimensions": 8, "prefix": "q: "}
    with patch.object(Embeddings, "create", MagicMock(side_effect=answer_from_kwargs)) as mocked:
        parent = OpenAITextEmbedder(**settings).run("hello")
        parent_kwargs = mocked.call_args.kwargs
        mocked.reset_mock()
        ours = AIMLAPITextEmbedder(**settings, encoding_format="float").run("hello")
        (our_kwargs,) = without_marker(mocked.call_args_list)
    assert our_kwargs == parent_kwargs
    assert ours["embedding"] == parent["embedding"] == vector_for("q: hello", 8)


def test_model_family_fields_reach_a_mock_as_extra_body():
    with patch.object(Embeddings, "create", MagicMock(side_effect=answer_from_kwargs)) as mocked:
        AIMLAPITextEmbedder(task_type="RETRIEVAL_QUERY", extra_body={"output_dtype": "float"}).run("hello")
    assert mocked.call_args.kwargs["extra_body"] == {"task_type": "RETRIEVAL_QUERY", "output_dtype": "float"}


async def test_an_async_mock_sees_every_request_of_run_async():
    with patch.object(AsyncEmbeddings, "create", AsyncMock(side_effect=answer_from_kwargs)) as mocked:
        result = await AIMLAPIDocumentEmbedder(batch_size=2, max_concurrency=3, progress_bar=False).run_async(
            documents(5)
        )
        text = await AIMLAPITextEmbedder().run_async("hi")
    calls = without_marker(mocked.call_args_list)
    assert [call["input"] for call in calls[-1:]] == ["hi"]
    assert sorted(call["input"] for call in calls[:-1]) == [["doc 0", "doc 1"], ["doc 2", "doc 3"], ["doc 4"]]
    assert [d.embedding for d in result["documents"]] == [vector_for(f"doc {i}") for i in range(5)]
    assert text["embedding"] == vector_for("hi")


def test_a_plain_wrapper_sees_every_request_and_the_real_call_goes_through():
    """An instrumentation layer that wraps `create` without functools.wraps: the HTTP request still happens."""
    api = EmbeddingsAPI()
    seen: list[dict[str, Any]] = []
    original = Embeddings.create

    def wrapper(self: Embeddings, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return original(self, **kwargs)

    embedder = AIMLAPIDocumentEmbedder(
        batch_size=2,
        max_concurrency=2,
        progress_bar=False,
        max_retries=0,
        http_client_kwargs={"transport": api.transport()},
    )
    with patch.object(Embeddings, "create", wrapper):
        result = embedder.run(documents(4))
    assert len(seen) == len(api.requests) == 2
    assert sorted(tuple(kwargs["input"]) for kwargs in seen) == sorted(tuple(inputs) for inputs in api.inputs())
    assert [d.embedding for d in result["documents"]] == [vector_for(f"doc {i}") for i in range(4)]
    # The wire saw base64 asked for, and the key, as before.
    assert {body["encoding_format"] for body in api.bodies()} == {"base64"}
    assert api.requests[0].headers["authorization"] == f"Bearer {TEST_KEY}"

    # The patch is gone: the same instance keeps working with the real `create`.
    again = embedder.run(documents(2))
    assert len(api.requests) == 3
    assert [d.embedding for d in again["documents"]] == [vector_for(f"doc {i}") for i in range(2)]


def test_a_patch_applied_after_the_first_request_is_still_seen():
    """The raw-response wrapper is built per call, so it never keeps a `create` from before the patch."""
    api = EmbeddingsAPI()
    embedder = AIMLAPITextEmbedder(max_retries=0, http_client_kwargs={"transport": api.transport()})
    embedder.run("before")
    with patch.object(Embeddings, "create", MagicMock(side_effect=answer_from_kwargs)) as mocked:
        result = embedder.run("during")
    assert mocked.call_count == 1
    assert len(api.requests) == 1  # the mock answered; nothing went over the wire
    assert result["embedding"] == vector_for("during")
