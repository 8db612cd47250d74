# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The submit-then-poll helper, driven with a fake clock: states, retries, deadlines and cancellation."""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haystack_integrations.common.aimlapi.jobs import (
    DEFAULT_JOB_STATES,
    JobError,
    JobFailedError,
    JobPollError,
    JobSubmitError,
    JobTimeoutError,
    job_error_message,
    job_id_from_body,
    run_job,
    run_job_async,
)

REQUEST = httpx.Request("GET", "https://api.aimlapi.com/v1/stt/gen-1")


def status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx.Response(status, request=REQUEST, headers=headers or {})
    return openai.APIStatusError(f"Error code: {status}", response=response, body=None)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Script:
    """A submit reply and a sequence of poll outcomes (a body, or an exception to raise)."""

    def __init__(self, submit_reply: object, outcomes: list[object]) -> None:
        self.submit_reply = submit_reply
        self.outcomes: Iterator[object] = iter(outcomes)
        self.submits = 0
        self.polled_ids: list[str] = []

    def submit(self) -> object:
        self.submits += 1
        return self.submit_reply

    def poll(self, job_id: str) -> object:
        self.polled_ids.append(job_id)
        outcome = next(self.outcomes)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def asubmit(self) -> object:
        return self.submit()

    async def apoll(self, job_id: str) -> object:
        return self.poll(job_id)


def run(script: Script, fake: FakeTime, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"poll_interval": 2.0, "job_timeout": 60.0, "label": "speech-to-text job"}
    options.update(kwargs)
    return run_job(script.submit, script.poll, sleep=fake.sleep, clock=fake.clock, **options)


def test_queued_generating_completed_polls_until_done_and_submits_once() -> None:
    script = Script(
        {"generation_id": "gen-1"},
        [
            {"id": "gen-1", "status": "queued"},
            {"id": "gen-1", "status": "generating"},
            {"id": "gen-1", "status": "completed", "result": {"text": "hi"}},
        ],
    )
    fake = FakeTime()
    result = run(script, fake)
    assert (result.job_id, result.status, result.body["result"]) == ("gen-1", "completed", {"text": "hi"})
    assert script.submits == 1
    assert script.polled_ids == ["gen-1"] * 3
    assert fake.sleeps == [2.0, 2.0, 2.0]
    assert result.polls == 3


def test_the_older_vocabulary_and_succeeded_are_understood() -> None:
    script = Script(
        {"id": "vid-1", "status": "queued"},
        [{"status": "waiting"}, {"status": "active"}, {"status": "processing"}, {"status": "SUCCEEDED"}],
    )
    assert run(script, FakeTime()).status == "SUCCEEDED"


def test_a_submit_reply_that_is_already_terminal_is_not_polled() -> None:
    script = Script({"generation_id": "gen-2", "status": "completed", "result": {"text": "x"}}, [])
    result = run(script, FakeTime())
    assert result.body["result"] == {"text": "x"}
    assert script.polled_ids == []


def test_a_job_that_ends_in_error_names_its_id_and_reason() -> None:
    script = Script(
        {"generation_id": "gen-3"},
        [{"status": "generating"}, {"status": "error", "error": {"name": "AudioError", "message": "unreadable file"}}],
    )
    with pytest.raises(JobFailedError) as raised:
        run(script, FakeTime())
    assert raised.value.job_id == "gen-3"
    assert "gen-3" in str(raised.value) and "AudioError: unreadable file" in str(raised.value)
    assert raised.value.status == "error"


def test_a_job_that_runs_out_of_time_names_its_id_and_last_status() -> None:
    script = Script({"generation_id": "gen-4"}, [{"status": "generating"}] * 100)
    fake = FakeTime()
    with pytest.raises(JobTimeoutError) as raised:
        run(script, fake, poll_interval=5.0, job_timeout=12.0)
    assert raised.value.job_id == "gen-4" and raised.value.status == "generating"
    assert "gen-4" in str(raised.value) and "job_timeout=12" in str(raised.value)
    # Waits never pass the deadline: 5 + 5 + the 2 seconds that were left.
    assert fake.sleeps == [5.0, 5.0, 2.0]
    assert len(script.polled_ids) == 2


def test_transient_poll_errors_are_retried_without_resubmitting() -> None:
    script = Script(
        {"generation_id": "gen-5"},
        [
            openai.APIConnectionError(request=REQUEST),
            status_error(503),
            {"status": "queued"},
            status_error(502),
            {"status": "completed", "result": {}},
        ],
    )
    result = run(script, FakeTime(), max_poll_retries=2)
    assert result.status == "completed"
    assert script.submits == 1
    assert len(script.polled_ids) == 5


def test_a_429_asking_for_a_longer_wait_is_honoured() -> None:
    script = Script({"generation_id": "gen-6"}, [status_error(429, {"retry-after": "7"}), {"status": "completed"}])
    fake = FakeTime()
    run(script, fake, poll_interval=1.0)
    assert fake.sleeps == [1.0, 7.0]


def test_too_many_transient_failures_in_a_row_give_up_naming_the_job() -> None:
    script = Script({"generation_id": "gen-7"}, [status_error(500)] * 10)
    with pytest.raises(JobPollError) as raised:
        run(script, FakeTime(), max_poll_retries=2)
    assert raised.value.job_id == "gen-7" and "3 times in a row" in str(raised.value)
    assert isinstance(raised.value.__cause__, openai.APIStatusError)
    assert len(script.polled_ids) == 3


def test_a_final_poll_error_is_not_retried() -> None:
    script = Script({"generation_id": "gen-8"}, [status_error(401), {"status": "completed"}])
    with pytest.raises(JobPollError) as raised:
        run(script, FakeTime())
    assert "gen-8" in str(raised.value) and len(script.polled_ids) == 1


def test_a_poll_answer_that_is_not_an_object_counts_as_a_failure() -> None:
    script = Script({"generation_id": "gen-9"}, [["not", "an", "object"], "text", {"status": "completed"}])
    assert run(script, FakeTime(), max_poll_retries=2).status == "completed"
    script = Script({"generation_id": "gen-9"}, [None, None])
    with pytest.raises(JobPollError, match="gen-9"):
        run(script, FakeTime(), max_poll_retries=1)


@pytest.mark.parametrize("reply", [{}, {"status": "queued"}, {"generation_id": ""}, ["gen"], None])
def test_a_submit_reply_without_a_job_id_is_an_error(reply: object) -> None:
    script = Script(reply, [])
    with pytest.raises(JobSubmitError, match="names no job id"):
        run(script, FakeTime())
    assert script.polled_ids == []


@pytest.mark.parametrize(
    ("setting", "value"),
    [("poll_interval", 0), ("poll_interval", -1), ("job_timeout", "10"), ("max_poll_retries", -1)],
)
def test_bad_settings_fail_before_submitting(setting: str, value: object) -> None:
    script = Script({"generation_id": "x"}, [])
    with pytest.raises(ValueError, match=setting):
        run(script, FakeTime(), **{setting: value})
    assert script.submits == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": {"name": "Bad", "message": "it broke"}}, "Bad: it broke"),
        ({"error": {"detail": [{"loc": ["body"], "msg": "image too small", "type": "x"}]}}, "image too small"),
        ({"error": "plain words"}, "plain words"),
        ({"output": {"error": {"message": "inside output"}}}, "inside output"),
        ({"error": None}, None),
        ({}, None),
    ],
)
def test_job_error_messages_in_every_documented_shape(body: dict[str, Any], message: str | None) -> None:
    assert job_error_message(body) == message


async def test_async_polls_until_done_and_submits_once() -> None:
    script = Script({"generation_id": "gen-a"}, [{"status": "queued"}, status_error(503), {"status": "completed"}])
    result = await run_job_async(script.asubmit, script.apoll, poll_interval=0.001, job_timeout=5)
    assert result.job_id == "gen-a" and script.submits == 1 and len(script.polled_ids) == 3


async def test_async_job_timeout_names_the_job() -> None:
    script = Script({"generation_id": "gen-b"}, [{"status": "generating"}] * 1000)
    with pytest.raises(JobTimeoutError, match="gen-b"):
        await run_job_async(script.asubmit, script.apoll, poll_interval=0.01, job_timeout=0.05)


async def test_cancelling_the_caller_stops_polling_and_calls_on_cancel() -> None:
    script = Script({"generation_id": "gen-c"}, [{"status": "generating"}] * 10_000)
    cancelled: list[str] = []
    polled = asyncio.Event()

    async def poll(job_id: str) -> object:
        polled.set()
        return script.poll(job_id)

    async def on_cancel(job_id: str) -> None:
        cancelled.append(job_id)

    task = asyncio.create_task(
        run_job_async(script.asubmit, poll, poll_interval=0.001, job_timeout=60, on_cancel=on_cancel)
    )
    await polled.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    polls_at_cancel = len(script.polled_ids)
    await asyncio.sleep(0.01)
    assert cancelled == ["gen-c"]
    assert script.submits == 1
    assert len(script.polled_ids) == polls_at_cancel


async def test_a_failing_on_cancel_does_not_hide_the_cancellation() -> None:
    script = Script({"generation_id": "gen-d"}, [{"status": "generating"}] * 10_000)

    async def on_cancel(job_id: str) -> None:
        raise RuntimeError(f"cannot cancel {job_id}")

    task = asyncio.create_task(
        run_job_async(script.asubmit, script.apoll, poll_interval=0.001, job_timeout=60, on_cancel=on_cancel)
    )
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
_status = st.sampled_from([*sorted(DEFAULT_JOB_STATES.pending | DEFAULT_JOB_STATES.succeeded), "error", "odd", ""])
_poll_body = st.one_of(
    _json,
    st.fixed_dictionaries({"status": _status}, optional={"error": _json, "result": _json, "output": _json}),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(submit_reply=st.one_of(_json, st.just({"generation_id": "gen-f"})), polls=st.lists(_poll_body, max_size=8))
def test_any_sequence_of_answers_ends_in_a_result_or_a_job_error(submit_reply: object, polls: list[object]) -> None:
    # After the scripted answers the job stays pending, so every run ends: in a result, or in a JobError.
    script = Script(submit_reply, [*polls, *([{"status": "queued"}] * 50)])
    try:
        result = run(script, FakeTime(), poll_interval=1.0, job_timeout=30.0, max_poll_retries=2)
    except JobError as error:
        expected_id = None if isinstance(error, JobSubmitError) else job_id_from_body(submit_reply)
        assert error.job_id == expected_id
        if expected_id:
            assert expected_id in str(error)
        assert script.submits == 1
        return
    assert DEFAULT_JOB_STATES.outcome(result.status) == "succeeded"
    assert script.submits == 1
