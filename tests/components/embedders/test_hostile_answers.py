# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
2xx answers that are not embeddings responses, and vectors that must not be used: one typed error, naming the
status, the content type and an excerpt of the body without the key; a bad vector fails only its document.
"""

import base64
import json
import math
import struct
from typing import Any

import httpx
import openai
import pytest
from haystack import Document

from haystack_integrations.components.embedders.aimlapi import (
    AIMLAPIDocumentEmbedder,
    AIMLAPITextEmbedder,
    EmbeddingResponseError,
)
from haystack_integrations.components.embedders.aimlapi.wire import EmbeddingBatch, decode_embedding
from tests.conftest import TEST_KEY

from .conftest import EmbeddingsAPI, vector_for


def raw(status: int, content: bytes, content_type: str | None = "application/json") -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    return httpx.Response(status, content=content, headers=headers)


def rows(*embeddings: Any) -> bytes:
    """A JSON body whose `embedding` values are written as given (so `NaN`, `1e400` and `10**400` survive)."""
    data = ", ".join(f'{{"object": "embedding", "index": {i}, "embedding": {e}}}' for i, e in enumerate(embeddings))
    return f'{{"object": "list", "model": "m", "data": [{data}]}}'.encode()


def b64(*values: float, fmt: str = "f") -> str:
    return json.dumps(base64.b64encode(struct.pack(f"<{len(values)}{fmt}", *values)).decode())


def text_embedder(response: httpx.Response, **kwargs: Any) -> AIMLAPITextEmbedder:
    return AIMLAPITextEmbedder(
        max_retries=0, http_client_kwargs={"transport": httpx.MockTransport(lambda _: response)}, **kwargs
    )


# --- answers that are not embeddings responses ------------------------------------------------------------------

NOT_RESPONSES = [
    pytest.param(raw(200, b""), "the body is empty", id="empty"),
    pytest.param(raw(200, b"  \n"), "the body is empty", id="blank"),
    pytest.param(raw(200, b"<html><body>502 Bad Gateway</body></html>", "text/html"), "not JSON", id="html"),
    pytest.param(raw(200, b'{"data": [', None), "not JSON", id="truncated-json"),
    pytest.param(raw(200, b"\xff\xfe\x00garbage"), "not JSON", id="not-utf8"),
    pytest.param(raw(200, b"[" * 100_000 + b"]" * 100_000), "not JSON", id="too-deep"),
    pytest.param(raw(200, b"null"), "JSON NoneType has no 'data' list", id="null"),
    pytest.param(raw(200, b"[]"), "JSON list has no 'data' list", id="list"),
    pytest.param(raw(200, b'"ok"'), "JSON str has no 'data' list", id="string"),
    pytest.param(raw(200, b"42"), "JSON int has no 'data' list", id="number"),
    pytest.param(raw(200, b"{}"), "no 'data' list", id="empty-object"),
    pytest.param(raw(200, b'{"data": null}'), "no 'data' list", id="data-null"),
    pytest.param(raw(200, b'{"data": {"0": [1.0]}}'), "no 'data' list", id="data-object"),
    pytest.param(
        raw(201, b'{"statusCode": 500, "message": "Upstream provider failed"}'),
        r"the body says: Upstream provider failed",
        id="error-body-with-2xx",
    ),
    pytest.param(raw(200, b'{"data": []}'), "0 embeddings for 1 inputs", id="no-rows"),
    pytest.param(raw(200, b'{"data": [1.0]}'), r"data\[0\] is a JSON float, not an object", id="row-number"),
    pytest.param(raw(200, b'{"data": [null]}'), r"data\[0\] is a JSON NoneType", id="row-null"),
    pytest.param(raw(200, b'{"data": [[1.0, 2.0]]}'), r"data\[0\] is a JSON list", id="row-list"),
    pytest.param(raw(200, b'{"data": ["AAAAAA=="]}'), r"data\[0\] is a JSON str", id="row-string"),
    pytest.param(raw(200, b'{"data": [{"index": 0}]}'), "has no 'embedding'", id="no-embedding"),
    pytest.param(raw(200, b'{"data": [{"index": "0", "embedding": [1.0]}]}'), "bad index '0'", id="index-str"),
    pytest.param(raw(200, b'{"data": [{"index": true, "embedding": [1.0]}]}'), "bad index True", id="index-bool"),
    pytest.param(raw(200, b'{"data": [{"index": 0.0, "embedding": [1.0]}]}'), "bad index 0.0", id="index-float"),
    pytest.param(raw(200, b'{"data": [{"index": -1, "embedding": [1.0]}]}'), "bad index -1", id="index-negative"),
    pytest.param(raw(200, b'{"data": [{"index": 1, "embedding": [1.0]}]}'), "bad index 1", id="index-past-end"),
    pytest.param(raw(200, b'{"data": [{"index": null, "embedding": [1.0]}]}'), "bad index None", id="index-null"),
]


@pytest.mark.parametrize(("response", "reason"), NOT_RESPONSES)
def test_an_answer_that_is_not_an_embeddings_response_is_a_typed_error(response, reason):
    with pytest.raises(EmbeddingResponseError, match=reason) as raised:
        text_embedder(response).run("hello")
    error = raised.value
    assert isinstance(error, openai.APIResponseValidationError)
    assert error.status_code == response.status_code
    text = str(error)
    assert f"HTTP {response.status_code}" in text
    assert (response.headers.get("content-type") or "no content type") in text
    assert "Body: " in text
    assert len(text) < 800  # an excerpt, not the whole body


async def test_run_async_raises_the_same_typed_error():
    response = raw(200, b"<html>proxy login</html>", "text/html; charset=utf-8")
    with pytest.raises(EmbeddingResponseError, match="not JSON") as raised:
        await text_embedder(response).run_async("hello")
    assert "text/html; charset=utf-8" in str(raised.value)
    assert "proxy login" in str(raised.value)


@pytest.mark.parametrize("shape", ["json", "text"])
def test_the_key_is_blanked_out_of_the_excerpt(shape):
    """A misdirected base URL (an echo server) answers 200 with the request's Authorization header in the body."""
    echoed = {"headers": {"authorization": f"Bearer {TEST_KEY}"}}
    content = json.dumps(echoed).encode() if shape == "json" else f"Authorization: Bearer {TEST_KEY}".encode()
    with pytest.raises(EmbeddingResponseError, match=r"Bearer \*\*\*") as raised:
        text_embedder(raw(200, content, "application/json" if shape == "json" else "text/plain")).run("hello")
    assert TEST_KEY not in str(raised.value)
    assert TEST_KEY not in repr(raised.value.args)


def test_repeated_index_fails_the_batch():
    content = b'{"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]}'
    with pytest.raises(EmbeddingResponseError, match="bad index 0: it is repeated"):
        EmbeddingBatch.from_response(content, expected=2)


def test_a_broken_answer_fails_only_its_batchs_documents():
    api = EmbeddingsAPI(hook=lambda inputs: raw(200, b"<html>oops</html>", "text/html") if "doc 2" in inputs else None)
    embedder = AIMLAPIDocumentEmbedder(
        batch_size=2, max_retries=0, progress_bar=False, http_client_kwargs={"transport": api.transport()}
    )
    result = embedder.run([Document(content=f"doc {i}") for i in range(5)])
    failed = result["meta"]["failed_documents"]
    assert [entry["index"] for entry in failed] == [2, 3]
    assert all("EmbeddingResponseError" in entry["error"] and "not JSON" in entry["error"] for entry in failed)
    embeddings = [document.embedding for document in result["documents"]]
    assert embeddings == [vector_for("doc 0"), vector_for("doc 1"), None, None, vector_for("doc 4")]


def test_a_broken_answer_is_raised_under_raise_on_failure():
    embedder = AIMLAPIDocumentEmbedder(
        raise_on_failure=True,
        max_retries=0,
        progress_bar=False,
        http_client_kwargs={"transport": httpx.MockTransport(lambda _: raw(200, b'{"data": "nope"}'))},
    )
    with pytest.raises(EmbeddingResponseError, match="no 'data' list") as raised:
        embedder.run([Document(content="a")])
    assert any("positions 0..0" in note for note in raised.value.__notes__)


# --- vectors that must not be used ----------------------------------------------------------------------------------

BAD_VECTORS = [
    pytest.param("[]", "empty", id="empty-list"),
    pytest.param('""', "empty", id="empty-base64"),
    pytest.param("[NaN, 1.0]", "not a finite number", id="nan"),
    pytest.param("[Infinity, 1.0]", "not a finite number", id="infinity"),
    pytest.param("[1.0, -Infinity]", "not a finite number", id="minus-infinity"),
    pytest.param("[1e400, 1.0]", "not a finite number", id="1e400"),
    pytest.param("[-1e400, 1.0]", "not a finite number", id="minus-1e400"),
    pytest.param(f"[{10**400}, 1.0]", "not a finite number", id="10**400"),
    pytest.param(b64(math.nan, 1.0), "not a finite number", id="base64-nan"),
    pytest.param(b64(math.inf, 1.0), "not a finite number", id="base64-inf"),
    pytest.param(b64(1.0, -math.inf), "not a finite number", id="base64-minus-inf"),
    pytest.param(json.dumps(base64.b64encode(b"\x00" * 5).decode()), "not a whole number of float32s", id="b64-5"),
    pytest.param('"@@@@"', "neither a list of numbers nor valid base64", id="base64-garbage"),
    pytest.param("[true, 1.0]", "something other than numbers", id="bool"),
    pytest.param('["1.0", 2.0]', "something other than numbers", id="string-number"),
    pytest.param("[null, 1.0]", "something other than numbers", id="null-value"),
    pytest.param("[[1.0], [2.0]]", "something other than numbers", id="nested"),
    pytest.param('{"values": [1.0]}', "expected a list of numbers or a base64 string", id="object"),
    pytest.param("null", "expected a list of numbers or a base64 string", id="null"),
    pytest.param("1.0", "expected a list of numbers or a base64 string", id="number"),
]


@pytest.mark.parametrize(("embedding", "reason"), BAD_VECTORS)
def test_the_text_embedder_raises_on_a_bad_vector(embedding, reason):
    with pytest.raises(EmbeddingResponseError, match=reason) as raised:
        text_embedder(raw(200, rows(embedding))).run("hello")
    assert "unusable vectors" in str(raised.value)


@pytest.mark.parametrize(("embedding", "reason"), BAD_VECTORS)
def test_a_bad_vector_fails_only_its_document(embedding, reason):
    good = "[0.5, -0.25]"
    embedder = AIMLAPIDocumentEmbedder(
        max_retries=0,
        progress_bar=False,
        http_client_kwargs={"transport": httpx.MockTransport(lambda _: raw(200, rows(good, embedding, good)))},
    )
    result = embedder.run([Document(content=f"doc {i}") for i in range(3)])
    assert [d.embedding for d in result["documents"]] == [[0.5, -0.25], None, [0.5, -0.25]]
    (failure,) = result["meta"]["failed_documents"]
    assert failure["index"] == 1
    assert failure["id"] == result["documents"][1].id
    assert reason in failure["error"]
    assert "EmbeddingResponseError" in failure["error"]


@pytest.mark.parametrize(("embedding", "reason"), BAD_VECTORS[:8])
def test_a_bad_vector_is_raised_under_raise_on_failure(embedding, reason):
    embedder = AIMLAPIDocumentEmbedder(
        raise_on_failure=True,
        max_retries=0,
        progress_bar=False,
        http_client_kwargs={"transport": httpx.MockTransport(lambda _: raw(200, rows("[1.0, 2.0]", embedding)))},
    )
    with pytest.raises(EmbeddingResponseError, match=reason):
        embedder.run([Document(content="a"), Document(content="b")])


def test_a_vector_of_another_dimension_than_asked_for_is_refused():
    api_vectors = rows("[1.0, 2.0, 3.0]", "[1.0, 2.0]")
    embedder = AIMLAPIDocumentEmbedder(
        dimensions=3,
        max_retries=0,
        progress_bar=False,
        http_client_kwargs={"transport": httpx.MockTransport(lambda _: raw(200, api_vectors))},
    )
    result = embedder.run([Document(content="a"), Document(content="b")])
    assert [d.embedding for d in result["documents"]] == [[1.0, 2.0, 3.0], None]
    assert "2 dimensions, not the 3 asked for" in result["meta"]["failed_documents"][0]["error"]

    with pytest.raises(EmbeddingResponseError, match="2 dimensions, not the 3 asked for"):
        text_embedder(raw(200, rows("[1.0, 2.0]")), dimensions=3).run("x")


def test_a_response_mixing_dimensions_uses_none_of_its_vectors():
    embedder = AIMLAPIDocumentEmbedder(
        max_retries=0,
        progress_bar=False,
        http_client_kwargs={"transport": httpx.MockTransport(lambda _: raw(200, rows("[1.0, 2.0]", "[1.0]")))},
    )
    result = embedder.run([Document(content="a"), Document(content="b")])
    assert [d.embedding for d in result["documents"]] == [None, None]
    assert all("mixes vectors of [1, 2] dimensions" in f["error"] for f in result["meta"]["failed_documents"])


def test_batches_of_another_dimension_than_the_run_fail_their_documents():
    """Each answer is consistent on its own, but one batch's vectors could not share a store with the others'."""

    def answer(request: httpx.Request) -> httpx.Response:
        (text,) = json.loads(request.content)["input"]
        return raw(200, rows("[1.0]" if text == "doc 1" else "[1.0, 2.0]"))

    make = lambda **kw: AIMLAPIDocumentEmbedder(  # noqa: E731
        batch_size=1,
        max_retries=0,
        progress_bar=False,
        http_client_kwargs={"transport": httpx.MockTransport(answer)},
        **kw,
    )
    result = make().run([Document(content=f"doc {i}") for i in range(3)])
    assert [d.embedding for d in result["documents"]] == [[1.0, 2.0], None, [1.0, 2.0]]
    (failure,) = result["meta"]["failed_documents"]
    assert "1 dimensions, while the run's other answers have 2" in failure["error"]
    with pytest.raises(EmbeddingResponseError, match="while the run's other answers have 2"):
        make(raise_on_failure=True).run([Document(content=f"doc {i}") for i in range(3)])


async def test_run_async_fails_a_bad_vectors_document_too():
    transport = httpx.MockTransport(lambda _: raw(200, rows("[1.0, 2.0]", "[NaN, 1.0]")))
    embedder = AIMLAPIDocumentEmbedder(max_retries=0, progress_bar=False, http_client_kwargs={"transport": transport})
    result = await embedder.run_async([Document(content="a"), Document(content="b")])
    assert [d.embedding for d in result["documents"]] == [[1.0, 2.0], None]
    assert "not a finite number" in result["meta"]["failed_documents"][0]["error"]
    with pytest.raises(EmbeddingResponseError, match="not a finite number"):
        await text_embedder(raw(200, rows("[1e400]"))).run_async("x")


def test_large_but_finite_values_are_kept():
    """Values whose sum overflows are still finite: the quick check must not refuse them."""
    assert decode_embedding([1e308, 1e308, -1.5]) == [1e308, 1e308, -1.5]
    assert decode_embedding([10**300, 1]) == [1e300, 1.0]


def test_good_vectors_still_pass_with_dimensions():
    api = EmbeddingsAPI()
    embedder = AIMLAPITextEmbedder(dimensions=6, max_retries=0, http_client_kwargs={"transport": api.transport()})
    assert embedder.run("x")["embedding"] == vector_for("x", 6)


@pytest.mark.parametrize("figure", [f"{10**400}", "1e400", '"NaN"', "true", '{"a": 1}'])
def test_an_unreadable_cost_never_fails_the_vectors(figure):
    content = b'{"data": [{"index": 0, "embedding": [1.0]}], "meta": {"usage": {"credits_used": %s}}}' % figure.encode()
    batch = EmbeddingBatch.from_response(content, expected=1)
    assert batch.embeddings == [[1.0]]
