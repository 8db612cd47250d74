# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Reading `/v1/embeddings` responses: both encodings, out-of-order data, and bodies that are not responses."""

import base64
import json
import struct

import pytest

from haystack_integrations.components.embedders.aimlapi.wire import EmbeddingBatch, decode_embedding, sum_usage

from .conftest import embeddings_fixture


def test_base64_is_little_endian_float32():
    raw = struct.pack("<3f", 0.5, -1.25, 3.0)
    assert decode_embedding(base64.b64encode(raw).decode()) == [0.5, -1.25, 3.0]


def test_float_lists_become_floats():
    decoded = decode_embedding([1, 0.5, -2])
    assert decoded == [1.0, 0.5, -2.0]
    assert all(type(value) is float for value in decoded)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("@@not base64@@", "valid base64"),
        (base64.b64encode(b"abcde").decode(), "not a whole number of float32s"),
        ([0.1, "0.2"], "something other than numbers"),
        ({"values": [1]}, "expected a list of numbers or a base64 string"),
        (None, "expected a list of numbers or a base64 string"),
    ],
)
def test_unreadable_embeddings_are_errors(value, message):
    with pytest.raises(ValueError, match=message):
        decode_embedding(value)


def test_fixture_in_both_encodings_gives_the_same_vectors():
    from_float = EmbeddingBatch.from_response(
        json.dumps(embeddings_fixture("embeddings_float.json")).encode(), expected=2
    )
    from_base64 = EmbeddingBatch.from_response(
        json.dumps(embeddings_fixture("embeddings_base64.json")).encode(), expected=2
    )
    for left, right in zip(from_float.embeddings, from_base64.embeddings, strict=True):
        assert left == pytest.approx(right, rel=1e-6)
    assert from_base64.model == "text-embedding-3-small"
    assert from_base64.usage == {"prompt_tokens": 9, "total_tokens": 9}
    assert from_base64.cost == {"credits_used": 12, "usd_spent": 0.000006}


def test_data_is_placed_by_index():
    body = {"data": [{"index": 1, "embedding": [2.0]}, {"index": 0, "embedding": [1.0]}], "model": "m"}
    assert EmbeddingBatch.from_response(json.dumps(body).encode(), expected=2).embeddings == [[1.0], [2.0]]


def test_data_without_index_keeps_its_order():
    body = {"data": [{"embedding": [1.0]}, {"embedding": [2.0]}]}
    batch = EmbeddingBatch.from_response(json.dumps(body).encode(), expected=2)
    assert batch.embeddings == [[1.0], [2.0]]
    assert (batch.model, batch.usage, batch.cost) == (None, {}, None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>Bad gateway</html>", "not JSON"),
        (b'{"object": "list"}', "no 'data' list"),
        (b'{"data": [{"index": 0, "embedding": [1.0]}]}', "1 embeddings for 2 inputs"),
        (b'{"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]}', "bad index 0"),
        (b'{"data": [{"index": 5, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]}', "bad index 5"),
        (b'{"data": [{"index": 0}, {"index": 1, "embedding": [2.0]}]}', r"data\[0\] .* has no 'embedding'"),
    ],
)
def test_bodies_that_are_not_embeddings_responses(content, message):
    with pytest.raises(ValueError, match=message):
        EmbeddingBatch.from_response(content, expected=2)


@pytest.mark.parametrize("content_type", ["json", "text"])
def test_an_echoed_key_is_blanked_out_of_the_error(content_type):
    """A base URL that points at a server echoing requests answers 200 with the Authorization header in the body."""
    key = "sk-echoed-key-0123456789"
    echoed = {"headers": {"authorization": f"Bearer {key}"}}
    content = json.dumps(echoed).encode() if content_type == "json" else f"Authorization: Bearer {key}".encode()
    with pytest.raises(ValueError, match=r"Bearer \*\*\*") as raised:
        EmbeddingBatch.from_response(content, expected=1, secrets=(key,))
    assert key not in str(raised.value)


def test_sum_usage_adds_numbers_key_by_key():
    assert sum_usage([{"prompt_tokens": 3, "total_tokens": 3}, {"prompt_tokens": 4, "total_tokens": 5, "x": "y"}]) == {
        "prompt_tokens": 7,
        "total_tokens": 8,
    }
    assert sum_usage([]) == {}
