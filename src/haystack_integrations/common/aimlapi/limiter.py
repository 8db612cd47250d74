# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
An adaptive limit on the requests in flight to AI/ML API, shared by every client that sends them.

An account has one concurrency and rate limit, however many threads, processes or machines send its requests. When
each client retries its own 429s, they keep the server at its limit and stretch the tail. Here one limiter admits
every HTTP request, learns the limit from the server's 429s, and pauses everyone for the server's `Retry-After`.

The rule (`AdaptiveConcurrency`) is additive increase, multiplicative decrease with two additions:

- **slow start**: until the first 429 the limit grows by one per request that found it full, so it doubles per
  round trip and finds the server's limit in a few round trips rather than one step per round trip;
- **a remembered ceiling**: a 429 on a request while `k` requests were in flight (the most there were when it was
  admitted or when its answer came) says the server takes fewer than `k`, so the limit stays at or under `k - 1`
  for `ceiling_ttl` seconds. Plain AIMD would probe above it again after every decrease and earn a 429 per probe,
  each of which costs a round trip and pauses every client; a concurrency limit changes rarely, so probing once per
  `ceiling_ttl` is enough to notice when it rises.

Only the first 429 of a round counts: the requests admitted before that decrease were sent under the old limit, and
reacting to each of them would collapse the limit to its minimum.

`AdaptiveLimiter` puts the rule behind a lock, for threads and event loops of one process; a Ray actor can hold one
to serve a cluster (see `haystack_integrations.ray.aimlapi`). `LimitedTransport` is the httpx transport that sends
every request of a component through a limiter, retries included, so no component needs to know about it:

```python
from haystack_integrations.common.aimlapi.limiter import AdaptiveLimiter, limited_http_client_kwargs
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder

limiter = AdaptiveLimiter(initial_limit=4, max_limit=32)
embedder = AIMLAPIDocumentEmbedder(max_concurrency=16, http_client_kwargs=limited_http_client_kwargs(limiter))
```
"""

import asyncio
import contextlib
import email.utils
import math
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

# HTTP statuses that mean "too much at once": AI/ML API answers 429 to both its concurrency and its rate limit.
THROTTLED_STATUSES = frozenset({429})
# The longest pause a `Retry-After` may impose (longer values are capped: a server asking for an hour is rare, and
# the SDK's own retries give up well before then).
MAX_PAUSE_SECONDS = 60.0


@dataclass(frozen=True)
class Permit:
    """One admitted request. Give it back to the limiter's `release` when the request is answered."""

    sequence: int
    """The order in which the request was admitted, from 0."""
    in_flight: int
    """Requests in flight once this one was admitted, itself included."""


@dataclass(frozen=True)
class LimiterStats:
    """A snapshot of a limiter, for logs, tests and benchmarks."""

    limit: int
    in_flight: int
    peak_in_flight: int
    admitted: int
    throttled: int
    ceiling: int | None
    paused_for: float


def _check_number(name: str, value: Any, *, minimum: float, whole: bool = False) -> None:
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
        raise TypeError(f"{name} must be {kind} >= {minimum}, got {value!r}.")
    if not value >= minimum or math.isinf(value):
        raise ValueError(f"{name} must be {kind} >= {minimum}, got {value!r}.")


class AdaptiveConcurrency:
    """
    The adaptive limit as a state machine: no locks, no waiting, the time passed in. See the module's docstring.

    ```python
    from haystack_integrations.common.aimlapi.limiter import AdaptiveConcurrency

    rule = AdaptiveConcurrency(initial_limit=2)
    permit = rule.admit(now=0.0)
    rule.release(permit, now=0.1, throttled=True, retry_after=1.0)
    assert round(rule.wait_time(now=0.2), 6) == 0.9  # paused for the server's Retry-After, from the answer at 0.1
    ```
    """

    def __init__(
        self,
        *,
        initial_limit: int = 4,
        min_limit: int = 1,
        max_limit: int = 256,
        decrease_factor: float = 0.5,
        ceiling_ttl: float = 30.0,
        default_pause: float = 1.0,
    ) -> None:
        """
        :param initial_limit: Requests admitted at once before anything is known about the server.
        :param min_limit: The limit never goes below this.
        :param max_limit: The limit never goes above this, however well requests go.
        :param decrease_factor: What the limit is multiplied by on a 429 (between 0 and 1).
        :param ceiling_ttl: Seconds the limit stays at or under the level that drew a 429 before it probes above.
        :param default_pause: Seconds every client pauses after a 429 that gave no `Retry-After`.
        :raises TypeError / ValueError: A parameter out of range, naming it.
        """
        _check_number("min_limit", min_limit, minimum=1, whole=True)
        _check_number("max_limit", max_limit, minimum=min_limit, whole=True)
        _check_number("initial_limit", initial_limit, minimum=min_limit, whole=True)
        if initial_limit > max_limit:
            raise ValueError(f"initial_limit ({initial_limit}) must be at most max_limit ({max_limit}).")
        _check_number("decrease_factor", decrease_factor, minimum=0.0)
        if not 0 < decrease_factor < 1:
            raise ValueError(f"decrease_factor must be between 0 and 1 (0.5 halves the limit), got {decrease_factor}.")
        _check_number("ceiling_ttl", ceiling_ttl, minimum=0.0)
        _check_number("default_pause", default_pause, minimum=0.0)
        self.min_limit = min_limit
        self.max_limit = max_limit
        self.decrease_factor = decrease_factor
        self.ceiling_ttl = float(ceiling_ttl)
        self.default_pause = float(default_pause)
        self._limit = float(initial_limit)
        self._slow_start = True
        self._in_flight = 0
        self._peak_in_flight = 0
        self._next_sequence = 0
        self._round_start = 0
        self._last_full = -1
        self._throttled = 0
        self._ceiling: int | None = None
        self._ceiling_until = 0.0
        self._paused_until = 0.0

    @property
    def limit(self) -> int:
        """The number of requests admitted at once, now."""
        return max(self.min_limit, int(self._limit))

    def wait_time(self, now: float) -> float | None:
        """
        `0.0` when a request may start now; the seconds left of a pause when every client is paused; `None` when the
        limit is reached and only a release can free a place.
        """
        if now < self._paused_until:
            return self._paused_until - now
        if self._in_flight < self.limit:
            return 0.0
        return None

    def admit(self, now: float) -> Permit:
        """
        Admits a request. Call it only when `wait_time(now)` is `0.0`.

        :raises RuntimeError: The limiter is paused or full.
        """
        if self.wait_time(now) != 0.0:
            raise RuntimeError("admit() called while the limiter is paused or full; wait for wait_time() to be 0.0.")
        self._in_flight += 1
        self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
        permit = Permit(sequence=self._next_sequence, in_flight=self._in_flight)
        if self._in_flight >= self.limit:
            self._last_full = permit.sequence
        self._next_sequence += 1
        return permit

    def release(self, permit: Permit, now: float, *, throttled: bool = False, retry_after: float | None = None) -> None:
        """
        Gives back a request's place, and learns from how it went.

        :param permit: What `admit` returned for the request.
        :param now: The time, on the clock `wait_time` and `admit` were given.
        :param throttled: The server answered 429 (too many requests).
        :param retry_after: Seconds the server asked to wait (`Retry-After`), if it did.
        """
        self._in_flight = max(0, self._in_flight - 1)
        if self._ceiling is not None and now >= self._ceiling_until:
            self._ceiling = None
        if throttled:
            self._on_throttle(permit, now, retry_after)
            return
        # Grow only if the limit was reached while this request was out: a limit that is never reached says
        # nothing about the server, and growing it anyway would let a burst through later. Requests sent before the
        # last decrease do not count either: they were answered under a limit the server has already refused.
        if self._last_full < permit.sequence or permit.sequence < self._round_start:
            return
        self._limit += 1.0 if self._slow_start else 1.0 / self._limit
        cap = self.max_limit if self._ceiling is None else min(self._ceiling, self.max_limit)
        self._limit = min(self._limit, float(max(cap, self.min_limit)))

    def _on_throttle(self, permit: Permit, now: float, retry_after: float | None) -> None:
        self._throttled += 1
        pause = self.default_pause if retry_after is None else min(max(retry_after, 0.0), MAX_PAUSE_SECONDS)
        self._paused_until = max(self._paused_until, now + pause)
        if permit.sequence < self._round_start:
            return  # sent under the limit already lowered: it says nothing new
        self._round_start = self._next_sequence
        self._slow_start = False
        # The server refused this request with `seen` requests in flight, fewer than it takes. Requests reach it in
        # another order than they were admitted, so `seen` is estimated as the most this limiter knew of: when the
        # request was admitted, or when its answer came (`_in_flight` already excludes it).
        seen = max(permit.in_flight, self._in_flight + 1)
        self._ceiling = max(self.min_limit, seen - 1)
        self._ceiling_until = now + self.ceiling_ttl
        self._limit = max(float(self.min_limit), min(self._limit * self.decrease_factor, float(self._ceiling)))

    def stats(self, now: float) -> LimiterStats:
        """A snapshot of the counters."""
        return LimiterStats(
            limit=self.limit,
            in_flight=self._in_flight,
            peak_in_flight=self._peak_in_flight,
            admitted=self._next_sequence,
            throttled=self._throttled,
            ceiling=self._ceiling,
            paused_for=max(0.0, self._paused_until - now),
        )


class Limiter(Protocol):
    """What `LimitedTransport` needs of a limiter: `AdaptiveLimiter` here, or a cluster-wide one."""

    def acquire(self) -> Permit: ...

    async def acquire_async(self) -> Permit: ...

    def release(self, permit: Permit, *, throttled: bool = False, retry_after: float | None = None) -> None: ...


def _wake(future: "asyncio.Future[None]") -> None:
    if not future.done():
        future.set_result(None)


class AdaptiveLimiter:
    """
    The adaptive limit for one process: threads wait in `acquire`, coroutines in `acquire_async`, on any event loop.

    ```python
    from haystack_integrations.common.aimlapi.limiter import AdaptiveLimiter

    limiter = AdaptiveLimiter(initial_limit=8)
    permit = limiter.acquire()
    try:
        ...  # send the request
    finally:
        limiter.release(permit, throttled=False)
    ```
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, **parameters: Any) -> None:
        """
        :param clock: Where the time comes from (seconds, never going back).
        :param parameters: `AdaptiveConcurrency`'s: `initial_limit`, `min_limit`, `max_limit`, `decrease_factor`,
            `ceiling_ttl`, `default_pause`.
        """
        self._rule = AdaptiveConcurrency(**parameters)
        self._clock = clock
        self._changed = threading.Condition()
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()

    def acquire(self) -> Permit:
        """Waits, blocking the thread, until a request may start; returns its permit."""
        with self._changed:
            while True:
                now = self._clock()
                wait = self._rule.wait_time(now)
                if wait == 0.0:
                    return self._rule.admit(now)
                self._changed.wait(wait)

    async def acquire_async(self) -> Permit:
        """Waits, without blocking the event loop, until a request may start; returns its permit."""
        loop = asyncio.get_running_loop()
        while True:
            with self._changed:
                now = self._clock()
                wait = self._rule.wait_time(now)
                if wait == 0.0:
                    return self._rule.admit(now)
                waiter = (loop, loop.create_future())
                self._async_waiters.add(waiter)
            try:
                await asyncio.wait({waiter[1]}, timeout=wait)
            finally:
                with self._changed:
                    self._async_waiters.discard(waiter)

    def release(self, permit: Permit, *, throttled: bool = False, retry_after: float | None = None) -> None:
        """Gives back a request's place: see `AdaptiveConcurrency.release`. Callable from any thread or loop."""
        with self._changed:
            self._rule.release(permit, self._clock(), throttled=throttled, retry_after=retry_after)
            self._changed.notify_all()
            waiters = list(self._async_waiters)
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed meanwhile
                loop.call_soon_threadsafe(_wake, future)

    def stats(self) -> LimiterStats:
        """A snapshot of the limit and its counters."""
        with self._changed:
            return self._rule.stats(self._clock())


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """
    The pause a response asks for: `retry-after-ms`, else `Retry-After` in seconds or as an HTTP date; `None` when it
    asks for none or gives a value that is not a time.
    """
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        with contextlib.suppress(ValueError):
            value = float(milliseconds) / 1000.0
            if math.isfinite(value) and value >= 0:
                return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    with contextlib.suppress(ValueError):
        value = float(raw)
        return value if math.isfinite(value) and value >= 0 else None
    with contextlib.suppress(TypeError, ValueError, IndexError):
        when = email.utils.parsedate_to_datetime(raw)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


class LimitedTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """
    An httpx transport that sends each request through a limiter: it waits for a permit, sends, and gives the permit
    back with whether the server throttled it. Usable by `httpx.Client` and `httpx.AsyncClient` alike, so one
    `http_client_kwargs` serves a component's sync and async clients. Retries by the `openai` SDK pass through it
    again, so they wait for their turn too.

    The permit is given back when the response's headers arrive: the server has finished its work by then.
    """

    def __init__(
        self,
        limiter: Limiter,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """
        :param limiter: `AdaptiveLimiter`, or anything with its `acquire`, `acquire_async` and `release`.
        :param transport: The transport that sends synchronous requests; a new `httpx.HTTPTransport` by default.
        :param async_transport: The transport that sends asynchronous requests; by default a new
            `httpx.AsyncHTTPTransport` per event loop (pooled connections belong to the loop that opened them).
        """
        self.limiter = limiter
        self._transport = transport
        self._async_transport = async_transport
        self._async_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncBaseTransport] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _sync_inner(self) -> httpx.BaseTransport:
        with self._lock:
            if self._transport is None:
                self._transport = httpx.HTTPTransport()
            return self._transport

    def _async_inner(self) -> httpx.AsyncBaseTransport:
        if self._async_transport is not None:
            return self._async_transport
        loop = asyncio.get_running_loop()
        with self._lock:
            inner = self._async_by_loop.get(loop)
            if inner is None:
                inner = self._async_by_loop[loop] = httpx.AsyncHTTPTransport()
            return inner

    def _give_back(self, permit: Permit, response: httpx.Response | None) -> None:
        throttled = response is not None and response.status_code in THROTTLED_STATUSES
        retry_after = retry_after_seconds(response.headers) if throttled and response is not None else None
        self.limiter.release(permit, throttled=throttled, retry_after=retry_after)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        permit = self.limiter.acquire()
        response: httpx.Response | None = None
        try:
            response = self._sync_inner().handle_request(request)
            return response
        finally:
            self._give_back(permit, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        permit = await self.limiter.acquire_async()
        response: httpx.Response | None = None
        try:
            response = await self._async_inner().handle_async_request(request)
            return response
        finally:
            self._give_back(permit, response)

    def close(self) -> None:
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    async def aclose(self) -> None:
        with self._lock:
            inners = list(self._async_by_loop.values())
            self._async_by_loop.clear()
        if self._async_transport is not None:
            inners.append(self._async_transport)
        for inner in inners:
            await inner.aclose()


def limited_http_client_kwargs(limiter: Limiter, http_client_kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """
    `http_client_kwargs` for a component whose requests should all pass `limiter`. A `transport` already in
    `http_client_kwargs` still sends them (for sync and async clients alike, as httpx's `MockTransport` can).

    :param limiter: `AdaptiveLimiter`, or a cluster-wide limiter.
    :param http_client_kwargs: The component's other `httpx` client arguments, if any.
    :returns: A new dict; the one given is not changed.
    """
    kwargs = dict(http_client_kwargs or {})
    inner = kwargs.pop("transport", None)
    kwargs["transport"] = LimitedTransport(
        limiter,
        transport=inner if isinstance(inner, httpx.BaseTransport) else None,
        async_transport=inner if isinstance(inner, httpx.AsyncBaseTransport) else None,
    )
    return kwargs
