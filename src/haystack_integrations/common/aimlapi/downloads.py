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
import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from haystack import logging
from openai import OpenAIError

from .retries import is_retryable, retry_wait

logger = logging.getLogger(__name__)

# Redirects followed before a download gives up, as many as httpx's own default.
MAX_REDIRECTS = 20


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


# What a host name may hold once in ASCII (IDNA): letters, digits, hyphens and underscores in dot-separated labels
# of 1..63 characters; or an IP address (IPv6 without its brackets, perhaps with a zone).
_HOST_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?")
_MAX_HOST_LENGTH = 253


def _host_problem(host: str) -> str | None:
    if ":" in host:
        return None if _IPV6.fullmatch(host) else f"the host {host!r} is not an IP address"
    labels = host.removesuffix(".").split(".")
    if len(host) > _MAX_HOST_LENGTH or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return f"the host {host!r} is not a valid host name"
    return None


def check_download_url(url: str, error_type: ErrorFactory = DownloadError) -> None:
    """
    Raise `error_type(url, reason)` unless `url` is an absolute http(s) URL that can be requested: a well-formed
    host (no spaces, no empty labels), a port in 0..65535, nothing httpx refuses. Checked before any connection,
    so a malformed address never reaches name resolution.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number in 0..65535
        host = httpx.URL(url).raw_host.decode("ascii")  # raises for a malformed host, characters no URL may hold
    except (ValueError, httpx.InvalidURL) as error:
        raise error_type(url, f"it is not a valid URL ({error})") from error
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise error_type(url, "it is not an absolute http(s) URL")
    problem = _host_problem(host)
    if problem:
        raise error_type(url, f"it is not a valid URL ({problem})")


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


def _transfer_error(url: str, error: Exception, error_type: ErrorFactory) -> Exception:
    """
    The error for a failed transfer. A dropped or refused connection may be retried; a timeout may not (the timeout
    bounds a whole attempt, and the server had that long), nor may an address that cannot be requested: a redirect to
    a scheme other than http(s) or to a malformed URL.
    """
    if isinstance(error, httpx.UnsupportedProtocol):
        final = error_type(url, f"it leads to an address that is not http(s) ({error})")
    elif isinstance(error, httpx.HTTPError):
        final = error_type(url, _describe(error))
    else:
        # httpx.InvalidURL, ValueError (a redirect to a port out of range, say), OSError or an ExceptionGroup from
        # the network layer: nothing but the caller's download error may escape.
        final = error_type(url, f"it leads to an address that cannot be fetched ({type(error).__name__}: {error})")
    final.__cause__ = error
    if isinstance(error, httpx.TransportError) and not isinstance(
        error, httpx.TimeoutException | httpx.UnsupportedProtocol
    ):
        return _TransientDownloadError(final)
    return final


# What a request may raise besides httpx.HTTPError for an address or a network failure httpx does not wrap.
_OTHER_TRANSFER_ERRORS = (httpx.InvalidURL, ValueError, OSError, ExceptionGroup)


def _deadline_error(url: str, timeout: float, error_type: ErrorFactory) -> Exception:
    return error_type(url, f"it did not arrive within download_timeout={timeout} s")


class _Watchdog:
    """
    Remembers the socket a synchronous attempt connected, through httpx's documented `trace` request extension,
    so that the attempt can be cut off once its time is up.

    httpx's timeouts bound each read, not the whole response: a server that sends a header byte every second never
    trips a 10-second read timeout. Shutting the socket down wakes the thread blocked reading it.
    """

    def __init__(self) -> None:
        self._stream: Any = None
        self._lock = threading.Lock()

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            with self._lock:
                self._stream = info.get("return_value")

    def cut_off(self) -> None:
        with self._lock:
            stream = self._stream
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sock.shutdown(socket.SHUT_RDWR)


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
        self.abandoned = False

    def abandon(self) -> None:
        """The caller gave up on this attempt: the next chunk ends it."""
        self.abandoned = True

    def add(self, chunk: bytes) -> None:
        if self.abandoned:
            raise self.error_type(self.url, f"it did not arrive within download_timeout={self.timeout} s")
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise self.error_type(self.url, f"it is larger than the limit of max_download_bytes={self.max_bytes}")
        if time.monotonic() > self.deadline:
            raise self.error_type(self.url, f"it did not arrive within download_timeout={self.timeout} s")
        self.chunks.append(chunk)

    def body(self) -> bytes:
        return b"".join(self.chunks)


def _redirect_target(url: str, response: httpx.Response, error_type: ErrorFactory) -> str | None:
    """
    Where a redirect leads, checked like the address itself before anything connects to it; `None` when `response`
    is not a redirect. Redirects are followed here rather than by httpx so that every hop is checked (scheme, host,
    port) and counted.
    """
    if not response.is_redirect:
        return None
    target = urljoin(str(response.url), response.headers["location"])

    def refused(_: str, reason: str) -> Exception:
        return error_type(url, f"it redirects to {target!r}, and {reason.removeprefix('it ')}")

    check_download_url(target, refused)
    return target


def _attempt(
    client: httpx.Client, url: str, receiver: "_Receiver", *, timeout: float, trace: Callable[..., None]
) -> tuple[bytes, str | None]:
    error_type = receiver.error_type
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            with client.stream(
                "GET", current, timeout=timeout, follow_redirects=False, extensions={"trace": trace}
            ) as response:
                target = _redirect_target(url, response, error_type)
                if target is None:
                    _check_response(url, response, receiver.max_bytes, error_type)
                    for chunk in response.iter_bytes():
                        receiver.add(chunk)
                    return receiver.body(), response.headers.get("content-type")
            current = target
    except (httpx.HTTPError, *_OTHER_TRANSFER_ERRORS) as error:
        raise _transfer_error(url, error, error_type) from error
    raise error_type(url, f"it redirects more than {MAX_REDIRECTS} times")


def _download_once(
    client: httpx.Client, url: str, *, timeout: float, max_bytes: int, error_type: ErrorFactory
) -> tuple[bytes, str | None]:
    """
    One attempt, bounded by `timeout` in all. It runs in a worker thread, so the caller regains control when the
    time is up even while the attempt is blocked reading a trickle of header bytes; the watchdog then shuts the
    attempt's socket down, which ends it.
    """
    receiver = _Receiver(url, timeout=timeout, max_bytes=max_bytes, error_type=error_type)
    watchdog = _Watchdog()
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = _attempt(client, url, receiver, timeout=timeout, trace=watchdog.trace)
        except BaseException as error:  # handed to the caller's thread as it is
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="aimlapi-download", daemon=True).start()
    if not done.wait(timeout):
        receiver.abandon()
        watchdog.cut_off()
        raise _deadline_error(url, timeout, error_type)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _download_once_async(
    client: httpx.AsyncClient, url: str, *, timeout: float, max_bytes: int, error_type: ErrorFactory
) -> tuple[bytes, str | None]:
    receiver = _Receiver(url, timeout=timeout, max_bytes=max_bytes, error_type=error_type)
    current = url
    try:
        # httpx's timeouts bound each read; this bounds the whole attempt, headers trickled byte by byte included.
        async with asyncio.timeout(timeout):
            for _ in range(MAX_REDIRECTS + 1):
                async with client.stream("GET", current, timeout=timeout, follow_redirects=False) as response:
                    target = _redirect_target(url, response, error_type)
                    if target is None:
                        _check_response(url, response, max_bytes, error_type)
                        async for chunk in response.aiter_bytes():
                            receiver.add(chunk)
                        return receiver.body(), response.headers.get("content-type")
                current = target
    except TimeoutError:
        raise _deadline_error(url, timeout, error_type) from None
    except (httpx.HTTPError, *_OTHER_TRANSFER_ERRORS) as error:
        raise _transfer_error(url, error, error_type) from error
    raise error_type(url, f"it redirects more than {MAX_REDIRECTS} times")


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
