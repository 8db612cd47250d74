# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""What the embedders send to `/v1/embeddings` and how they read the answer, shared by both of them."""

import base64
import json
import math
import sys
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from openai import AsyncOpenAI, OpenAI
from openai.resources.embeddings import AsyncEmbeddingsWithRawResponse, EmbeddingsWithRawResponse
from pydantic import BaseModel

from haystack_integrations.common.aimlapi import (
    DEFAULT_BASE_URL,
    check_extra_headers,
    cost_from_response,
    error_message_from_body,
)
from haystack_integrations.common.aimlapi.errors import redact
from haystack_integrations.common.aimlapi.tracking import request_id_options, response_ids

from .errors import EmbeddingResponseError

DEFAULT_MODEL = "text-embedding-3-small"
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


def create_kwargs(
    *, model: str, inputs: str | list[str], encoding_format: str, dimensions: int | None, extras: dict[str, Any]
) -> dict[str, Any]:
    """
    The keyword arguments of `Embeddings.create()` for one request: those Haystack's embedders pass (`model`,
    `input`, `encoding_format`, `dimensions` when set), and AI/ML API's model-family fields as `extra_body`, which
    the SDK puts at the top level of the JSON body.
    """
    kwargs: dict[str, Any] = {"model": model, "input": inputs, "encoding_format": encoding_format}
    if dimensions is not None:
        kwargs["dimensions"] = dimensions
    if extras:
        kwargs["extra_body"] = extras
    return kwargs


# Through the SDK's embeddings resource, so that mocks, wrappers and instrumentation of `Embeddings.create` see
# every request, as they see the parent's. `with_raw_response` hands back the HTTP response unparsed: the SDK's
# parsing builds a pydantic object per embedding and decodes base64 in Python, which costs more CPU than the whole
# round trip once batches run in parallel. It is preferred over `with_streaming_response` because it returns
# whatever `create` returned, so a mock's parsed response reaches `EmbeddingBatch.from_result` intact (the streaming
# wrapper's context manager would call `close()` on it). The wrapper is built per call rather than read from the
# cached `client.embeddings.with_raw_response`, which keeps the `create` it first saw: a patch applied later, as a
# test does, would be bypassed.


def _with_request_id(client: OpenAI | AsyncOpenAI, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`kwargs` with a new `X-Client-Request-Id` for this request, unless the user's headers set one."""
    headers = request_id_options(client.default_headers).get("headers")
    return {**kwargs, "extra_headers": headers} if headers else kwargs


def create_embeddings(client: OpenAI, kwargs: dict[str, Any]) -> Any:
    """
    Sends one embeddings request through `client.embeddings` and returns what `create` returned: the SDK's raw
    response, or, when `create` is mocked, whatever the mock returns.
    """
    return EmbeddingsWithRawResponse(client.embeddings).create(**_with_request_id(client, kwargs))


async def create_embeddings_async(client: AsyncOpenAI, kwargs: dict[str, Any]) -> Any:
    """`create_embeddings` on an asynchronous client."""
    return await AsyncEmbeddingsWithRawResponse(client.embeddings).create(**_with_request_id(client, kwargs))


def has_text(text: str) -> bool:
    """Whether `text` is worth a request: the API refuses empty input, and blank input embeds nothing."""
    return bool(text.strip())


def _check_vector(vector: list[float]) -> list[float]:
    if not vector:
        raise ValueError("the embedding is empty")
    # One C-level sum spots NaN and infinity (they make it non-finite); only then is every value checked, since
    # finite values can also add up past the float range.
    if not math.isfinite(sum(vector)) and not all(map(math.isfinite, vector)):
        raise ValueError("the embedding holds a value that is not a finite number (NaN, infinity, or out of range)")
    return vector


def decode_embedding(value: Any) -> list[float]:
    """
    One embedding as a list of finite floats, from either wire format: a JSON list of numbers, or the base64 of
    little-endian float32 values. A server that ignores `encoding_format: base64` still works.

    :raises ValueError: The value is neither, is empty, or holds NaN, an infinity or a number too large for a float
        (`1e400`, `10**400`).
    """
    # `array` converts and type-checks in C: a Python loop over 1536 floats per vector would cost more than the
    # rest of the response handling together. No numpy: the package depends on haystack-ai only.
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError as error:
            raise ValueError(f"the embedding is neither a list of numbers nor valid base64: {error}") from error
        if len(raw) % 4:
            raise ValueError(f"the base64 embedding holds {len(raw)} bytes, which is not a whole number of float32s")
        vector = array("f", raw)
        if sys.byteorder == "big":
            vector.byteswap()
        return _check_vector(vector.tolist())
    if isinstance(value, list):
        # JSON true/false would pass as 1.0/0.0; the set of types is built in C, without a Python loop.
        if not set(map(type, value)) <= _NUMBER_TYPES:
            raise ValueError("the embedding list holds something other than numbers")
        try:
            return _check_vector(array("d", value).tolist())
        except OverflowError:  # an integer such as 10**400, which JSON allows and no float can hold
            raise ValueError(
                "the embedding holds a value that is not a finite number (NaN, infinity, or out of range)"
            ) from None
    raise ValueError(f"the embedding is a {type(value).__name__}, expected a list of numbers or a base64 string")


_NUMBER_TYPES = frozenset({float, int})
# Where a body read without an HTTP response (a test's bytes) claims to come from, for the error's `request`.
_PLACEHOLDER_REQUEST = httpx.Request("POST", f"{DEFAULT_BASE_URL}/embeddings")


class _NotEmbeddingsError(Exception):
    """Why a body is not an embeddings response for the inputs sent; becomes an `EmbeddingResponseError`."""


def _excerpt(text: str, secrets: tuple[str, ...]) -> str:
    text = redact(text, secrets)
    return text[:_MAX_EXCERPT] + ("…" if len(text) > _MAX_EXCERPT else "")


def response_error(response: httpx.Response | None, reason: str, secrets: tuple[str, ...]) -> EmbeddingResponseError:
    """The typed error for a 2xx `response` that is not a usable embeddings response, naming status, content type
    and an excerpt of the body, without the key."""
    if response is None:  # a batch built by hand rather than read from an answer
        response = httpx.Response(200, request=_PLACEHOLDER_REQUEST)
    content_type = response.headers.get("content-type") or "no content type"
    content = response.content
    body = _excerpt(content.decode("utf-8", errors="replace"), secrets) if content else "(empty)"
    return EmbeddingResponseError(
        response,
        message=(
            f"AI/ML API answered the embeddings request with HTTP {response.status_code} ({content_type}), but "
            f"{redact(reason, secrets)}. Body: {body!r}"
        ),
    )


def _json_body(content: bytes) -> Any:
    if not content.strip():
        raise _NotEmbeddingsError("the body is empty")
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        raise _NotEmbeddingsError("the body is not JSON") from None


def _data_rows(body: Any, expected: int, secrets: tuple[str, ...]) -> list[Mapping[str, Any]]:
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, list):
        message = error_message_from_body(body) if isinstance(body, Mapping) else None
        said = f" (the body says: {_excerpt(message, secrets)})" if message else ""
        raise _NotEmbeddingsError(f"the JSON {type(body).__name__} has no 'data' list{said}")
    if len(data) != expected:
        raise _NotEmbeddingsError(f"the embeddings response holds {len(data)} embeddings for {expected} inputs")
    for position, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise _NotEmbeddingsError(f"data[{position}] is a JSON {type(item).__name__}, not an object")
        if "embedding" not in item:
            raise _NotEmbeddingsError(f"data[{position}] of the embeddings response has no 'embedding'")
    return data


def _place_rows(data: list[Mapping[str, Any]], expected: int) -> list[Mapping[str, Any]]:
    """The rows in input order. `index` says which input a row belongs to; servers need not list them in order."""
    placed: list[Mapping[str, Any] | None] = [None] * expected
    for position, item in enumerate(data):
        index = item.get("index", position)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < expected:
            raise _NotEmbeddingsError(f"data[{position}] of the embeddings response has a bad index {index!r}")
        if placed[index] is not None:
            raise _NotEmbeddingsError(
                f"data[{position}] of the embeddings response has a bad index {index!r}: it is repeated"
            )
        placed[index] = item
    return placed  # type: ignore[return-value]  # as many distinct indexes as slots: every slot is filled


def _cost(body: Mapping[str, Any], headers: Any) -> dict[str, Any] | None:
    # A cost figure too large for a float (an integer such as 10**400) makes the shared reader overflow; the
    # vectors were computed and paid for all the same, so an unreadable cost is left out rather than failing them.
    try:
        return cost_from_response(body, headers)
    except (OverflowError, ValueError):
        return None


@dataclass
class EmbeddingBatch:
    """
    The embeddings of one request, in the order of its inputs, with the response's model, usage and cost.

    `embeddings[i]` is `None` for an input whose vector failed the checks (empty, not numbers, not finite, or of
    another dimension than asked for or than the others); `bad_rows[i]` says why, and `error(...)` builds the
    typed error for those inputs.
    """

    embeddings: list[list[float] | None]
    model: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    cost: dict[str, Any] | None = None
    bad_rows: dict[int, str] = field(default_factory=dict)
    response: httpx.Response | None = field(default=None, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    # `client_request_id` and `inference_id` of the response, when known.
    ids: dict[str, str | None] = field(default_factory=dict)

    @property
    def dimension(self) -> int | None:
        """The length of the vectors that passed the checks (all share it), or `None` if none did."""
        return next((len(vector) for vector in self.embeddings if vector is not None), None)

    def error(self, rows: list[int] | None = None) -> EmbeddingResponseError:
        """The typed error for the inputs at `rows` (every bad row by default), saying what is wrong with each."""
        rows = sorted(self.bad_rows) if rows is None else rows
        reasons = "; ".join(f"data for input {row}: {self.bad_rows[row]}" for row in rows if row in self.bad_rows)
        return response_error(self.response, f"the answer holds unusable vectors ({reasons})", self.secrets)

    @classmethod
    def from_response(
        cls,
        response: httpx.Response | bytes,
        *,
        expected: int,
        headers: Mapping[str, str] | None = None,
        secrets: tuple[str, ...] = (),
        dimensions: int | None = None,
    ) -> "EmbeddingBatch":
        """
        Reads a `/v1/embeddings` response, checking every vector.

        The body is parsed with `json` rather than into the `openai` SDK's pydantic models: building a model
        object for every float of a batch of float-encoded vectors costs more CPU than the request's whole network
        round trip, and that CPU is serialized by the GIL when batches run in parallel.

        :param response: The HTTP response, or its raw body.
        :param expected: How many inputs the request sent.
        :param headers: The response's headers, read for the cost when the body has none (taken from `response`
            when it is one).
        :param secrets: Values blanked out of the body excerpts an error quotes (the key, which a misdirected
            base URL, such as a server that echoes requests, may send back).
        :param dimensions: The vector length asked for, if any: a vector of another length is unusable.
        :raises EmbeddingResponseError: The body is not an embeddings response for `expected` inputs. A vector
            that fails the checks does not raise: it is listed in `bad_rows`.
        """
        if isinstance(response, bytes | bytearray):
            response = httpx.Response(200, content=response, headers=dict(headers or {}), request=_PLACEHOLDER_REQUEST)
        try:
            body = _json_body(response.content)
            rows = _place_rows(_data_rows(body, expected, secrets), expected)
        except _NotEmbeddingsError as problem:
            raise response_error(response, str(problem), secrets) from None
        embeddings: list[list[float] | None] = []
        bad_rows: dict[int, str] = {}
        for index, row in enumerate(rows):
            try:
                vector = decode_embedding(row["embedding"])
            except ValueError as error:
                bad_rows[index] = str(error)
                vector = None
            if vector is not None and dimensions is not None and len(vector) != dimensions:
                bad_rows[index] = f"the embedding has {len(vector)} dimensions, not the {dimensions} asked for"
                vector = None
            embeddings.append(vector)
        lengths = {len(vector) for vector in embeddings if vector is not None}
        if len(lengths) > 1:
            # Which length is right cannot be told from the response: none of its vectors is used.
            for index, vector in enumerate(embeddings):
                if vector is not None:
                    bad_rows[index] = f"the response mixes vectors of {sorted(lengths)} dimensions"
                    embeddings[index] = None
        usage = body.get("usage")
        model = body.get("model")
        return cls(
            embeddings=embeddings,
            model=model if isinstance(model, str) else None,
            usage=dict(usage) if isinstance(usage, Mapping) else {},
            cost=_cost(body, response.headers),
            bad_rows=bad_rows,
            response=response,
            secrets=secrets,
            ids=response_ids(response),
        )

    @classmethod
    def from_result(
        cls, result: Any, *, expected: int, secrets: tuple[str, ...] = (), dimensions: int | None = None
    ) -> "EmbeddingBatch":
        """
        Reads what `Embeddings.create` returned through `with_raw_response`: the SDK's raw response, or, where a
        test or a wrapper replaced `create`, a parsed `CreateEmbeddingResponse` (read from its JSON form, so it
        gets the same checks).

        :param result: What `create` returned.
        :param expected: How many inputs the request sent.
        :param secrets: Values blanked out of error texts.
        :param dimensions: The vector length asked for, if any.
        :raises EmbeddingResponseError: The answer is not a usable embeddings response.
        :raises TypeError: `create` returned neither (a mock set up to return something else).
        """
        # httpx's Response, or the copy of httpx the SDK bundles (`httpx2`) when it built its own HTTP client.
        http_response = getattr(result, "http_response", None)
        if http_response is not None and isinstance(getattr(http_response, "content", None), bytes):
            return cls.from_response(http_response, expected=expected, secrets=secrets, dimensions=dimensions)
        if isinstance(result, BaseModel):
            content = result.model_dump_json().encode()
            response = httpx.Response(
                200, content=content, headers={"content-type": "application/json"}, request=_PLACEHOLDER_REQUEST
            )
            return cls.from_response(response, expected=expected, secrets=secrets, dimensions=dimensions)
        raise TypeError(
            f"Embeddings.create returned a {type(result).__name__}; expected the SDK's response or a "
            "CreateEmbeddingResponse. If it is mocked, make the mock return a CreateEmbeddingResponse."
        )


def sum_usage(usages: list[dict[str, Any]]) -> dict[str, Any]:
    """Token counts of several responses added up key by key (`prompt_tokens`, `total_tokens`, ...)."""
    total: dict[str, Any] = {}
    for usage in usages:
        for key, value in usage.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total
