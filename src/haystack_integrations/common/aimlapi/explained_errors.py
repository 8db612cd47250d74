# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Connection errors and 404s that say what to fix: the URL, what went wrong, and the setting to change; and the client
mixins that give every request of our clients these messages.

They wrap the client's public `request` method, which every call goes through, and rewrite the text of the
exception the SDK raised, which keeps its type (`openai.APIConnectionError`, `openai.APITimeoutError`,
`openai.NotFoundError`), its cause and its traceback.
"""

import re
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from openai import APIConnectionError, APITimeoutError, NotFoundError, OpenAIError

from .errors import redact_url_userinfo
from .settings import BASE_URL_ENV, DEFAULT_BASE_URL, MAX_RETRIES_ENV, TIMEOUT_ENV

# How the operating system words the two commonest connection failures, for errors that arrive without the
# underlying OSError (a proxy's or a test transport's): Linux, macOS and Windows spellings.
_REFUSED_WORDS = ("connection refused", "actively refused", "errno 111", "errno 61", "10061")
_UNKNOWN_HOST_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated",
    "name does not resolve",
)
# A version segment in a base URL path (`/v1`, `/v2`, `/api/v1`).
_VERSION_SEGMENT = re.compile(r"(^|/)v\d+(/|$)")


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def connection_failure_kind(error: BaseException) -> str:
    """
    What kind of connection failure `error` (an `openai.APIConnectionError`, or anything it wraps) was.

    :param error: The exception.
    :returns: `"timeout"`, `"unknown host"` (DNS), `"refused"` (nothing listens on the port) or `"other"`.
    """
    chain = _causes(error)
    if isinstance(error, APITimeoutError) or any(isinstance(cause, TimeoutError) for cause in chain):
        return "timeout"
    if any(isinstance(cause, socket.gaierror) for cause in chain):
        return "unknown host"
    if any(isinstance(cause, ConnectionRefusedError) for cause in chain):
        return "refused"
    words = " ".join(str(cause) for cause in chain).lower()
    if any(word in words for word in _UNKNOWN_HOST_WORDS):
        return "unknown host"
    return "refused" if any(word in words for word in _REFUSED_WORDS) else "other"


def _retry_note(max_retries: int) -> str:
    if max_retries <= 0:
        return ""
    return f" Tried {max_retries + 1} times; max_retries=0 (or {MAX_RETRIES_ENV}=0) fails at the first attempt instead."


def connection_error_text(error: APIConnectionError, *, base_url: str, max_retries: int, timeout: object) -> str:
    """
    A message for a connection error that names the URL, what went wrong and the likely fix.

    :param error: The SDK's `APIConnectionError` (or `APITimeoutError`).
    :param base_url: The client's base URL.
    :param max_retries: How many times the client retried.
    :param timeout: The client's timeout (seconds or an `httpx.Timeout`).
    :returns: The message, with any user name and password in the URL masked.
    """
    url = redact_url_userinfo(str(error.request.url)) if getattr(error, "request", None) is not None else ""
    url = url or redact_url_userinfo(base_url)
    parts = urlsplit(redact_url_userinfo(base_url))
    host = parts.hostname or "?"
    check = f"Check api_base_url (or {BASE_URL_ENV}); AI/ML API's is {DEFAULT_BASE_URL}."
    kind = connection_failure_kind(error)
    if kind == "timeout":
        seconds = getattr(timeout, "read", timeout)
        within = f" within {seconds} s" if isinstance(seconds, int | float) else " in time"
        text = (
            f"No answer from {url}{within}. Raise timeout (or {TIMEOUT_ENV}) for slow models, or check that the server "
            "is up."
        )
    elif kind == "unknown host":
        text = (
            f"Could not connect to {url}: the host name {host!r} could not be resolved (a typo, or no network or "
            f"DNS). {check}"
        )
    elif kind == "refused":
        port = parts.port or (443 if parts.scheme == "https" else 80)
        text = f"Could not connect to {url}: the connection was refused, so nothing listens on {host}:{port}. {check}"
    else:
        chain = _causes(error)
        detail = next((str(cause) for cause in chain[1:] if str(cause)), "")
        text = f"Could not connect to {url}{': ' + detail if detail else ''}. {check} Check the network or proxy too."
    return text + _retry_note(max_retries)


def not_found_hint(base_url: str) -> str | None:
    """
    The hint for a 404 when `base_url` has no version segment (`https://api.aimlapi.com` instead of `.../v1`).

    :param base_url: The client's base URL.
    :returns: The sentence to add to the error, or `None` when the URL has a version.
    """
    redacted = redact_url_userinfo(base_url).rstrip("/")
    if _VERSION_SEGMENT.search(urlsplit(redacted).path):
        return None
    return (
        f"The base URL {redacted} has no version in its path, and AI/ML API's endpoints are under /v1: "
        f"try {redacted}/v1 as the base URL (api_base_url or {BASE_URL_ENV})."
    )


def request_named(error: OpenAIError) -> str | None:
    """
    The request an error met, as method and URL without credentials or query (`GET https://host/v2/billing`).

    :param error: An exception the SDK raised for a request.
    :returns: The words, or `None` when the exception carries no request.
    """
    request = getattr(error, "request", None)
    url = getattr(request, "url", None)
    if url is None:
        return None
    parts = urlsplit(redact_url_userinfo(str(url)))
    return f"{request.method} {parts.scheme}://{parts.netloc}{parts.path}"  # type: ignore[union-attr]


def _endpoint_named(error: NotFoundError) -> str | None:
    """The sentence naming the request that met a 404 (method and URL, without credentials or query)."""
    named = request_named(error)
    return None if named is None else f"The request was {named}."


def name_every_request_not_found(error: NotFoundError, fallbacks: Sequence[NotFoundError]) -> None:
    """
    Rewrites the text of a 404 in place to name every request that met one, when fallbacks were tried after it.

    A message naming only the first request reads as if no fallback had been tried. The text keeps the server's own
    message of `error`; the sentence naming its one request is replaced by one naming them all, in order.

    :param error: The first request's `NotFoundError`, the one that is raised.
    :param fallbacks: The `NotFoundError`s of the requests tried after it, in order.
    """
    tried = [named for named in map(request_named, (error, *fallbacks)) if named is not None]
    if len(tried) < 2:  # one request is named as every 404 names it
        return
    message = error.message.rstrip()
    single = _endpoint_named(error)
    if single is not None and message.endswith(single):
        message = message[: -len(single)].rstrip()
    separator = " " if message.endswith((".", "!", "?")) else ". "
    text = f"{message}{separator}The requests were {', then '.join(tried)}; each answered 404."
    error.message = text
    error.args = (text,)


def explain_request_error(error: OpenAIError, *, base_url: str, max_retries: int, timeout: object) -> None:
    """
    Rewrites the text of a connection error or a 404 in place to say what to fix; the exception keeps its type.

    :param error: The exception the SDK raised.
    :param base_url: The client's base URL.
    :param max_retries: How many times the client retried.
    :param timeout: The client's timeout.
    """
    if isinstance(error, APIConnectionError):
        text = connection_error_text(error, base_url=base_url, max_retries=max_retries, timeout=timeout)
    elif isinstance(error, NotFoundError):
        # Which endpoint was missing: a server other than AI/ML API (a mock, a proxy) may serve chat but not OCR,
        # speech or billing, and "404 - Not Found" alone does not say which request met it.
        hint = not_found_hint(base_url) or _endpoint_named(error)
        if hint is None or hint in error.message:
            return
        separator = " " if error.message.rstrip().endswith((".", "!", "?")) else ". "
        text = f"{error.message.rstrip()}{separator}{hint}"
    else:
        return
    error.message = text
    error.args = (text,)


class ExplainedErrors:
    """Mix in before `openai.OpenAI`: connection errors and 404s name the URL and the likely fix."""

    base_url: Any
    max_retries: int
    timeout: Any

    def request(self, *args: Any, **kwargs: Any) -> Any:
        """Sends a request as the SDK does; see the module's docstring for what changes when it fails."""
        parent: Any = super()
        try:
            return parent.request(*args, **kwargs)
        except (APIConnectionError, NotFoundError) as error:
            explain_request_error(
                error, base_url=str(self.base_url), max_retries=self.max_retries, timeout=self.timeout
            )
            raise


class AsyncExplainedErrors:
    """Mix in before `openai.AsyncOpenAI`: connection errors and 404s name the URL and the likely fix."""

    base_url: Any
    max_retries: int
    timeout: Any

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        """Sends a request as the SDK does; see the module's docstring for what changes when it fails."""
        parent: Any = super()
        try:
            return await parent.request(*args, **kwargs)
        except (APIConnectionError, NotFoundError) as error:
            explain_request_error(
                error, base_url=str(self.base_url), max_retries=self.max_retries, timeout=self.timeout
            )
            raise
