# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Turning what an image response carries inline (base64, `data:` URLs) into bytes, with image errors. The decoding
itself is in `common/aimlapi/inline_data.py`, shared with the audio components; downloads are in
`common/aimlapi/downloads.py`."""

from haystack_integrations.common.aimlapi import inline_data
from haystack_integrations.common.aimlapi.images import ImageResponseError
from haystack_integrations.common.aimlapi.inline_data import is_data_url

__all__ = ["decode_base64", "decode_data_url", "decode_inline_image", "is_data_url"]

_IMAGE = "an image"


def decode_base64(value: str) -> bytes:
    """
    The bytes of a base64 image, tolerating line breaks, missing padding and the URL-safe alphabet.

    :param value: The base64 text.
    :raises ImageResponseError: `value` is not base64.
    """
    return inline_data.decode_base64(value, ImageResponseError, _IMAGE)


def decode_data_url(url: str) -> tuple[bytes, str | None]:
    """
    The bytes and declared MIME type of an image's `data:` URL, base64-encoded or percent-encoded.

    :param url: The `data:` URL.
    :raises ImageResponseError: The URL or its payload is malformed.
    """
    return inline_data.decode_data_url(url, ImageResponseError, _IMAGE)


def decode_inline_image(value: str) -> tuple[bytes, str | None]:
    """
    The bytes of an image sent inline: plain base64, or base64 wrapped in a `data:` URL.

    :param value: The base64 text or `data:` URL.
    :raises ImageResponseError: `value` cannot be decoded.
    """
    if is_data_url(value):
        return decode_data_url(value)
    return decode_base64(value), None
