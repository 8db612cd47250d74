# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
One component instance, shared by two threads that each run their own event loop and make many `run_async` calls
at once, against the loopback server. Every answer must be the one for its own request: the server derives each
answer from its request, so a reply, vector or image that reached the wrong call is caught, and so is a client
used on a loop that did not create it ("attached to a different loop", "Event loop is closed").
"""

import asyncio
import base64
import threading
import weakref
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from haystack import Document
from haystack.dataclasses import ChatMessage, StreamingChunk

from haystack_integrations.common.aimlapi import AsyncAIMLAPIClient
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, AIMLAPIImageGenerator

from .server import ContractServer, reply_text, text_vector, tiny_png

THREADS = 2
# Calls go in waves of concurrent calls: after the first wave both loops have built their clients, so a later wave
# that picked up whatever client was built last would show.
WAVES = 4
CALLS_PER_WAVE = 6
CALLS_PER_THREAD = WAVES * CALLS_PER_WAVE


async def _chat(component: AIMLAPIChatGenerator, tag: str) -> None:
    result = await component.run_async([ChatMessage.from_user(tag)])
    assert result["replies"][0].text == reply_text([{"role": "user", "content": tag}]), tag


async def _chat_streaming(component: AIMLAPIChatGenerator, tag: str) -> None:
    chunks: list[StreamingChunk] = []

    async def collect(chunk: StreamingChunk) -> None:
        chunks.append(chunk)

    result = await component.run_async([ChatMessage.from_user(tag)], streaming_callback=collect)
    expected = reply_text([{"role": "user", "content": tag}])
    assert "".join(chunk.content for chunk in chunks) == expected, tag
    assert result["replies"][0].text == expected, tag


async def _text(component: AIMLAPITextEmbedder, tag: str) -> None:
    result = await component.run_async(tag)
    assert result["embedding"] == text_vector(tag), tag


async def _documents(component: AIMLAPIDocumentEmbedder, tag: str) -> None:
    documents = [Document(content=f"{tag} doc {number}") for number in range(5)]
    result = await component.run_async(documents)
    assert [d.embedding for d in result["documents"]] == [text_vector(d.content or "") for d in documents], tag
    assert result["meta"]["failed_documents"] == []


async def _image(component: AIMLAPIImageGenerator, tag: str) -> None:
    result = await component.run_async(tag)
    (image,) = result["images"]
    assert image.meta["revised_prompt"] == tag
    # Downloaded from the URL the server gave this prompt, through the client of this call's loop.
    assert base64.b64decode(image.base64_image) == tiny_png(zlib.crc32(tag.encode()) % 65536), tag


def _build(kind: str, server: ContractServer) -> tuple[Any, Callable[[Any, str], Awaitable[None]]]:
    if kind in ("chat", "chat_streaming"):
        return AIMLAPIChatGenerator(model="m", api_base_url=server.url), _chat if kind == "chat" else _chat_streaming
    if kind == "text_embedder":
        return AIMLAPITextEmbedder(api_base_url=server.url), _text
    if kind == "document_embedder":
        return (
            AIMLAPIDocumentEmbedder(api_base_url=server.url, batch_size=2, max_concurrency=3, progress_bar=False),
            _documents,
        )
    return (
        AIMLAPIImageGenerator(model="dall-e-3", api_base_url=server.url, generation_kwargs={"response_format": "url"}),
        _image,
    )


def _guard_loops(component: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """
    Record every request sent through a client this component built on another event loop than the running one.
    Such a request can work by chance, so the answers alone would not show it.
    """
    born_on: weakref.WeakKeyDictionary[Any, asyncio.AbstractEventLoop] = weakref.WeakKeyDictionary()
    wrong: list[str] = []
    make = component._make_async_client

    def make_and_remember(options: Any) -> Any:
        client = make(options)
        born_on[client] = asyncio.get_running_loop()
        return client

    original_request = AsyncAIMLAPIClient.request

    async def checked_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        if born_on.get(self, asyncio.get_running_loop()) is not asyncio.get_running_loop():
            wrong.append(f"a client built on another loop was used by {threading.current_thread().name}")
        return await original_request(self, *args, **kwargs)

    monkeypatch.setattr(component, "_make_async_client", make_and_remember)
    monkeypatch.setattr(AsyncAIMLAPIClient, "request", checked_request)
    return wrong


@pytest.mark.parametrize("kind", ["chat", "chat_streaming", "text_embedder", "document_embedder", "image"])
def test_two_event_loops_in_two_threads_share_one_component(
    kind: str, server: ContractServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    component, call = _build(kind, server)
    used_on_wrong_loop = _guard_loops(component, monkeypatch)
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []
    completed: list[int] = []

    def thread_main(thread_number: int) -> None:
        async def calls() -> int:
            start.wait()  # both loops begin together
            done = 0
            for wave in range(WAVES):
                tags = [f"thread {thread_number} wave {wave} call {number}" for number in range(CALLS_PER_WAVE)]
                await asyncio.gather(*(call(component, tag) for tag in tags))
                done += len(tags)
            return done

        try:
            completed.append(asyncio.run(calls()))
            # A second loop in the same thread, after the first one closed: its clients must not be reused.
            completed.append(asyncio.run(calls_after_close()))
        except BaseException as error:  # reported on the main thread
            failures.append(error)

    async def calls_after_close() -> int:
        await call(component, f"after close {threading.get_ident()}")
        return 1

    threads = [threading.Thread(target=thread_main, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert failures == [], failures
    assert used_on_wrong_loop == []
    assert sorted(completed) == sorted([CALLS_PER_THREAD] * THREADS + [1] * THREADS)
