# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Turning what an image response carries (base64, `data:` URLs, http(s) URLs) into bytes and a MIME type."""

import asyncio
import base64
import binascii
import time
from collections.abc import Callable, Mapping
from urllib.parse import unquote_to_bytes, urlsplit

import httpx
from haystack import logging

from haystack_integrations.common.aimlapi.retries import is_retryable, retry_wait

from .errors import ImageDownloadError, ImageResponseError

logger = logging.getLogger(__name__)

# Bytes read from the start of an SVG file when looking for its root element.
_SVG_SNIFF_BYTES = 1024
_ISO_MEDIA_BRANDS = {b"avif": "image/avif", b"avis": "image/avif", b"heic": "image/heic", b"heix": "image/heic"}


def sniff_image_mime_type(data: bytes) -> str | None:  # noqa: PLR0911  # one return per format
    """The MIME type the leading bytes of `data` identify, or `None` if they match no image format known here."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if data.startswith(b"BM") and len(data) > 14:
        return "image/bmp"
    if data[4:8] == b"ftyp" and data[8:12] in _ISO_MEDIA_BRANDS:
        return _ISO_MEDIA_BRANDS[data[8:12]]
    head = data[:_SVG_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith((b"<?xml", b"<!doctype svg")) and b"<svg" in head):
        return "image/svg+xml"
    return None


def image_mime_type(data: bytes, declared: str | None) -> str | None:
    """
    The MIME type of `data`: what its bytes say, else what the server declared if that is an image type.

    The bytes come first because they describe what was actually received; CDNs often label images
    `application/octet-stream`, and vision models reject an image whose declared type does not match its bytes.
    """
    sniffed = sniff_image_mime_type(data)
    if sniffed:
        return sniffed
    if declared:
        declared = declared.split(";", 1)[0].strip().lower()
        if declared.startswith("image/"):
            return declared
    return None


def decode_base64(value: str) -> bytes:
    """The bytes of a base64 string, tolerating line breaks and missing padding, as some upstreams send them."""
    compact = "".join(value.split())
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        try:
            return base64.urlsafe_b64decode(compact)
        except (binascii.Error, ValueError) as error:
            excerpt = value[:40] + ("…" if len(value) > 40 else "")
            message = f"The response carried an image that is not valid base64 ({excerpt!r})."
            raise ImageResponseError(message) from error


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


def _check_downloadable(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ImageDownloadError(url, "it is not an absolute http(s) URL")


class _TransientDownloadError(Exception):
    """A download attempt that failed in a way worth another try; `error` is what the caller sees if none is left."""

    def __init__(self, error: ImageDownloadError, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.headers = headers or {}


def _wait_before_retry(transient: _TransientDownloadError, attempt: int, max_retries: int) -> float:
    """The wait before the next attempt, or the final `ImageDownloadError` once `max_retries` retries are spent."""
    if attempt >= max_retries:
        raise transient.error from transient.error.__cause__
    wait = retry_wait(transient.headers, attempt)
    logger.warning(
        "Retrying the image download in {wait:.2f} s (retry {retry} of {max_retries}): {error}",
        wait=wait,
        retry=attempt + 1,
        max_retries=max_retries,
        error=transient.error,
    )
    return wait


def _check_download_response(url: str, response: httpx.Response, max_bytes: int) -> None:
    if not response.is_success:
        error = ImageDownloadError(url, f"the server answered HTTP {response.status_code}")
        if is_retryable(response):
            raise _TransientDownloadError(error, response.headers)
        raise error
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise ImageDownloadError(url, f"it is {int(length)} bytes, over the limit of max_download_bytes={max_bytes}")


def _download_error(url: str, error: httpx.HTTPError) -> Exception:
    """The error for a failed transfer: a dropped or refused connection may be retried, a timeout may not (the
    timeout bounds a whole attempt, and the server had that long)."""
    final = ImageDownloadError(url, _describe(error))
    final.__cause__ = error
    if isinstance(error, httpx.TransportError) and not isinstance(error, httpx.TimeoutException):
        return _TransientDownloadError(final)
    return final


class _Receiver:
    """Collects a body chunk by chunk, enforcing the size cap and an overall deadline."""

    def __init__(self, url: str, *, timeout: float, max_bytes: int) -> None:
        self.url = url
        self.max_bytes = max_bytes
        self.timeout = timeout
        # httpx's timeout bounds each read; a server that trickles bytes needs a bound on the whole transfer too.
        self.deadline = time.monotonic() + timeout
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ImageDownloadError(self.url, f"it is larger than the limit of max_download_bytes={self.max_bytes}")
        if time.monotonic() > self.deadline:
            raise ImageDownloadError(self.url, f"it did not arrive within download_timeout={self.timeout} s")
        self.chunks.append(chunk)

    def body(self) -> bytes:
        return b"".join(self.chunks)


# Reads the MIME type of downloaded bytes, or `None` to refuse them; the text-to-speech component passes its own.
MimeTypeReader = Callable[[bytes, str | None], str | None]


def _finish_download(
    url: str, data: bytes, content_type: str | None, mime_type_of: MimeTypeReader
) -> tuple[bytes, str]:
    mime_type = mime_type_of(data, content_type)
    if mime_type is None:
        kind = "an image" if mime_type_of is image_mime_type else "the expected kind of file"
        raise ImageDownloadError(url, f"the server answered with {content_type or 'no content type'}, not {kind}")
    return data, mime_type


def _describe(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"it did not arrive in time ({type(error).__name__})"
    return f"{type(error).__name__}: {error}"


def _download_once(
    client: httpx.Client, url: str, *, timeout: float, max_bytes: int, mime_type_of: MimeTypeReader
) -> tuple[bytes, str]:
    receiver = _Receiver(url, timeout=timeout, max_bytes=max_bytes)
    try:
        with client.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            _check_download_response(url, response, max_bytes)
            for chunk in response.iter_bytes():
                receiver.add(chunk)
            content_type = response.headers.get("content-type")
    except httpx.HTTPError as error:
        raise _download_error(url, error) from error
    return _finish_download(url, receiver.body(), content_type, mime_type_of)


async def _download_once_async(
    client: httpx.AsyncClient, url: str, *, timeout: float, max_bytes: int, mime_type_of: MimeTypeReader
) -> tuple[bytes, str]:
    receiver = _Receiver(url, timeout=timeout, max_bytes=max_bytes)
    try:
        async with client.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            _check_download_response(url, response, max_bytes)
            async for chunk in response.aiter_bytes():
                receiver.add(chunk)
            content_type = response.headers.get("content-type")
    except httpx.HTTPError as error:
        raise _download_error(url, error) from error
    return _finish_download(url, receiver.body(), content_type, mime_type_of)


def download_image(
    client: httpx.Client,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    max_retries: int = 0,
    mime_type_of: MimeTypeReader = image_mime_type,
) -> tuple[bytes, str]:
    """
    Fetches an image with `client`, following redirects, and returns its bytes and MIME type.

    The request carries none of the API's headers: the image lives on a storage host, which must not see the key.
    A refused or dropped connection, or a 408, 409, 429 or 5xx answer, is retried up to `max_retries` times, after the
    server's `Retry-After` or an exponential backoff.

    `mime_type_of` decides what the bytes are, or refuses them with `None`; by default only images pass (other
    media, such as generated speech, pass a reader of their own).

    :raises ImageDownloadError: The URL is not http(s), the server answered an error status or something that is
        not an image, the body is over `max_bytes`, or an attempt took longer than `timeout` seconds.
    """
    _check_downloadable(url)
    attempt = 0
    while True:
        try:
            return _download_once(client, url, timeout=timeout, max_bytes=max_bytes, mime_type_of=mime_type_of)
        except _TransientDownloadError as transient:
            time.sleep(_wait_before_retry(transient, attempt, max_retries))
        attempt += 1


async def download_image_async(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    max_retries: int = 0,
    mime_type_of: MimeTypeReader = image_mime_type,
) -> tuple[bytes, str]:
    """The asynchronous twin of `download_image`."""
    _check_downloadable(url)
    attempt = 0
    while True:
        try:
            return await _download_once_async(
                client, url, timeout=timeout, max_bytes=max_bytes, mime_type_of=mime_type_of
            )
        except _TransientDownloadError as transient:
            await asyncio.sleep(_wait_before_retry(transient, attempt, max_retries))
        attempt += 1
