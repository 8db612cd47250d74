# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
How long to wait before retrying a request that the `openai` client does not send itself: the model catalogue and
image downloads. Requests through the client are retried by the SDK, with the same rule.
"""

from collections.abc import Mapping

import httpx

# What a server answers when it is briefly overloaded, rate limiting or in conflict, besides any 5xx; anything else
# is final. The same rule as the `openai` SDK's.
RETRYABLE_STATUSES = frozenset({408, 409, 429})
# Waits between attempts: 0.5 s, doubling up to 8 s, unless the server asks for up to a minute itself.
FIRST_RETRY_WAIT_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
MAX_RETRY_AFTER_SECONDS = 60.0


def retry_wait(headers: Mapping[str, str] | None, attempt: int) -> float:
    """
    Seconds to wait before retry number `attempt + 1`: the server's `retry-after-ms` or `Retry-After` (in seconds)
    when it gives one of at most a minute, else an exponential backoff.
    """
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            seconds = float((headers or {}).get(name, "")) * scale
        except ValueError:
            continue
        if 0 <= seconds <= MAX_RETRY_AFTER_SECONDS:
            return seconds
    return min(FIRST_RETRY_WAIT_SECONDS * 2**attempt, MAX_BACKOFF_SECONDS)


def is_retryable(outcome: httpx.Response | BaseException) -> bool:
    """Whether a response's status, or a transport error (a refused or dropped connection, a timeout), is worth
    another attempt."""
    if isinstance(outcome, httpx.Response):
        return outcome.status_code in RETRYABLE_STATUSES or outcome.status_code >= 500
    return isinstance(outcome, httpx.TransportError)
