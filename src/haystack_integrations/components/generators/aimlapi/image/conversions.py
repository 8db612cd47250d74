# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Turning what an image response carries inline (base64, `data:` URLs) into bytes. Downloads are in
`common/aimlapi/downloads.py`, shared with every component that fetches a file."""

import base64
import binascii
from urllib.parse import unquote_to_bytes

from haystack_integrations.common.aimlapi.images import ImageResponseError

_URL_SAFE_TO_STANDARD = str.maketrans("-_", "+/")


def decode_base64(value: str) -> bytes:
    """
    The bytes of a base64 string, tolerating line breaks, missing padding and the URL-safe alphabet, as some
    upstreams send them. Anything else that is not base64 is an error: decoding leniently would turn garbage into
    a few bytes that pass for an image.
    """
    compact = "".join(value.split())
    compact += "=" * (-len(compact) % 4)
    for candidate in (compact, compact.translate(_URL_SAFE_TO_STANDARD)):
        try:
            return base64.b64decode(candidate, validate=True)
        except (binascii.Error, ValueError):
            continue
    excerpt = value[:40] + ("…" if len(value) > 40 else "")
    raise ImageResponseError(f"The response carried an image that is not valid base64 ({excerpt!r}).")


def decode_data_url(url: str) -> tuple[bytes, str | None]:
    """The bytes and declared MIME type of a `data:` URL, base64-encoded or percent-encoded."""
    header, separator, payload = url.partition(",")
    if not separator or not header.lower().startswith("data:"):
        raise ImageResponseError(f"The response carried a malformed data: URL ({url[:60]!r}).")
    parameters = header[len("data:") :].split(";")
    mime_type = parameters[0].strip() or None
    if any(parameter.strip().lower() == "base64" for parameter in parameters[1:]):
        return decode_base64(payload), mime_type
    return unquote_to_bytes(payload), mime_type


def decode_inline_image(value: str) -> tuple[bytes, str | None]:
    """The bytes of an image sent inline: plain base64, or base64 wrapped in a `data:` URL."""
    if value[:5].lower() == "data:":
        return decode_data_url(value)
    return decode_base64(value), None


def is_data_url(url: str) -> bool:
    return url[:5].lower() == "data:"
