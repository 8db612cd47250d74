# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Retryable failures are recovered, client errors are not retried: counted in llmock's request journal.

Every attempt of one call carries the same body, so the journal's fingerprint ties the attempts together, and its
server-side timestamps show how long the client waited between them.
"""

import itertools

import openai
import pytest

from tests.reliability.helpers import Fact, Stopwatch, chat, close, generator_for
from tests.support import LLMock

pytestmark = [pytest.mark.reliability, pytest.mark.loopback]

MODES = ["sync", "async"]


def attempts_of(server: LLMock) -> list[dict]:
    records = server.requests()
    assert len({record["fingerprint"] for record in records}) == 1, "every attempt must resend the same request"
    return records


def waits_between(records: list[dict]) -> list[float]:
    """Seconds from the end of each answer to the start of the next attempt, on the server's clock."""
    return [later["started_at"] - earlier["ended_at"] for earlier, later in itertools.pairwise(records)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("failures", [1, 3])
async def test_429_with_retry_after_is_recovered(llmock_server: LLMock, fact: Fact, mode: str, failures: int):
    retry_after = 0.25
    expected = "served after the rate limit"
    llmock_server.scenario(
        {"type": "fail", "status": 429, "retry_after": retry_after, "times": failures, "message": "Rate limited"},
        {"type": "reply", "text": expected},
    )
    generator = generator_for(llmock_server, max_retries=failures + 1)
    with Stopwatch() as clock:
        result = await chat(generator, mode, f"rate limited {failures} times ({mode})")
    await close(generator)

    assert result["replies"][0].text == expected
    records = attempts_of(llmock_server)
    assert [record["status"] for record in records] == [429] * failures + [200]
    assert [record["sdk_retry_count"] for record in records] == list(range(failures + 1))
    waits = waits_between(records)
    assert min(waits) >= retry_after, f"retried after {min(waits):.3f} s, before the {retry_after} s asked for"
    fact(
        "retries",
        case=f"429 x{failures}, Retry-After {retry_after} s",
        mode=mode,
        statuses=[record["status"] for record in records],
        attempts=len(records),
        server_asked_s=retry_after,
        shortest_wait_s=round(min(waits), 3),
        seconds=round(clock.seconds, 3),
        lost=len(expected) - len(result["replies"][0].text),
        outcome="reply",
    )


# llmock sends Retry-After on 503 and 504 by default (1 s); ask for less to keep the suite quick. 500 and 502 come
# without it, so the client's own backoff applies.
SERVER_ERRORS = [(500, None), (502, None), (503, 0.1), (504, 0.1)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "retry_after"), SERVER_ERRORS)
async def test_server_error_then_success_is_recovered(
    llmock_server: LLMock, fact: Fact, mode: str, status: int, retry_after: float | None
):
    failure = {"type": "fail", "status": status, "message": f"upstream failed with {status}"}
    if retry_after is not None:
        failure["retry_after"] = retry_after
    expected = "served after the server error"
    llmock_server.scenario(failure, {"type": "reply", "text": expected})
    generator = generator_for(llmock_server, max_retries=2)
    with Stopwatch() as clock:
        result = await chat(generator, mode, f"server error {status} ({mode})")
    await close(generator)

    assert result["replies"][0].text == expected
    records = attempts_of(llmock_server)
    assert [record["status"] for record in records] == [status, 200]
    (wait,) = waits_between(records)
    if retry_after is not None:
        assert wait >= retry_after
    fact(
        "retries",
        case=f"{status}, then success" + (f", Retry-After {retry_after} s" if retry_after else ", no Retry-After"),
        mode=mode,
        statuses=[record["status"] for record in records],
        attempts=len(records),
        server_asked_s=retry_after,
        shortest_wait_s=round(wait, 3),
        seconds=round(clock.seconds, 3),
        lost=len(expected) - len(result["replies"][0].text),
        outcome="reply",
    )


def test_every_server_error_in_a_row_is_recovered(llmock_server: LLMock, fact: Fact):
    expected = "served after four server errors"
    llmock_server.scenario(
        *({"type": "fail", "status": status, "retry_after": 0.05} for status, _ in SERVER_ERRORS),
        {"type": "reply", "text": expected},
    )
    generator = generator_for(llmock_server, max_retries=len(SERVER_ERRORS))
    with Stopwatch() as clock:
        result = generator.run("four server errors in a row")
    generator.close()

    assert result["replies"][0].text == expected
    records = attempts_of(llmock_server)
    assert [record["status"] for record in records] == [500, 502, 503, 504, 200]
    assert min(waits_between(records)) >= 0.05
    fact(
        "retries",
        case="500, 502, 503, 504 in a row, then success",
        mode="sync",
        statuses=[record["status"] for record in records],
        attempts=len(records),
        server_asked_s=0.05,
        shortest_wait_s=round(min(waits_between(records)), 3),
        seconds=round(clock.seconds, 3),
        lost=len(expected) - len(result["replies"][0].text),
        outcome="reply",
    )


def test_retries_stop_at_max_retries(llmock_server: LLMock, fact: Fact):
    llmock_server.scenario({"type": "fail", "status": 503, "retry_after": 0.05, "times": None})
    generator = generator_for(llmock_server, max_retries=2)
    with Stopwatch() as clock, pytest.raises(openai.InternalServerError, match="Service unavailable") as error:
        generator.run("always unavailable")
    generator.close()

    records = attempts_of(llmock_server)
    assert [record["status"] for record in records] == [503, 503, 503]
    assert error.value.status_code == 503
    fact(
        "retries",
        case="503 forever, max_retries=2",
        mode="sync",
        statuses=[record["status"] for record in records],
        attempts=len(records),
        server_asked_s=0.05,
        shortest_wait_s=round(min(waits_between(records)), 3),
        seconds=round(clock.seconds, 3),
        outcome=f"{type(error.value).__name__}: {error.value}",
    )


CLIENT_ERRORS = [
    (400, openai.BadRequestError, "Body validation error! messages must be an array"),
    (401, openai.AuthenticationError, "Invalid API key. Check the key at https://aimlapi.com/app/keys"),
    (403, openai.PermissionDeniedError, "You've run out of credits. Please top up your balance"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "error_type", "message"), CLIENT_ERRORS)
async def test_client_error_is_not_retried(
    llmock_server: LLMock, fact: Fact, *, mode: str, status: int, error_type: type, message: str
):
    # The server even suggests a Retry-After: a request that is wrong stays wrong, so it must still not be retried.
    llmock_server.scenario({"type": "fail", "status": status, "message": message, "retry_after": 0.05})
    generator = generator_for(llmock_server, max_retries=3)
    with Stopwatch() as clock, pytest.raises(error_type) as error:
        await chat(generator, mode, f"client error {status} ({mode})")
    await close(generator)

    records = attempts_of(llmock_server)
    assert [record["status"] for record in records] == [status]
    assert error.value.status_code == status
    assert message in str(error.value)
    fact(
        "retries",
        case=f"{status} (with a Retry-After)",
        mode=mode,
        statuses=[record["status"] for record in records],
        attempts=len(records),
        server_asked_s=0.05,
        shortest_wait_s=None,
        seconds=round(clock.seconds, 3),
        outcome=f"{type(error.value).__name__}: {error.value}",
    )
