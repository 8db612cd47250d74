# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Submit-then-poll: the one loop every AI/ML API job runs through (speech-to-text, batches, video).

Some AI/ML API endpoints answer a request with a job id (`generation_id`, or `id`) instead of a result; the client
then asks for the job's state until it is terminal. `run_job` / `run_job_async` own that loop, so each endpoint
supplies only two callables, one that submits and one that fetches the state, and the rules below hold for all:

- the job is submitted exactly once: the submit callable is called once, and is never retried here;
- polls come every `poll_interval` seconds, and the whole job (submit included) gets at most `job_timeout` seconds;
- a poll that fails in a transient way (a dropped or refused connection, a read timeout, 408, 409, 429, 5xx, or an
  answer that is not a JSON object) is tried again at the next interval, up to `max_poll_retries` failures in a row;
- a job ends in `succeeded` (`completed`, `succeeded`), in `failed` (`error`, `failed`, `cancelled`, ...), or
  with `JobTimeoutError`. Every error names the job id, so the result can be fetched later;
- when the awaiting task is cancelled, `run_job_async` stops polling at once, calls the optional `on_cancel(job_id)`
  (to cancel the job on the server, where the endpoint can) and re-raises the cancellation.

```python
from haystack_integrations.common.aimlapi.jobs import run_job

result = run_job(
    submit=lambda: {"generation_id": "gen-1"},
    poll=lambda job_id: {"id": job_id, "status": "completed", "result": {"text": "hello"}},
    poll_interval=0.01,
    job_timeout=5,
)
assert result.job_id == "gen-1" and result.body["result"]["text"] == "hello"
```
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import httpx
from haystack import logging
from openai import APIConnectionError, APIStatusError, OpenAIError

from .errors import error_message_from_body
from .retries import RETRYABLE_STATUSES, retry_wait

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

JobOutcome = Literal["pending", "succeeded", "failed"]

DEFAULT_POLL_INTERVAL_SECONDS = 5.0
DEFAULT_JOB_TIMEOUT_SECONDS = 600.0
DEFAULT_MAX_POLL_RETRIES = 5
# How long `on_cancel` may take once the caller's task was cancelled; the caller is waiting for the cancellation.
CANCEL_CALLBACK_TIMEOUT_SECONDS = 5.0

JOB_ID_KEYS: tuple[str, ...] = ("generation_id", "id", "batch_id")
"""Where a submit reply carries the job id, first match wins: speech-to-text says `generation_id`, video and
batches `id`."""


@dataclass(frozen=True)
class JobStates:
    """
    The status vocabulary of one job endpoint, compared without regard to case.

    A status in none of the three sets counts as pending (AI/ML API's pages and SDK use several words for a running
    job), and `job_timeout` bounds how long that lasts.

    :param pending: Statuses of a job still running.
    :param succeeded: Statuses of a job that finished with a result.
    :param failed: Statuses of a job that finished without one.
    """

    pending: frozenset[str]
    succeeded: frozenset[str]
    failed: frozenset[str]

    def outcome(self, status: object) -> JobOutcome:
        """Whether `status` means the job is still running, has succeeded or has failed."""
        text = status.strip().lower() if isinstance(status, str) else ""
        if text in self.succeeded:
            return "succeeded"
        if text in self.failed:
            return "failed"
        return "pending"


DEFAULT_JOB_STATES = JobStates(
    # The spec's `queued | generating`, older pages' `waiting | active`, the SDK's `processing`, batches' and
    # Anthropic's `in_progress`, `canceling` (a batch still winding down).
    pending=frozenset(
        {"queued", "generating", "waiting", "active", "processing", "pending", "in_progress", "canceling"}
    ),
    # `succeeded` ends some video jobs (PixVerse, Seedance) instead of `completed`; `ended` ends Anthropic batches.
    succeeded=frozenset({"completed", "succeeded", "success", "done", "ended"}),
    failed=frozenset({"error", "failed", "failure", "cancelled", "canceled", "expired", "rejected"}),
)
"""Statuses as AI/ML API's job endpoints spell them, across speech-to-text, video and batches."""


class JobError(OpenAIError):
    """
    A job did not produce a result. Every subclass names the job id, so that the result can be fetched later.

    :param message: What happened, in words.
    :param job_id: The id the submit reply gave the job, or `None` if it gave none.
    :param status: The last status the server reported, if any.
    :param body: The last answer about the job (submit reply or poll), decoded, if any.
    """

    def __init__(
        self, message: str, *, job_id: str | None = None, status: str | None = None, body: object = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.job_id = job_id
        self.status = status
        self.body = body


class JobSubmitError(JobError):
    """The submit request succeeded, but its answer names no job (no `generation_id` or `id`)."""


class JobFailedError(JobError):
    """The server reported the job as failed (`error`, `failed`, `cancelled`, ...); the text quotes its reason."""


class JobTimeoutError(JobError):
    """The job was still running when `job_timeout` ran out. It may still finish on the server."""


class JobPollError(JobError):
    """Asking for the job's state failed: a non-transient error, or more transient ones in a row than allowed. The
    cause is chained."""


@dataclass(frozen=True)
class JobResult:
    """
    A finished job.

    :param job_id: The job's id.
    :param status: The terminal status as the server spelled it (`completed`, `succeeded`, ...).
    :param body: The answer that reported it (a poll reply, or the submit reply when that was already terminal).
    :param submit_body: The submit reply (it may carry the cost, as video submissions do).
    :param polls: How many poll requests were sent, failed ones included.
    """

    job_id: str
    status: str
    body: Mapping[str, Any]
    submit_body: Mapping[str, Any] = field(default_factory=dict)
    polls: int = 0


def is_transient_error(error: BaseException) -> bool:
    """Whether a failed poll is worth another try: a connection or timeout error, or a 408, 409, 429 or 5xx."""
    if isinstance(error, APIStatusError):
        return error.status_code in RETRYABLE_STATUSES or error.status_code >= 500
    return isinstance(error, APIConnectionError | httpx.TransportError)


def is_unreceived_error(error: BaseException) -> bool:
    """
    Whether a failed submit certainly did not start a job, so that sending it again cannot start a second one: a
    429 (the server turned it away) or a connection that was never made. A dropped connection, a timeout or a 5xx
    may come after the server accepted the job, so those are not resent.
    """
    if isinstance(error, APIStatusError):
        return error.status_code == 429
    cause = error.__cause__ if isinstance(error, APIConnectionError) else error
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout)


def _resend_wait(error: BaseException, attempt: int, max_retries: int) -> float | None:
    if attempt >= max_retries or not is_unreceived_error(error):
        return None
    response = getattr(error, "response", None)
    return retry_wait(response.headers if isinstance(response, httpx.Response) else None, attempt)


def submit_safely(send: Callable[[], _T], *, max_retries: int, sleep: Callable[[float], None] = time.sleep) -> _T:
    """
    Calls `send` (one submit request, sent by a client that does not retry on its own), and calls it again only
    after an error that proves no job was started (`is_unreceived_error`), up to `max_retries` times.
    """
    attempt = 0
    while True:
        try:
            return send()
        except Exception as error:
            wait = _resend_wait(error, attempt, max_retries)
            if wait is None:
                raise
        sleep(wait)
        attempt += 1


async def submit_safely_async(send: Callable[[], Awaitable[_T]], *, max_retries: int) -> _T:
    """The asynchronous twin of `submit_safely`."""
    attempt = 0
    while True:
        try:
            return await send()
        except Exception as error:
            wait = _resend_wait(error, attempt, max_retries)
            if wait is None:
                raise
        await asyncio.sleep(wait)
        attempt += 1


def job_id_from_body(body: object, id_keys: tuple[str, ...] = JOB_ID_KEYS) -> str | None:
    """The job id a submit or poll reply carries, as a string, or `None`."""
    if not isinstance(body, Mapping):
        return None
    for key in id_keys:
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def job_status_from_body(body: Mapping[str, Any]) -> str | None:
    """The status a reply reports: `status`, else an Anthropic batch's `processing_status`."""
    for key in ("status", "processing_status"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def job_error_message(body: Mapping[str, Any]) -> str | None:
    """
    The reason a failed job's reply gives: `error: {name, message}` (the spec), `error: {detail: [{msg}]}` (Kling),
    `error: "text"`, or the same inside `output` / `result`.
    """
    for holder in (body, body.get("output"), body.get("result")):
        if not isinstance(holder, Mapping):
            continue
        error = holder.get("error")
        if isinstance(error, Mapping):
            detail = error.get("detail")
            if isinstance(detail, list):
                parts = [str(item.get("msg")) for item in detail if isinstance(item, Mapping) and item.get("msg")]
                if parts:
                    return "; ".join(parts)
            message = error_message_from_body(error)
            name = error.get("name")
            if message and isinstance(name, str) and name and name not in message:
                return f"{name}: {message}"
            if message:
                return message
            if isinstance(name, str) and name:
                return name
        elif isinstance(error, str) and error.strip():
            return error.strip()
    return None


def check_job_settings(poll_interval: object, job_timeout: object, max_poll_retries: object) -> None:
    """Raise a `ValueError` naming the parameter unless `poll_interval` and `job_timeout` are positive numbers of
    seconds and `max_poll_retries` a whole number >= 0. Components call it in `__init__`."""
    for name, value in (("poll_interval", poll_interval), ("job_timeout", job_timeout)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValueError(f"{name} must be a positive number of seconds, got {value!r}.")
    if isinstance(max_poll_retries, bool) or not isinstance(max_poll_retries, int) or max_poll_retries < 0:
        raise ValueError(f"max_poll_retries must be a whole number >= 0, got {max_poll_retries!r}.")


class _Tracker:
    """The state of one job's loop, shared by the synchronous and asynchronous drivers so they differ only in how
    they wait."""

    def __init__(
        self,
        *,
        label: str,
        states: JobStates,
        poll_interval: float,
        job_timeout: float,
        max_poll_retries: int,
        id_keys: tuple[str, ...],
        is_transient: Callable[[BaseException], bool],
        clock: Callable[[], float],
    ) -> None:
        check_job_settings(poll_interval, job_timeout, max_poll_retries)
        self.label = label
        self.states = states
        self.poll_interval = float(poll_interval)
        self.job_timeout = float(job_timeout)
        self.max_poll_retries = max_poll_retries
        self.id_keys = id_keys
        self.is_transient = is_transient
        self.clock = clock
        self.deadline = clock() + self.job_timeout
        self.job_id = ""
        self.submit_body: Mapping[str, Any] = {}
        self.last_status: str | None = None
        self.last_body: object = None
        self.polls = 0
        self.failures_in_a_row = 0

    def accept_submit(self, body: object) -> JobResult | None:
        """Reads the submit reply: the result if it is already terminal, else `None` (poll next)."""
        job_id = job_id_from_body(body, self.id_keys)
        if job_id is None or not isinstance(body, Mapping):
            keys = ", ".join(sorted(map(str, body))) if isinstance(body, Mapping) else type(body).__name__
            raise JobSubmitError(
                f"The {self.label} was submitted, but the answer names no job id (expected one of "
                f"{', '.join(self.id_keys)}; got {keys}). It may still run and be billed: check your usage logs.",
                body=body,
            )
        self.job_id = job_id
        self.submit_body = body
        return self._terminal(body)

    def _terminal(self, body: Mapping[str, Any]) -> JobResult | None:
        status = job_status_from_body(body)
        self.last_status = status or self.last_status
        self.last_body = body
        outcome = self.states.outcome(status)
        if outcome == "succeeded":
            return JobResult(
                job_id=self.job_id, status=status or "", body=body, submit_body=self.submit_body, polls=self.polls
            )
        if outcome == "failed":
            reason = job_error_message(body)
            raise JobFailedError(
                f"The {self.label} {self.job_id} ended with status {status!r}"
                + (f": {reason}" if reason else " and gave no reason")
                + ".",
                job_id=self.job_id,
                status=status,
                body=body,
            )
        return None

    def accept_poll(self, body: object) -> JobResult | None:
        """Reads a poll reply: the result if terminal, `None` if still running; a malformed reply is a failure."""
        self.polls += 1
        if not isinstance(body, Mapping):
            self.failures_in_a_row += 1
            error = JobPollError(
                f"Asking for the state of the {self.label} {self.job_id} returned {type(body).__name__}, not a JSON "
                "object.",
                job_id=self.job_id,
                status=self.last_status,
                body=body,
            )
            self._give_up_unless_retries_left(error, None)
            return None
        self.failures_in_a_row = 0
        return self._terminal(body)

    def accept_poll_error(self, error: BaseException) -> float | None:
        """Reads a failed poll: raises if it is final, else returns the server's requested wait, if any."""
        self.polls += 1
        self.failures_in_a_row += 1
        if not self.is_transient(error):
            raise JobPollError(
                f"Asking for the state of the {self.label} {self.job_id} failed: {error}",
                job_id=self.job_id,
                status=self.last_status,
                body=self.last_body,
            ) from error
        logger.warning(
            "Polling the {label} {job_id} failed ({failure} in a row, {allowed} allowed); trying again: {error}",
            label=self.label,
            job_id=self.job_id,
            failure=self.failures_in_a_row,
            allowed=self.max_poll_retries,
            error=error,
        )
        self._give_up_unless_retries_left(
            JobPollError(
                f"Asking for the state of the {self.label} {self.job_id} failed {self.failures_in_a_row} times in a "
                f"row (max_poll_retries={self.max_poll_retries}): {error}",
                job_id=self.job_id,
                status=self.last_status,
                body=self.last_body,
            ),
            error,
        )
        response = getattr(error, "response", None)
        if isinstance(error, APIStatusError) and response is not None:
            return retry_wait(response.headers, self.failures_in_a_row - 1)
        return None

    def _give_up_unless_retries_left(self, error: JobPollError, cause: BaseException | None) -> None:
        if self.failures_in_a_row > self.max_poll_retries:
            raise error from cause

    def next_wait(self, requested: float | None = None) -> float:
        """Seconds to wait before the next poll, or `JobTimeoutError` if the deadline leaves no time for one."""
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            raise self.timeout_error()
        return min(max(self.poll_interval, requested or 0.0), remaining)

    def check_deadline(self) -> None:
        if self.clock() >= self.deadline:
            raise self.timeout_error()

    def timeout_error(self) -> JobTimeoutError:
        status = f"its last status was {self.last_status!r}" if self.last_status else "no status was reported yet"
        return JobTimeoutError(
            f"The {self.label} {self.job_id} did not finish within job_timeout={self.job_timeout:g} s ({status}). "
            "It may still finish on the server: fetch it later by this id, or raise job_timeout.",
            job_id=self.job_id,
            status=self.last_status,
            body=self.last_body,
        )


def run_job(
    submit: Callable[[], object],
    poll: Callable[[str], object],
    *,
    poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
    job_timeout: float = DEFAULT_JOB_TIMEOUT_SECONDS,
    max_poll_retries: int = DEFAULT_MAX_POLL_RETRIES,
    states: JobStates = DEFAULT_JOB_STATES,
    id_keys: tuple[str, ...] = JOB_ID_KEYS,
    is_transient: Callable[[BaseException], bool] = is_transient_error,
    label: str = "job",
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> JobResult:
    """
    Submits one job and polls it until it succeeds, fails or runs out of time.

    :param submit: Sends the job and returns the decoded reply (a dict with the job id). Called exactly once; an
        error it raises propagates unchanged, since only the caller knows whether resending is safe.
    :param poll: Given the job id, fetches and returns the decoded state (a dict with `status`). An endpoint whose
        finished answer has no status (batch results, sent as JSON Lines) returns it wrapped, e.g.
        `{"status": "completed", "results": rows}`; anything that is not a dict counts as a failed poll.
    :param poll_interval: Seconds between polls (longer when a 429 asks for more).
    :param job_timeout: Seconds the whole job may take, submit included. A poll already under way when it runs
        out finishes first (each request is bounded by the client's own timeout).
    :param max_poll_retries: Transient poll failures tolerated in a row before giving up.
    :param states: The endpoint's status vocabulary.
    :param id_keys: Keys of the submit reply that may hold the job id, first match wins.
    :param is_transient: Decides whether a poll error is worth another try.
    :param label: What the job is, for messages ("speech-to-text job").
    :param sleep: How to wait (tests pass a fake).
    :param clock: A monotonic clock in seconds (tests pass a fake).
    :returns: The finished job.
    :raises ValueError: A setting is out of range (before anything is sent).
    :raises JobSubmitError: The submit reply names no job.
    :raises JobFailedError: The job ended in a failed state.
    :raises JobTimeoutError: `job_timeout` ran out first.
    :raises JobPollError: Polling failed for good.
    """
    tracker = _Tracker(
        label=label,
        states=states,
        poll_interval=poll_interval,
        job_timeout=job_timeout,
        max_poll_retries=max_poll_retries,
        id_keys=id_keys,
        is_transient=is_transient,
        clock=clock,
    )
    done = tracker.accept_submit(submit())
    requested: float | None = None
    while done is None:
        sleep(tracker.next_wait(requested))
        tracker.check_deadline()
        requested = None
        try:
            body = poll(tracker.job_id)
        except Exception as error:  # classified: transient ones retried, the rest re-raised
            requested = tracker.accept_poll_error(error)
            continue
        done = tracker.accept_poll(body)
    return done


async def run_job_async(
    submit: Callable[[], Awaitable[object]],
    poll: Callable[[str], Awaitable[object]],
    *,
    poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
    job_timeout: float = DEFAULT_JOB_TIMEOUT_SECONDS,
    max_poll_retries: int = DEFAULT_MAX_POLL_RETRIES,
    states: JobStates = DEFAULT_JOB_STATES,
    id_keys: tuple[str, ...] = JOB_ID_KEYS,
    is_transient: Callable[[BaseException], bool] = is_transient_error,
    label: str = "job",
    on_cancel: Callable[[str], Awaitable[Any]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> JobResult:
    """
    The asynchronous twin of `run_job`; the same parameters, plus:

    :param on_cancel: Called with the job id when the awaiting task is cancelled after the job was submitted (to
        cancel it on the server, where the endpoint allows that). It gets `CANCEL_CALLBACK_TIMEOUT_SECONDS`; its own
        errors are logged, and the cancellation is re-raised either way.
    :returns: The finished job.
    """
    tracker = _Tracker(
        label=label,
        states=states,
        poll_interval=poll_interval,
        job_timeout=job_timeout,
        max_poll_retries=max_poll_retries,
        id_keys=id_keys,
        is_transient=is_transient,
        clock=clock,
    )
    done = tracker.accept_submit(await submit())
    requested: float | None = None
    try:
        while done is None:
            await asyncio.sleep(tracker.next_wait(requested))
            tracker.check_deadline()
            requested = None
            try:
                body = await poll(tracker.job_id)
            except Exception as error:  # classified: transient ones retried, the rest re-raised
                requested = tracker.accept_poll_error(error)
                continue
            done = tracker.accept_poll(body)
    except asyncio.CancelledError:
        logger.info(
            "Stopped polling the {label} {job_id}: the caller was cancelled.", label=label, job_id=tracker.job_id
        )
        if on_cancel is not None:
            await _cancel_on_server(on_cancel, tracker.job_id, label)
        raise
    return done


async def _cancel_on_server(on_cancel: Callable[[str], Awaitable[Any]], job_id: str, label: str) -> None:
    try:
        await asyncio.wait_for(on_cancel(job_id), CANCEL_CALLBACK_TIMEOUT_SECONDS)
    except (Exception, asyncio.CancelledError) as error:  # the caller's cancellation comes first
        logger.warning(
            "Could not cancel the {label} {job_id} on the server: {error}", label=label, job_id=job_id, error=error
        )
    # A second cancellation while `on_cancel` ran is swallowed here: the caller re-raises the first one anyway.
