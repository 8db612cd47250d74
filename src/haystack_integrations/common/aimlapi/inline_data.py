# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Decoding files an answer carries inline, as base64 or as a `data:` URL, rather than at an address to download.

Images and synthesized audio both arrive this way, so the decoding is shared; what a failure raises is not: each
caller passes the error of its own family (`ImageResponseError`, `MediaResponseError`), as it does for downloads in
`downloads.py`, and names what it expected, so a bad payload reads as a bad image or as bad audio.
"""

import base64
import binascii
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

MessageErrorFactory = Callable[[str], Exception]
"""Builds the error a caller raises from a message, e.g. `MediaResponseError`."""

_URL_SAFE_TO_STANDARD = str.maketrans("-_", "+/")
# Characters of a bad payload quoted in the error: enough to recognise it, never the whole (possibly huge) value.
_BASE64_EXCERPT = 40
_URL_EXCERPT = 60


def is_data_url(url: str) -> bool:
    """Whether `url` is a `data:` URL (the scheme in any case), which is decoded rather than downloaded."""
    return url[:5].lower() == "data:"


def decode_base64(value: str, error_type: MessageErrorFactory, what: str) -> bytes:
    """
    The bytes of a base64 string, tolerating line breaks, missing padding and the URL-safe alphabet, as some
    upstreams send them. Anything else that is not base64 is an error: decoding leniently would turn garbage into
    a few bytes that pass for a file.

    :param value: The base64 text.
    :param error_type: Builds the error raised for text that is not base64, from its message.
    :param what: What the text should hold, as the message names it: "an image", "audio".
    :raises Exception: `error_type(message)`, when `value` is not base64.
    """
    compact = "".join(value.split())
    compact += "=" * (-len(compact) % 4)
    for candidate in (compact, compact.translate(_URL_SAFE_TO_STANDARD)):
        try:
            return base64.b64decode(candidate, validate=True)
        except (binascii.Error, ValueError):
            continue
    excerpt = value[:_BASE64_EXCERPT] + ("…" if len(value) > _BASE64_EXCERPT else "")
    raise error_type(f"The response carried {what} that is not valid base64 ({excerpt!r}).")


def decode_data_url(url: str, error_type: MessageErrorFactory, what: str) -> tuple[bytes, str | None]:
    """
    The bytes and declared MIME type of a `data:` URL, base64-encoded or percent-encoded.

    :param url: The `data:` URL.
    :param error_type: Builds the error raised for a malformed URL or payload, from its message.
    :param what: What the URL should hold, as the message names it: "an image", "audio".
    :raises Exception: `error_type(message)`, when `url` is not a `data:` URL or its base64 payload is not base64.
    """
    header, separator, payload = url.partition(",")
    if not separator or not is_data_url(header):
        excerpt = url[:_URL_EXCERPT] + ("…" if len(url) > _URL_EXCERPT else "")
        raise error_type(f"The response carried {what} in a malformed data: URL ({excerpt!r}).")
    parameters = header[len("data:") :].split(";")
    mime_type = parameters[0].strip() or None
    if any(parameter.strip().lower() == "base64" for parameter in parameters[1:]):
        return decode_base64(payload, error_type, what), mime_type
    return unquote_to_bytes(payload), mime_type
