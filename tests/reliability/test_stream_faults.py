# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A broken stream is never a silent success: it raises `StreamInterruptedError`, and nothing received is lost.

llmock breaks the stream after a known number of SSE events. The first event carries the role and each later one a
word of the scripted reply, so the text delivered before the fault is known exactly.
"""

import gc
import json
import re

import openai
import pytest
from haystack.dataclasses import StreamingChunk

from haystack_integrations.common.aimlapi import StreamInterruptedError
from tests.reliability.helpers import Fact, Stopwatch, chat, close, generator_for, open_fds
from tests.support import LLMock

pytestmark = [pytest.mark.reliability, pytest.mark.loopback]

REPLY = "one two three four five six seven eight"
WORDS = re.findall(r"\s*\S+\s*", REPLY)  # how llmock splits a reply into streamed pieces
AFTER_CHUNKS = 4  # the role event, then "one ", "two ", "three "
TIMEOUT = 1.0
STALL_SECONDS = 3.0

# fault kind -> (reason, words of the error message that say what happened)
FAULTS = {
    "disconnect": ("disconnect", "the connection failed"),
    "truncate": ("truncated", "without a finish reason"),
    "malformed": ("malformed", "a chunk could not be parsed"),
    "stall": ("timeout", "no data arrived within the timeout"),
}


class Collector:
    """A streaming callback that keeps every chunk; works for `run` and `run_async`."""

    def __init__(self) -> None:
        self.chunks: list[StreamingChunk] = []

    def __call__(self, chunk: StreamingChunk) -> None:
        self.chunks.append(chunk)

    async def async_callback(self, chunk: StreamingChunk) -> None:
        self.chunks.append(chunk)

    @property
    def text(self) -> str:
        return "".join(chunk.content for chunk in self.chunks)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("kind", list(FAULTS))
async def test_stream_fault_raises_and_keeps_what_arrived(llmock_server: LLMock, fact: Fact, mode: str, kind: str):
    reason, explanation = FAULTS[kind]
    llmock_server.scenario(
        {"type": "reply", "text": REPLY},
        {"type": "stream_fault", "kind": kind, "after_chunks": AFTER_CHUNKS, "stall_seconds": STALL_SECONDS},
    )
    collector = Collector()
    callback = collector.async_callback if mode == "async" else collector
    generator = generator_for(llmock_server, timeout=TIMEOUT, max_retries=2)

    with Stopwatch() as clock, pytest.raises(StreamInterruptedError) as raised:
        await chat(generator, mode, f"stream fault {kind} ({mode})", streaming_callback=callback)
    await close(generator)

    error = raised.value
    assert isinstance(error, openai.OpenAIError)
    assert not isinstance(error, json.JSONDecodeError)
    assert error.reason == reason
    assert explanation in str(error)
    # Nothing lost: every event the server sent intact reached the generator, its text reached the callback, and
    # the partial reply holds the same text.
    delivered = "".join(WORDS[: AFTER_CHUNKS - 1])
    assert error.chunks_received == AFTER_CHUNKS
    assert collector.text == delivered
    assert error.partial_reply is not None
    assert error.partial_reply.text == delivered
    assert error.partial_reply.meta["finish_reason"] is None
    if kind == "stall":
        assert clock.seconds < TIMEOUT + 1.0
    # A stream that already reached the callback is not retried: a retry would deliver its chunks twice.
    (record,) = llmock_server.requests()
    assert record["fault"] == f"stream:{kind}@{AFTER_CHUNKS}"

    fact(
        "stream_faults",
        fault=kind,
        mode=mode,
        raised=f"{type(error).__name__}(reason={error.reason!r})",
        message=str(error),
        attempts=1,
        sent_before_fault=AFTER_CHUNKS,
        received=error.chunks_received,
        callback_text=collector.text,
        lost=AFTER_CHUNKS - error.chunks_received + len(delivered) - len(collector.text),
        seconds=round(clock.seconds, 3),
        timeout_s=TIMEOUT if kind == "stall" else None,
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_first_token_slower_than_the_timeout(llmock_server: LLMock, fact: Fact, mode: str):
    llmock_server.scenario({"type": "slow_first_token", "seconds": STALL_SECONDS})
    collector = Collector()
    callback = collector.async_callback if mode == "async" else collector
    generator = generator_for(llmock_server, timeout=TIMEOUT, max_retries=2)

    with Stopwatch() as clock, pytest.raises(StreamInterruptedError) as raised:
        await chat(generator, mode, f"slow first token ({mode})", streaming_callback=callback)
    await close(generator)

    error = raised.value
    assert error.reason == "timeout"
    assert error.chunks_received == 0
    assert error.partial_reply is None
    assert collector.chunks == []
    assert clock.seconds < TIMEOUT + 1.0
    assert len(llmock_server.requests()) == 1
    fact(
        "stream_faults",
        fault="slow first token",
        mode=mode,
        raised=f"{type(error).__name__}(reason={error.reason!r})",
        message=str(error),
        attempts=1,
        sent_before_fault=0,
        received=error.chunks_received,
        callback_text=collector.text,
        lost=0 - error.chunks_received,
        seconds=round(clock.seconds, 3),
        timeout_s=TIMEOUT,
    )


def test_non_streamed_reply_slower_than_the_timeout(llmock_server: LLMock, fact: Fact):
    # Only a little longer than the timeout: llmock finishes the delay before it journals the request.
    llmock_server.scenario({"type": "delay", "seconds": TIMEOUT + 0.5})
    generator = generator_for(llmock_server, timeout=TIMEOUT, max_retries=0)

    with Stopwatch() as clock, pytest.raises(openai.APITimeoutError) as raised:
        generator.run("slow reply")
    generator.close()

    assert clock.seconds < TIMEOUT + 1.0
    assert len(llmock_server.requests()) == 1
    fact(
        "stream_faults",
        fault="whole reply slower than the timeout (not streamed)",
        mode="sync",
        raised=type(raised.value).__name__,
        message=str(raised.value),
        attempts=1,
        sent_before_fault=0,
        received=0,
        callback_text="",
        lost=0,
        seconds=round(clock.seconds, 3),
        timeout_s=TIMEOUT,
    )


class CallbackBugError(ValueError):
    """What a bug in a user's streaming callback raises: a ValueError, like a bad chunk's JSONDecodeError."""


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_failing_callback_is_not_reported_as_a_stream_fault(llmock_server: LLMock, fact: Fact, mode: str):
    llmock_server.scenario({"type": "reply", "text": REPLY})
    seen: list[StreamingChunk] = []

    def callback(chunk: StreamingChunk) -> None:
        seen.append(chunk)
        if chunk.content == WORDS[1]:
            raise CallbackBugError("the callback could not handle 'two '")

    async def async_callback(chunk: StreamingChunk) -> None:
        callback(chunk)

    generator = generator_for(llmock_server, timeout=TIMEOUT)
    fds_before = open_fds()
    with Stopwatch() as clock, pytest.raises(CallbackBugError) as raised:
        await chat(
            generator,
            mode,
            f"callback bug ({mode})",
            streaming_callback=async_callback if mode == "async" else callback,
        )
    await close(generator)
    gc.collect()

    # The callback's own exception, unchanged: not mistaken for a chunk that could not be parsed.
    assert not isinstance(raised.value, StreamInterruptedError)
    assert "".join(chunk.content for chunk in seen) == "".join(WORDS[:2])
    assert len(llmock_server.requests()) == 1
    assert open_fds() <= fds_before
    fact(
        "stream_faults",
        fault="the streaming callback raises (a user bug)",
        mode=mode,
        raised=f"the callback's own {type(raised.value).__name__}, unchanged",
        message=str(raised.value),
        attempts=1,
        sent_before_fault=None,
        received=None,
        callback_text="".join(chunk.content for chunk in seen),
        lost=0,
        seconds=round(clock.seconds, 3),
        timeout_s=None,
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_clean_stream_is_complete(llmock_server: LLMock, fact: Fact, mode: str):
    """The control case: the same reply without a fault arrives whole, through the same callback."""
    llmock_server.scenario({"type": "reply", "text": REPLY})
    collector = Collector()
    callback = collector.async_callback if mode == "async" else collector
    generator = generator_for(llmock_server, timeout=TIMEOUT)

    with Stopwatch() as clock:
        (reply,) = (await chat(generator, mode, f"clean stream ({mode})", streaming_callback=callback))["replies"]
    await close(generator)

    assert reply.text == REPLY
    assert collector.text == REPLY
    assert reply.meta["finish_reason"] == "stop"
    (record,) = llmock_server.requests()
    assert record["completed"] is True
    assert record["fault"] is None
    fact(
        "stream_faults",
        fault="none (control)",
        mode=mode,
        raised="nothing: complete reply",
        message="",
        attempts=1,
        sent_before_fault=None,
        received=None,
        callback_text=collector.text,
        lost=len(REPLY) - len(collector.text),
        seconds=round(clock.seconds, 3),
        timeout_s=None,
    )
