# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""What the embedders send to `/v1/embeddings` and how they read the answer, shared by both of them."""

import base64
import json
import sys
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from openai import AsyncOpenAI, OpenAI

from haystack_integrations.common.aimlapi import check_extra_headers, cost_from_response
from haystack_integrations.common.aimlapi.errors import redact
from haystack_integrations.common.aimlapi.tracking import request_id_options, response_ids

DEFAULT_MODEL = "text-embedding-3-small"
EMBEDDINGS_PATH = "/embeddings"
ENCODING_FORMATS = ("base64", "float")

# Keys of the JSON body the component sets itself; a user's `extra_body` may not replace them.
_COMPONENT_OWNED_KEYS = {
    "model": "model",
    "input": "the text or documents passed to run()",
    "encoding_format": "encoding_format",
    "dimensions": "dimensions",
}
# Init parameters both embedders add to those of their Haystack parent, and so to its `to_dict`.
AIMLAPI_INIT_PARAMETERS = (
    "encoding_format",
    "task_type",
    "auto_truncate",
    "title",
    "input_type",
    "extra_body",
    "extra_headers",
)
# Longest excerpt of an unreadable response quoted in an exception.
_MAX_EXCERPT = 200


def check_parameters(
    *, model: Any, dimensions: Any, encoding_format: Any, prefix: Any, suffix: Any, extra_headers: Any
) -> None:
    """Raise a `TypeError` / `ValueError` naming the parameter for settings no request could succeed with."""
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a non-empty model id such as {DEFAULT_MODEL!r}, got {model!r}.")
    if dimensions is not None and (isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions <= 0):
        raise ValueError(
            f"dimensions must be a positive whole number (e.g. 256, 1536) or None for the model's default, "
            f"got {dimensions!r}."
        )
    if encoding_format not in ENCODING_FORMATS:
        raise ValueError(
            f"encoding_format must be 'base64' (compact, the default) or 'float', got {encoding_format!r}. "
            "Either way the embeddings returned are lists of floats."
        )
    for name, value in (("prefix", prefix), ("suffix", suffix)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str (use '' for none), got {type(value).__name__}.")
    check_extra_headers(extra_headers)


def body_extras(
    *,
    task_type: str | None,
    auto_truncate: bool | None,
    title: str | None,
    input_type: str | None,
    extra_body: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """
    The fields beyond OpenAI's that go at the top level of the JSON body: the model-family ones given by name
    (Google's `task_type`, `auto_truncate`, `title`; Voyage's `input_type`) plus the user's `extra_body`.

    Raises before any request when a value has the wrong type, when `extra_body` tries to set a field the component
    owns, or when a field is given both by name and in `extra_body`.
    """
    named: dict[str, Any] = {}
    for name, value, kind in (
        ("task_type", task_type, str),
        ("auto_truncate", auto_truncate, bool),
        ("title", title, str),
        ("input_type", input_type, str),
    ):
        if value is None:
            continue
        if not isinstance(value, kind):
            raise TypeError(f"{name} must be a {kind.__name__} or None, got {type(value).__name__}.")
        named[name] = value
    if extra_body is None:
        return named
    if not isinstance(extra_body, Mapping):
        raise TypeError(
            f"extra_body must be a dict of JSON fields, e.g. {{'input_type': 'document'}}, "
            f"got {type(extra_body).__name__}."
        )
    for key in extra_body:
        if not isinstance(key, str):
            raise TypeError(f"extra_body keys must be str, got {key!r}.")
        if key in _COMPONENT_OWNED_KEYS:
            raise ValueError(f"extra_body[{key!r}] is set by the component; use {_COMPONENT_OWNED_KEYS[key]} instead.")
        if key in named:
            raise ValueError(f"{key} is given both as a parameter and in extra_body; pass it once.")
    return {**named, **extra_body}


def request_body(
    *, model: str, inputs: str | list[str], encoding_format: str, dimensions: int | None, extras: dict[str, Any]
) -> dict[str, Any]:
    """The JSON body of one request: OpenAI's fields, then AI/ML API's model-family fields at the top level."""
    body: dict[str, Any] = {"model": model, "input": inputs, "encoding_format": encoding_format}
    if dimensions is not None:
        body["dimensions"] = dimensions
    body.update(extras)
    return body


def post_embeddings(client: OpenAI, body: dict[str, Any]) -> httpx.Response:
    """
    Sends one `/embeddings` request and returns the raw response.

    `client.post` is the SDK's own way of sending a JSON body as it is: it keeps the client's key, headers, retries
    and AI/ML API error messages, and skips what `embeddings.create()` adds on top, a type-driven walk over every
    input string and a pydantic object per embedding, which cost more CPU than the whole response handling here.
    Each request carries its own `X-Client-Request-Id`.
    """
    options = request_id_options(client.default_headers)
    return client.post(EMBEDDINGS_PATH, body=body, cast_to=httpx.Response, options=options)


async def post_embeddings_async(client: AsyncOpenAI, body: dict[str, Any]) -> httpx.Response:
    """`post_embeddings` on an asynchronous client."""
    options = request_id_options(client.default_headers)
    return await client.post(EMBEDDINGS_PATH, body=body, cast_to=httpx.Response, options=options)


def has_text(text: str) -> bool:
    """Whether `text` is worth a request: the API refuses empty input, and blank input embeds nothing."""
    return bool(text.strip())


def decode_embedding(value: Any) -> list[float]:
    """
    One embedding as a list of floats, from either wire format: a JSON list of numbers, or the base64 of
    little-endian float32 values. A server that ignores `encoding_format: base64` still works.
    """
    # `array` converts and type-checks in C: a Python loop over 1536 floats per vector would cost more than the
    # rest of the response handling together. No numpy: the package depends on haystack-ai only.
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError as error:
            raise ValueError(f"an embedding is neither a list of numbers nor valid base64: {error}") from error
        if len(raw) % 4:
            raise ValueError(f"a base64 embedding holds {len(raw)} bytes, which is not a whole number of float32s.")
        vector = array("f", raw)
        if sys.byteorder == "big":
            vector.byteswap()
        return vector.tolist()
    if isinstance(value, list):
        try:
            return array("d", value).tolist()
        except TypeError:
            raise ValueError("an embedding list holds something other than numbers.") from None
    raise ValueError(f"an embedding is a {type(value).__name__}, expected a list of numbers or a base64 string.")


@dataclass
class EmbeddingBatch:
    """The embeddings of one request, in the order of its inputs, with the response's model, usage and cost."""

    embeddings: list[list[float]]
    model: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    cost: dict[str, Any] | None = None
    # `client_request_id` and `inference_id` of the response, when known.
    ids: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_response(
        cls,
        content: bytes,
        *,
        expected: int,
        headers: Mapping[str, str] | None = None,
        secrets: tuple[str, ...] = (),
        response: httpx.Response | None = None,
    ) -> "EmbeddingBatch":
        """
        Reads a `/v1/embeddings` response body.

        The body is parsed with `json` rather than into the `openai` SDK's pydantic models: building a model
        object for every float of a batch of float-encoded vectors costs more CPU than the request's whole network
        round trip, and that CPU is serialized by the GIL when batches run in parallel.

        :param content: The raw response body.
        :param expected: How many inputs the request sent.
        :param headers: The response's headers, read for the cost when the body has none.
        :param response: The response itself, for the ids of the call.
        :param secrets: Values blanked out of the body excerpts an error quotes (the key, which a misdirected
            base URL, such as a server that echoes requests, may send back).
        :raises ValueError: The body is not an embeddings response for `expected` inputs.
        """
        try:
            body = json.loads(content)
        except ValueError:
            excerpt = redact(content.decode("utf-8", errors="replace"), secrets)[:_MAX_EXCERPT]
            raise ValueError(f"the embeddings response is not JSON: {excerpt!r}") from None
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, list):
            excerpt = redact(str(body), secrets)[:_MAX_EXCERPT]
            raise ValueError(f"the embeddings response has no 'data' list: {excerpt!r}")
        if len(data) != expected:
            raise ValueError(f"the embeddings response holds {len(data)} embeddings for {expected} inputs.")
        embeddings: list[list[float] | None] = [None] * expected
        for position, item in enumerate(data):
            if not isinstance(item, Mapping) or "embedding" not in item:
                raise ValueError(f"data[{position}] of the embeddings response has no 'embedding'.")
            # `index` says which input an embedding belongs to; servers need not list them in order.
            index = item.get("index", position)
            if not isinstance(index, int) or not 0 <= index < expected or embeddings[index] is not None:
                raise ValueError(f"data[{position}] of the embeddings response has a bad index {index!r}.")
            try:
                embeddings[index] = decode_embedding(item["embedding"])
            except ValueError as error:
                raise ValueError(f"data[{position}]: {error}") from None
        usage = body.get("usage")
        return cls(
            embeddings=embeddings,  # type: ignore[arg-type]  # every slot was filled above
            model=body.get("model") if isinstance(body.get("model"), str) else None,
            usage=dict(usage) if isinstance(usage, Mapping) else {},
            cost=cost_from_response(body, headers),
            ids=response_ids(response) if response is not None else {},
        )


def sum_usage(usages: list[dict[str, Any]]) -> dict[str, Any]:
    """Token counts of several responses added up key by key (`prompt_tokens`, `total_tokens`, ...)."""
    total: dict[str, Any] = {}
    for usage in usages:
        for key, value in usage.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total
