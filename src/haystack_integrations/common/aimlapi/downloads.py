# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Fetching the files AI/ML API answers with a URL for (generated images, synthesized audio, videos): bounded in time
and size, retried like API requests, and never sent with the API key.

The storage hosts behind those URLs are third parties (CDNs, signed bucket links), so everything they send is
distrusted: a status, a body or a redirect that is not what a file download should be ends in the caller's
download error, naming the URL.
"""

import asyncio
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import httpx
from haystack import logging
from openai import OpenAIError

from .retries import is_retryable, retry_wait

logger = logging.getLogger(__name__)


class DownloadError(OpenAIError):
    """
    A file AI/ML API gave the address of could not be fetched.

    :param url: The address that could not be fetched.
    :param reason: Why: the HTTP status, the connection error, the size or time limit, or what came back instead.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Could not download {url}: {reason}.")
        self.url = url
        self.reason = reason


ErrorFactory = Callable[[str, str], Exception]
"""Builds the error a caller raises for a failed download from the URL and the reason, e.g. `DownloadError`."""


def check_download_url(url: str, error_type: ErrorFactory = DownloadError) -> None:
    """Raise `error_type(url, reason)` unless `url` is an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise error_type(url, "it is not an absolute http(s) URL")


class _TransientDownloadError(Exception):
    """A download attempt that failed in a way worth another try; `error` is what the caller sees if none is left."""

    def __init__(self, error: Exception, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.headers = headers or {}


def _wait_before_retry(transient: _TransientDownloadError, attempt: int, max_retries: int, what: str) -> float:
    """The wait before the next attempt; re-raises the final error once `max_retries` retries are spent."""
    if attempt >= max_retries:
        raise transient.error from transient.error.__cause__
    wait = retry_wait(transient.headers, attempt)
    logger.warning(
        "Retrying the {what} download in {wait:.2f} s (retry {retry} of {max_retries}): {error}",
        what=what,
        wait=wait,
        retry=attempt + 1,
        max_retries=max_retries,
        error=transient.error,
    )
    return wait


def _check_response(url: str, response: httpx.Response, max_bytes: int, error_type: ErrorFactory) -> None:
    if not response.is_success:
        error = error_type(url, f"the server answered HTTP {response.status_code}")
        if is_retryable(response):
            raise _TransientDownloadError(error, response.headers)
        raise error
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise error_type(url, f"it is {int(length)} bytes, over the limit of max_download_bytes={max_bytes}")


def _describe(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"it did not arrive in time ({type(error).__name__})"
    return f"{type(error).__name__}: {error}"


def _transfer_error(url: str, error: httpx.HTTPError, error_type: ErrorFactory) -> Exception:
    """The error for a failed transfer: a dropped or refused connection may be retried, a timeout may not (the
    timeout bounds a whole attempt, and the server had that long)."""
    final = error_type(url, _describe(error))
    final.__cause__ = error
    if isinstance(error, httpx.TransportError) and not isinstance(error, httpx.TimeoutException):
        return _TransientDownloadError(final)
    return final


class _Receiver:
    """Collects a body chunk by chunk, enforcing the size cap and an overall deadline."""

    def __init__(self, url: str, *, timeout: float, max_bytes: int, error_type: ErrorFactory) -> None:
        self.url = url
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.error_type = error_type
        # httpx's timeout bounds each read; a server that trickles bytes needs a bound on the whole transfer too.
        self.deadline = time.monotonic() + timeout
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise self.error_type(self.url, f"it is larger than the limit of max_download_bytes={self.max_bytes}")
        if time.monotonic() > self.deadline:
            raise self.error_type(self.url, f"it did not arrive within download_timeout={self.timeout} s")
        self.chunks.append(chunk)

    def body(self) -> bytes:
        return b"".join(self.chunks)


def _download_once(
    client: httpx.Client, url: str, *, timeout: float, max_bytes: int, error_type: ErrorFactory
) -> tuple[bytes, str | None]:
    receiver = _Receiver(url, timeout=timeout, max_bytes=max_bytes, error_type=error_type)
    try:
        with client.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            _check_response(url, response, max_bytes, error_type)
            for chunk in response.iter_bytes():
                receiver.add(chunk)
            content_type = response.headers.get("content-type")
    except httpx.HTTPError as error:
        raise _transfer_error(url, error, error_type) from error
    return receiver.body(), content_type


async def _download_once_async(
    client: httpx.AsyncClient, url: str, *, timeout: float, max_bytes: int, error_type: ErrorFactory
) -> tuple[bytes, str | None]:
    receiver = _Receiver(url, timeout=timeout, max_bytes=max_bytes, error_type=error_type)
    try:
        async with client.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            _check_response(url, response, max_bytes, error_type)
            async for chunk in response.aiter_bytes():
                receiver.add(chunk)
            content_type = response.headers.get("content-type")
    except httpx.HTTPError as error:
        raise _transfer_error(url, error, error_type) from error
    return receiver.body(), content_type


def download(
    client: httpx.Client,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    max_retries: int = 0,
    error_type: ErrorFactory = DownloadError,
    what: str = "file",
) -> tuple[bytes, str | None]:
    """
    Fetches `url` with `client`, following redirects, and returns the body and its declared `Content-Type`.

    The request carries none of the API's headers: the file lives on a storage host, which must not see the key.
    A refused or dropped connection, or a 408, 409, 429 or 5xx answer, is retried up to `max_retries` times, after the
    server's `Retry-After` or an exponential backoff.

    :param client: The httpx client to fetch with (a bare one: not the `openai` client, which adds the key).
    :param url: The address to fetch.
    :param timeout: Seconds one attempt may take.
    :param max_bytes: The largest body accepted.
    :param max_retries: How often a transient failure is retried.
    :param error_type: Builds the error raised, from the URL and the reason; `DownloadError` by default.
    :param what: What is downloaded ("image", "audio"), for the retry warnings.
    :raises DownloadError: (or what `error_type` builds) The URL is not http(s), the server answered an error
        status, the body is over `max_bytes`, or an attempt took longer than `timeout` seconds.
    """
    check_download_url(url, error_type)
    attempt = 0
    while True:
        try:
            return _download_once(client, url, timeout=timeout, max_bytes=max_bytes, error_type=error_type)
        except _TransientDownloadError as transient:
            time.sleep(_wait_before_retry(transient, attempt, max_retries, what))
        attempt += 1


async def download_async(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    max_retries: int = 0,
    error_type: ErrorFactory = DownloadError,
    what: str = "file",
) -> tuple[bytes, str | None]:
    """
    The asynchronous twin of `download`.

    :param client: The httpx client to fetch with.
    :param url: The address to fetch.
    :param timeout: Seconds one attempt may take.
    :param max_bytes: The largest body accepted.
    :param max_retries: How often a transient failure is retried.
    :param error_type: Builds the error raised, from the URL and the reason; `DownloadError` by default.
    :param what: What is downloaded ("image", "audio"), for the retry warnings.
    """
    check_download_url(url, error_type)
    attempt = 0
    while True:
        try:
            return await _download_once_async(client, url, timeout=timeout, max_bytes=max_bytes, error_type=error_type)
        except _TransientDownloadError as transient:
            await asyncio.sleep(_wait_before_retry(transient, attempt, max_retries, what))
        attempt += 1
