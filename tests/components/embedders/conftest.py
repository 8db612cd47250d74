# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""An embeddings endpoint double that answers from the request itself, for sync and async clients at once."""

import asyncio
import base64
import json
import threading
import time
import zlib
from array import array
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder

FIXTURES = Path(__file__).parent / "fixtures"


def embeddings_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def vector_for(text: str, dimensions: int | None = None) -> list[float]:
    """
    The embedding `EmbeddingsAPI` gives `text`: different per text, and exact in float32. Four values, or as many as
    `dimensions` asks for (padded with zeros), as a model that can shorten its vectors answers.
    """
    vector = [float(zlib.crc32(text.encode()) % 10007), float(len(text)), 0.5, -0.25]
    if dimensions is not None:
        vector = (vector + [0.0] * dimensions)[:dimensions]
    return vector


def encode(vector: list[float], encoding_format: str) -> Any:
    if encoding_format == "base64":
        return base64.b64encode(array("f", vector).tobytes()).decode()
    return vector


# A hook may delay or replace the answer to a request; it gets the request's inputs.
SyncHook = Callable[[list[str]], httpx.Response | None]
AsyncHook = Callable[[list[str]], Awaitable[httpx.Response | None]]


class EmbeddingsAPI:
    """
    Answers `POST /embeddings` with `vector_for(text)` for every input, in the requested encoding, with usage and
    AI/ML API's cost block; records every request (thread-safe) and how many were in flight at once.

    `hook` (sync transport) or `async_hook` (async transport) runs before answering: it may wait, or return a
    response to send instead (an error, say).
    """

    def __init__(
        self,
        *,
        hook: SyncHook | None = None,
        async_hook: AsyncHook | None = None,
        model: str = "text-embedding-3-small",
        credits_per_input: int = 2,
        reverse_data: bool = False,
    ) -> None:
        self.hook = hook
        self.async_hook = async_hook
        self.model = model
        self.credits_per_input = credits_per_input
        self.reverse_data = reverse_data
        self.requests: list[httpx.Request] = []
        self.completed: list[list[str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    def inputs(self) -> list[list[str]]:
        return [body["input"] if isinstance(body["input"], list) else [body["input"]] for body in self.bodies()]

    def _begin(self, request: httpx.Request) -> list[str]:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        body = json.loads(request.content)
        return body["input"] if isinstance(body["input"], list) else [body["input"]]

    def _end(self, inputs: list[str]) -> None:
        with self._lock:
            self.in_flight -= 1
            self.completed.append(inputs)

    def answer(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        encoding_format = body.get("encoding_format", "float")
        dimensions = body.get("dimensions")
        data = [
            {"object": "embedding", "index": index, "embedding": encode(vector_for(text, dimensions), encoding_format)}
            for index, text in enumerate(inputs)
        ]
        if self.reverse_data:
            data.reverse()
        tokens = sum(len(text.split()) for text in inputs)
        credits_used = self.credits_per_input * len(inputs)
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": data,
                "model": self.model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                "meta": {"usage": {"credits_used": credits_used, "usd_spent": credits_used / 2_000_000}},
            },
        )

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            inputs = self._begin(request)
            try:
                replacement = self.hook(inputs) if self.hook else None
                return replacement or self.answer(request)
            finally:
                self._end(inputs)

        return httpx.MockTransport(handle)

    def async_transport(self) -> httpx.MockTransport:
        async def handle(request: httpx.Request) -> httpx.Response:
            await request.aread()
            inputs = self._begin(request)
            try:
                replacement = await self.async_hook(inputs) if self.async_hook else None
                return replacement or self.answer(request)
            finally:
                self._end(inputs)

        return httpx.MockTransport(handle)


class ReverseCompletion:
    """
    Makes the requests of `batches` batches finish in reverse order: the batch whose first input is `first_inputs[i]`
    answers only after batch i + 1 has answered. Needs every batch in flight at once.
    """

    def __init__(self, first_inputs: list[str]) -> None:
        self.position = {text: index for index, text in enumerate(first_inputs)}
        self.count = len(first_inputs)
        self.done = [threading.Event() for _ in first_inputs]
        self.async_done: list[asyncio.Event] | None = None

    def hook(self, inputs: list[str]) -> None:
        index = self.position[inputs[0]]
        if index + 1 < self.count and not self.done[index + 1].wait(timeout=10):
            raise AssertionError(f"batch {index + 1} never answered: batches are not sent concurrently")
        time.sleep(0.005)  # let the later batch's answer reach the client first
        self.done[index].set()

    async def async_hook(self, inputs: list[str]) -> None:
        if self.async_done is None:
            self.async_done = [asyncio.Event() for _ in range(self.count)]
        index = self.position[inputs[0]]
        if index + 1 < self.count:
            try:
                await asyncio.wait_for(self.async_done[index + 1].wait(), timeout=10)
            except TimeoutError:
                raise AssertionError(f"batch {index + 1} never answered: batches are not sent concurrently") from None
        await asyncio.sleep(0.005)
        self.async_done[index].set()


MakeEmbedder = Callable[..., Any]


@pytest.fixture
def make_document_embedder() -> MakeEmbedder:
    """An AIMLAPIDocumentEmbedder wired to `api` (async transport when `use_async=True`), retries off, no bar."""

    def make(api: EmbeddingsAPI, *, use_async: bool = False, **kwargs: Any) -> AIMLAPIDocumentEmbedder:
        kwargs.setdefault("max_retries", 0)
        kwargs.setdefault("progress_bar", False)
        transport = api.async_transport() if use_async else api.transport()
        return AIMLAPIDocumentEmbedder(http_client_kwargs={"transport": transport}, **kwargs)

    return make


@pytest.fixture
def make_text_embedder() -> MakeEmbedder:
    """An AIMLAPITextEmbedder wired to `api` (async transport when `use_async=True`), retries off."""

    def make(api: EmbeddingsAPI, *, use_async: bool = False, **kwargs: Any) -> AIMLAPITextEmbedder:
        kwargs.setdefault("max_retries", 0)
        transport = api.async_transport() if use_async else api.transport()
        return AIMLAPITextEmbedder(http_client_kwargs={"transport": transport}, **kwargs)

    return make
