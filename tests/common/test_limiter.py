# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The adaptive limit: its rule on a fake clock, the thread and asyncio limiter, and the httpx transport."""

import asyncio
import email.utils
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from haystack import Document
from haystack.utils import Secret

from haystack_integrations.common.aimlapi.limiter import (
    AdaptiveConcurrency,
    AdaptiveLimiter,
    LimitedTransport,
    limited_http_client_kwargs,
    retry_after_seconds,
)
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder


def _fill(rule: AdaptiveConcurrency, now: float = 0.0) -> list:
    permits = []
    while rule.wait_time(now) == 0.0:
        permits.append(rule.admit(now))
    return permits


def test_slow_start_doubles_the_limit_per_round_while_requests_succeed() -> None:
    rule = AdaptiveConcurrency(initial_limit=2, max_limit=64)
    limits = []
    for _ in range(4):
        for permit in _fill(rule):
            rule.release(permit, now=0.0)
        limits.append(rule.limit)
    assert limits == [4, 8, 16, 32]


def test_a_429_halves_the_limit_remembers_a_ceiling_and_pauses_everyone() -> None:
    rule = AdaptiveConcurrency(initial_limit=8, max_limit=64, ceiling_ttl=30.0)
    permits = _fill(rule)
    assert len(permits) == 8
    assert rule.wait_time(0.0) is None  # full: only a release frees a place
    rule.release(permits[5], now=1.0, throttled=True, retry_after=2.0)
    assert rule.limit == 4
    # Admitted 6th, but refused while 8 were in flight: the server takes at most 7.
    assert rule.stats(1.0).ceiling == 7
    assert rule.wait_time(1.5) == pytest.approx(1.5)  # paused until 3.0 for everyone
    # The other requests of that round were sent under the old limit: they change neither limit nor ceiling.
    rule.release(permits[1], now=1.1, throttled=True, retry_after=None)
    assert (rule.limit, rule.stats(1.1).ceiling, rule.stats(1.1).throttled) == (4, 7, 2)


def test_a_429_in_a_later_round_learns_a_lower_ceiling() -> None:
    rule = AdaptiveConcurrency(initial_limit=8, max_limit=64, default_pause=0.0)
    permits = _fill(rule)
    rule.release(permits[7], now=0.0, throttled=True)  # ceiling 7, limit 4
    for permit in permits[:7]:
        rule.release(permit, now=0.0)
    later = _fill(rule, now=1.0)
    assert len(later) == 4
    rule.release(later[3], now=1.0, throttled=True)  # refused with 4 in flight: the server takes 3
    assert (rule.limit, rule.stats(1.0).ceiling) == (2, 3)


def test_after_a_429_the_limit_grows_one_per_round_and_stops_at_the_ceiling_until_it_expires() -> None:
    rule = AdaptiveConcurrency(initial_limit=4, max_limit=64, ceiling_ttl=100.0, default_pause=0.0)
    permits = _fill(rule)
    rule.release(permits[3], now=0.0, throttled=True)  # ceiling 3, limit 2
    for permit in permits[:3]:
        rule.release(permit, now=0.0)
    assert rule.limit == 2
    seen = []
    for _ in range(20):
        for permit in _fill(rule, now=1.0):
            rule.release(permit, now=1.0)
        seen.append(rule.limit)
    assert max(seen) == 3  # additive increase, capped by the ceiling
    for _ in range(20):
        for permit in _fill(rule, now=200.0):
            rule.release(permit, now=200.0)
    assert rule.limit > 3  # the ceiling expired: it probes above it again


def test_an_unused_limit_does_not_grow() -> None:
    rule = AdaptiveConcurrency(initial_limit=4)
    for _ in range(100):
        permit = rule.admit(0.0)  # one request at a time: the limit of 4 is never reached
        rule.release(permit, now=0.0)
    assert rule.limit == 4


def test_the_limit_stays_between_its_bounds() -> None:
    rule = AdaptiveConcurrency(initial_limit=3, min_limit=2, max_limit=5, default_pause=0.0)
    for _ in range(10):
        for permit in _fill(rule):
            rule.release(permit, now=0.0)
    assert rule.limit == 5
    for _ in range(10):
        permits = _fill(rule)
        for permit in permits:
            rule.release(permit, now=0.0, throttled=True)
    assert rule.limit == 2


@pytest.mark.parametrize(
    ("parameters", "error", "names"),
    [
        ({"initial_limit": 0}, ValueError, "initial_limit"),
        ({"max_limit": 2, "initial_limit": 4}, ValueError, "initial_limit"),
        ({"decrease_factor": 1.5}, ValueError, "decrease_factor"),
        ({"min_limit": 1.5}, TypeError, "min_limit"),
        ({"ceiling_ttl": -1}, ValueError, "ceiling_ttl"),
        ({"default_pause": "1"}, TypeError, "default_pause"),
    ],
)
def test_bad_parameters_are_refused_by_name(parameters: dict, error: type[Exception], names: str) -> None:
    with pytest.raises(error, match=names):
        AdaptiveConcurrency(**parameters)


def test_admit_refuses_when_full() -> None:
    rule = AdaptiveConcurrency(initial_limit=1)
    rule.admit(0.0)
    with pytest.raises(RuntimeError, match="wait_time"):
        rule.admit(0.0)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),
        ({"retry-after": "-1"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "later, please"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_seconds_or_milliseconds(headers: dict, expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds({"retry-after": when}) == pytest.approx(30, abs=2)


def test_threads_never_exceed_the_limit() -> None:
    limiter = AdaptiveLimiter(initial_limit=3, max_limit=3)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal in_flight, peak
        for _ in range(5):
            permit = limiter.acquire()
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.001)
            with lock:
                in_flight -= 1
            limiter.release(permit)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 3
    assert limiter.stats().admitted == 40
    assert limiter.stats().in_flight == 0


async def test_coroutines_wait_for_a_release_and_for_a_pause() -> None:
    now = [0.0]
    limiter = AdaptiveLimiter(initial_limit=1, clock=lambda: now[0])
    first = await limiter.acquire_async()
    waiting = asyncio.ensure_future(limiter.acquire_async())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    limiter.release(first, throttled=True, retry_after=0.05)  # frees the place, but pauses everyone
    await asyncio.sleep(0.01)
    assert not waiting.done()
    now[0] = 1.0  # the pause is over; the waiter notices within the pause it was told to wait
    second = await asyncio.wait_for(waiting, timeout=5)
    assert second.sequence == 1


def _embedding_body(count: int) -> dict:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": [0.1, 0.2]} for i in range(count)],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": count, "total_tokens": count},
    }


def test_an_embedder_behind_the_limiter_reports_429s_and_retries_after_the_pause() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"retry-after": "0"}, json={"message": "Too many requests", "statusCode": 429}),
            httpx.Response(200, json=_embedding_body(2)),
        ]
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    limiter = AdaptiveLimiter(initial_limit=4)
    embedder = AIMLAPIDocumentEmbedder(
        api_key=Secret.from_token("test-key"),
        api_base_url="http://127.0.0.1:9/v1",
        encoding_format="float",
        progress_bar=False,
        http_client_kwargs=limited_http_client_kwargs(limiter, {"transport": httpx.MockTransport(handler)}),
    )
    result = embedder.run([Document(content="a"), Document(content="b")])
    assert [document.embedding for document in result["documents"]] == [[0.1, 0.2], [0.1, 0.2]]
    assert len(seen) == 2  # the SDK's retry went through the limiter too
    stats = limiter.stats()
    assert (stats.admitted, stats.throttled, stats.in_flight) == (2, 1, 0)
    # Refused while alone in flight: the server takes one request at a time, until the ceiling expires.
    assert (stats.limit, stats.ceiling) == (1, 1)


async def test_the_transport_gives_the_permit_back_when_the_request_fails() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    limiter = AdaptiveLimiter(initial_limit=1)
    transport = LimitedTransport(limiter, async_transport=httpx.MockTransport(handler))
    async with httpx.AsyncClient(transport=transport) as client:
        for _ in range(3):
            with pytest.raises(httpx.ConnectError):
                await client.get("http://127.0.0.1:9/")
    assert limiter.stats().in_flight == 0
    assert limiter.stats().admitted == 3


def test_limited_kwargs_keep_the_other_client_arguments_and_do_not_change_the_given_dict() -> None:
    given = {"timeout": 5.0, "transport": httpx.MockTransport(lambda request: httpx.Response(200))}
    kwargs = limited_http_client_kwargs(AdaptiveLimiter(), given)
    assert kwargs["timeout"] == 5.0
    assert isinstance(kwargs["transport"], LimitedTransport)
    assert isinstance(given["transport"], httpx.MockTransport)
