# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Load: one generator instance under many concurrent requests, against an llmock that injects 429s and 503s.

The server echoes each prompt ("Hello! You said: <prompt>"), and every prompt is unique, so each reply can be
matched to its request; the journal shows what the server served and how often the client had to retry.
"""

import asyncio
import gc
import threading
from collections import Counter

import openai
import pytest
from haystack.dataclasses import ChatMessage

from tests.reliability.helpers import ERROR_RATES, MAX_RETRIES, Fact, Stopwatch, generator_for, open_fds, rss_bytes
from tests.support import LLMock

pytestmark = [pytest.mark.reliability, pytest.mark.loopback]

REQUESTS = 1000
IN_FLIGHT = 100
THREADS = 8
THREAD_REQUESTS = 200
MEMORY_GROWTH_LIMIT = 20 * 1024 * 1024


def expected_reply(prompt: str) -> str:
    return f"Hello! You said: {prompt}"


def served_once_each(server: LLMock, prompts: list[str]) -> dict:
    """Check the journal: every prompt served exactly once with a 200, every failure a 429 or 503 that was retried."""
    records = server.requests()
    served = [record for record in records if record["status"] == 200]
    served_prompts = Counter(record["body"]["messages"][0]["content"] for record in served)
    assert served_prompts == Counter(prompts), "a request was served twice or not at all"
    failed = Counter(record["status"] for record in records if record["status"] != 200)
    assert set(failed) <= set(ERROR_RATES)
    # Every failed attempt was followed by another attempt of the same request.
    attempts = Counter(record["fingerprint"] for record in records)
    assert sum(attempts.values()) - len(attempts) == sum(failed.values())
    return {
        "attempts": len(records),
        "statuses": {str(status): count for status, count in sorted(failed.items())},
        "retries": sum(failed.values()),
        "most_attempts_for_one_request": max(attempts.values()),
        "peak_in_flight_at_server": _peak_overlap(records),
    }


def _peak_overlap(records: list[dict]) -> int:
    events = sorted([(r["started_at"], 1) for r in records] + [(r["ended_at"], -1) for r in records])
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


async def test_async_load_with_injected_errors(chaos_server: LLMock, fact: Fact):
    gc.collect()
    fds_before = open_fds()
    generator = generator_for(chaos_server, max_retries=MAX_RETRIES, timeout=30)
    peak = 0

    async def one_round(tag: str) -> tuple[list[str], list[list[ChatMessage]]]:
        nonlocal peak
        prompts = [f"request {tag}-{number:04d}" for number in range(REQUESTS)]
        semaphore = asyncio.Semaphore(IN_FLIGHT)
        in_flight = 0

        async def ask(prompt: str) -> list[ChatMessage]:
            nonlocal in_flight, peak
            async with semaphore:
                in_flight += 1
                peak = max(peak, in_flight)
                try:
                    return (await generator.run_async([ChatMessage.from_user(prompt)]))["replies"]
                finally:
                    in_flight -= 1

        return prompts, await asyncio.gather(*(ask(prompt) for prompt in prompts))

    chaos_server.reset()
    with Stopwatch() as first:
        prompts, replies = await one_round("first")
    assert [[reply.text for reply in reply_list] for reply_list in replies] == [
        [expected_reply(prompt)] for prompt in prompts
    ]
    assert peak == IN_FLIGHT
    server_view = served_once_each(chaos_server, prompts)
    assert server_view["retries"] > 0, "the server injected no errors: the test proved nothing about retries"
    fds_loaded = open_fds()

    # A second round on the warm instance: memory must not keep growing with the number of requests served.
    del replies
    gc.collect()
    rss_after_first = rss_bytes()
    chaos_server.reset()
    with Stopwatch() as second:
        prompts, replies = await one_round("second")
    assert [reply_list[0].text for reply_list in replies] == [expected_reply(prompt) for prompt in prompts]
    second_view = served_once_each(chaos_server, prompts)
    del replies
    gc.collect()
    growth = rss_bytes() - rss_after_first
    assert growth < MEMORY_GROWTH_LIMIT

    await generator.close_async()
    gc.collect()
    fds_after = open_fds()
    assert fds_after <= fds_before, f"{fds_after - fds_before} file descriptors leaked"

    fact(
        "load",
        case="async: run_async, one instance, one event loop",
        requests=REQUESTS,
        concurrency=IN_FLIGHT,
        peak_in_flight_client=peak,
        injected={str(status): rate for status, rate in ERROR_RATES.items()},
        max_retries=MAX_RETRIES,
        correct_replies=REQUESTS,
        duplicates=0,
        lost=0,
        first_round=server_view,
        second_round=second_view,
        wall_s=round(first.seconds, 2),
        second_wall_s=round(second.seconds, 2),
        fds_before=fds_before,
        fds_under_load=fds_loaded,
        fds_after=fds_after,
        rss_growth_bytes=growth,
    )


def test_threads_share_one_instance_and_one_client(chaos_server: LLMock, fact: Fact, monkeypatch: pytest.MonkeyPatch):
    # Count every synchronous `openai` client built (the component's client class inherits this constructor),
    # wherever the component builds it.
    built: list[openai.OpenAI] = []
    real_init = openai.OpenAI.__init__

    def counting_init(client: openai.OpenAI, *args, **kwargs) -> None:
        # Slow enough that threads arriving together would each build a client if warm-up were not locked.
        threading.Event().wait(0.05)
        real_init(client, *args, **kwargs)
        built.append(client)

    monkeypatch.setattr(openai.OpenAI, "__init__", counting_init)
    gc.collect()
    fds_before = open_fds()
    generator = generator_for(chaos_server, max_retries=MAX_RETRIES, timeout=30)
    per_thread = THREAD_REQUESTS // THREADS
    start_together = threading.Barrier(THREADS)
    results: dict[str, str | None] = {}
    errors: list[BaseException] = []
    clients_seen: set[int] = set()

    def worker(thread_number: int) -> None:
        start_together.wait()
        try:
            for number in range(per_thread):
                prompt = f"thread {thread_number} request {number:03d}"
                (reply,) = generator.run(prompt)["replies"]
                results[prompt] = reply.text
                clients_seen.add(id(generator.client))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    chaos_server.reset()
    threads = [threading.Thread(target=worker, args=(number,)) for number in range(THREADS)]
    with Stopwatch() as clock:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert len(built) == 1
    assert clients_seen == {id(built[0])}
    assert len(results) == THREAD_REQUESTS
    assert all(text == expected_reply(prompt) for prompt, text in results.items())
    server_view = served_once_each(chaos_server, list(results))
    generator.close()
    gc.collect()
    fds_after = open_fds()
    assert fds_after <= fds_before

    fact(
        "load",
        case=f"sync: run from {THREADS} threads, one instance, first use included",
        requests=THREAD_REQUESTS,
        concurrency=THREADS,
        peak_in_flight_client=None,
        injected={str(status): rate for status, rate in ERROR_RATES.items()},
        max_retries=MAX_RETRIES,
        correct_replies=len(results),
        duplicates=0,
        lost=0,
        clients_built=len(built),
        first_round=server_view,
        wall_s=round(clock.seconds, 2),
        fds_before=fds_before,
        fds_after=fds_after,
    )
