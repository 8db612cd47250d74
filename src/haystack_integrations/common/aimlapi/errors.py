# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Reading AI/ML API's error bodies, and the errors this package raises of its own."""

import re
from collections.abc import Mapping
from typing import Any

from openai import OpenAIError

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
