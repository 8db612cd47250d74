# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Reading AI/ML API's error bodies, and the errors this package raises of its own."""

import re
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from openai import APIConnectionError, APITimeoutError, NotFoundError, OpenAIError

from .settings import BASE_URL_ENV, DEFAULT_BASE_URL, MAX_RETRIES_ENV, TIMEOUT_ENV

# Longest excerpt of a non-JSON error body (an HTML page from a proxy, say) quoted in an exception.
_MAX_EXCERPT = 300
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def error_message_from_body(body: object) -> str | None:  # noqa: PLR0911
    """
    The human-readable part of an error body, in any of the shapes AI/ML API and its upstreams send.

    - AI/ML API: `{"message": str | list[str], "path", "requestId", "statusCode", "timestamp"}`;
    - OpenAI: `{"error": {"message": ...}}`;
    - anything else: text (an HTML page becomes its visible text), shortened.
    """
    if isinstance(body, Mapping):
        nested = body.get("error")
        if isinstance(nested, Mapping):
            return error_message_from_body(nested)
        if isinstance(nested, str) and nested and "message" not in body:
            return nested
        message = body.get("message")
        if isinstance(message, list):
            message = "; ".join(str(part) for part in message if part)
        if isinstance(message, str) and message.strip():
            return message.strip()
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str) and body.strip():
        text = _SPACE.sub(" ", _TAG.sub(" ", body)).strip()
        if not text:
            return None
        if len(text) > _MAX_EXCERPT:
            text = text[:_MAX_EXCERPT].rstrip() + "…"
        return text
    return None


def error_body_status(body: object) -> object | None:
    """
    The status an error body in AI/ML API's own shape states (`statusCode`, an int or a str), or `None` when `body`
    is not one. Such a body can also arrive as an event of a stream that began with a 200.
    """
    if isinstance(body, Mapping):
        return body.get("statusCode")
    return None


def request_id_from_body(body: object) -> str | None:
    """AI/ML API's `requestId`, which its support asks for."""
    if isinstance(body, Mapping):
        request_id = body.get("requestId") or body.get("request_id")
        return str(request_id) if request_id else None
    return None


def describe_status_error(status_code: int, body: object, *, content_type: str = "") -> str:
    """The text of an exception for an HTTP error: status, AI/ML API's own message, and its request id."""
    text = f"Error code: {status_code}"
    message = error_message_from_body(body)
    if message:
        if isinstance(body, str | bytes) and "json" not in content_type.lower():
            kind = "an HTML page" if "html" in content_type.lower() or "<html" in str(body)[:500].lower() else "text"
            text += f" - the server answered with {kind}, not JSON: {message}"
        else:
            text += f" - {message}"
    request_id = request_id_from_body(body)
    if request_id:
        text += f" (request id {request_id})"
    return text


def redact(text: str, secrets: tuple[str | None, ...]) -> str:
    """`text` with every secret value replaced by `***`."""
    for secret in secrets:
        if secret and len(secret) >= 4:  # shorter "secrets" would blank out ordinary text
            text = text.replace(secret, "***")
    return text


def redact_url_userinfo(url: str) -> str:
    """
    `url` with any user name and password (`https://user:pass@host/`) replaced by `***`, for a message or a log.

    :param url: A URL as the user gave it, perhaps malformed.
    :returns: The URL without its credentials; anything else in it is kept.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    authority_end = min((rest.find(mark) for mark in "/?#" if mark in rest), default=len(rest))
    authority, tail = rest[:authority_end], rest[authority_end:]
    if "@" not in authority:
        return url
    return f"{scheme}{separator}***@{authority.rpartition('@')[2]}{tail}"


def redact_body(body: object, secrets: tuple[str | None, ...]) -> object:
    """`body` (a decoded error body: dicts, lists, strings) with every secret value in its strings replaced."""
    if isinstance(body, str):
        return redact(body, secrets)
    if isinstance(body, Mapping):
        return {key: redact_body(value, secrets) for key, value in body.items()}
    if isinstance(body, list):
        return [redact_body(item, secrets) for item in body]
    return body


class StreamInterruptedError(OpenAIError):
    """
    A streamed reply ended before the server said it was complete.

    Raised when the connection drops, the read times out, a chunk cannot be parsed, the server sends an error event,
    the stream closes without a finish reason, or the server answers the streaming request with one JSON body instead
    of an event stream. Nothing already received is lost: every chunk reached the streaming callback before this was
    raised, and `partial_reply` holds the reply assembled from them (or, for a JSON body, the reply it held, which
    the callback never saw).

    :param message: What happened, in words.
    :param reason: One of `"disconnect"`, `"timeout"`, `"malformed"` (a chunk was not JSON, or the answer was not an
        event stream at all), `"error"` (the server sent an error, as an event or as a JSON body, whose message this
        error quotes) and `"truncated"` (the stream closed without a finish reason).
    :param partial_reply: The reply assembled so far, or `None` if there was none.
    :param chunks_received: How many chunks arrived before the stream broke.
    """

    def __init__(
        self, message: str, *, reason: str = "disconnect", partial_reply: Any = None, chunks_received: int = 0
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.partial_reply = partial_reply
        self.chunks_received = chunks_received


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
        hint = not_found_hint(base_url)
        if hint is None or hint in error.message:
            return
        separator = " " if error.message.rstrip().endswith((".", "!", "?")) else ". "
        text = f"{error.message.rstrip()}{separator}{hint}"
    else:
        return
    error.message = text
    error.args = (text,)
