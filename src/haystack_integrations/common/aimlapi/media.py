# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
What the media components (OCR, speech-to-text, text-to-speech) share: reading their sources, decoding JSON answers
that arrive as raw `httpx.Response`s, `data:` URLs, audio MIME types, and running sources concurrently in order.
"""

import asyncio
import base64
import json
import mimetypes
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from haystack.dataclasses import ByteStream
from openai import OpenAIError

Source = str | Path | ByteStream
"""A source as the media components take it: a file path, a `ByteStream`, or an http(s) URL (as a `str`)."""

_T = TypeVar("_T")
_R = TypeVar("_R")


class MediaResponseError(OpenAIError):
    """
    AI/ML API accepted a media request (a 2xx status), but its answer cannot be read: not JSON where JSON was
    due, or JSON without the expected parts.

    :param message: What was wrong, in words.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AudioDownloadError(MediaResponseError):
    """
    AI/ML API answered with the address of generated audio, and fetching it failed.

    :param url: The address that could not be fetched.
    :param reason: Why: the HTTP status, the connection error, the size limit, or what came back instead of audio.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Could not download the generated audio at {url}: {reason}.")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class MediaSource:
    """
    One source, read: either a URL the server fetches itself, or bytes to send.

    :param label: How messages and `meta["source"]` name it: the URL, the file path, or the ByteStream's
        `file_path`/`file_name` meta, else `"ByteStream #<position>"`.
    :param url: The http(s) URL, for a URL source.
    :param data: The bytes, for a path or a `ByteStream`.
    :param mime_type: The declared or guessed MIME type of the bytes, if known.
    :param file_name: A file name for uploads.
    :param meta: The `ByteStream`'s own meta, if any.
    """

    label: str
    url: str | None = None
    data: bytes | None = None
    mime_type: str | None = None
    file_name: str = "upload"
    meta: dict[str, Any] = field(default_factory=dict)


def is_http_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def check_sources(sources: object, parameter: str = "sources") -> list[Source]:
    """`sources` as a list, or a `TypeError` naming the first entry that is neither a path, a ByteStream nor a URL."""
    if isinstance(sources, str | Path | ByteStream) or not isinstance(sources, Sequence):
        raise TypeError(
            f"{parameter} must be a list of file paths, ByteStreams or http(s) URLs, got {type(sources).__name__}. "
            f"Wrap a single source in a list: {parameter}=[...]."
        )
    for position, source in enumerate(sources):
        if not isinstance(source, str | Path | ByteStream):
            raise TypeError(
                f"{parameter}[{position}] is a {type(source).__name__}; pass a file path (str or Path), a "
                "haystack.dataclasses.ByteStream, or an http(s) URL."
            )
        if isinstance(source, str) and not source.strip():
            raise ValueError(f"{parameter}[{position}] is an empty string; pass a file path or an http(s) URL.")
    return list(sources)


def check_meta(meta: object, count: int) -> list[dict[str, Any]]:
    """`meta` as one dict per source: `None`, one dict for all, or a list of as many dicts as there are sources."""
    if meta is None:
        return [{} for _ in range(count)]
    if isinstance(meta, dict):
        return [dict(meta) for _ in range(count)]
    if isinstance(meta, list) and all(isinstance(item, dict) for item in meta):
        if len(meta) != count:
            raise ValueError(
                f"meta has {len(meta)} entries but there are {count} sources; pass one dict per source, or one dict "
                "for all of them."
            )
        return [dict(item) for item in meta]
    raise TypeError(f"meta must be a dict, or a list of one dict per source, got {type(meta).__name__}.")


def _guess_mime(name: str) -> str | None:
    guessed, _ = mimetypes.guess_type(name)
    return guessed


def _upload_name(mime_type: str | None) -> str:
    """A file name for unnamed bytes, with the extension of their type: some servers judge a file by its name."""
    base = (mime_type or "").split(";", 1)[0].strip().lower()
    extension = _EXTENSIONS.get(base) or (mimetypes.guess_extension(base) if base else None)
    return f"upload{extension or ''}"


# Types `mimetypes` does not know on every system.
_EXTENSIONS = {
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/flac": ".flac",
    "audio/ogg": ".ogg",
}


def read_source(source: Source, position: int) -> MediaSource:
    """
    Reads a source: URLs are left for the server to fetch; paths and ByteStreams become bytes.

    :raises FileNotFoundError / OSError: A path cannot be read (the caller records it as a failed source).
    """
    if isinstance(source, ByteStream):
        meta = dict(source.meta or {})
        name = str(meta.get("file_path") or meta.get("file_name") or "")
        label = name or f"ByteStream #{position}"
        file_name = Path(name).name if name else _upload_name(source.mime_type)
        return MediaSource(
            label=label,
            data=source.data,
            mime_type=source.mime_type or (_guess_mime(name) if name else None),
            file_name=file_name,
            meta=meta,
        )
    if isinstance(source, str) and is_http_url(source):
        return MediaSource(label=source.strip(), url=source.strip())
    path = Path(source)
    data = path.read_bytes()
    return MediaSource(label=str(source), data=data, mime_type=_guess_mime(path.name), file_name=path.name)


def data_url(data: bytes, mime_type: str) -> str:
    """`data` as a base64 `data:` URL."""
    return f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"


def response_json(response: httpx.Response, what: str) -> Any:
    """The decoded JSON body of a 2xx answer, or a `MediaResponseError` quoting the start of what came instead."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as error:
        excerpt = response.content[:120].decode("utf-8", errors="replace")
        content_type = response.headers.get("content-type", "no content type")
        raise MediaResponseError(
            f"The {what} answer is not JSON ({content_type}): {excerpt!r}"
            + ("…" if len(response.content) > 120 else "")
        ) from error


def _sniff_audio(data: bytes) -> str | None:  # noqa: PLR0911  # one return per format
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"ID3"):
        return "audio/mpeg"
    if data.startswith(b"fLaC"):
        return "audio/flac"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    if len(data) > 1 and data[0] == 0xFF:
        if data[1] & 0xF6 == 0xF0:  # ADTS frame sync with layer bits 00
            return "audio/aac"
        if data[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
            return "audio/mpeg"
    return None


def audio_mime_type(data: bytes, declared: str | None, expected: str | None = None) -> str:
    """
    The MIME type of audio bytes: what the bytes say, else an `audio/*` type the server declared, else what was
    asked for (`expected`, e.g. `audio/pcm` for raw samples, which have no signature), else
    `application/octet-stream`.
    """
    sniffed = _sniff_audio(data)
    if sniffed:
        return sniffed
    if declared:
        declared = declared.split(";", 1)[0].strip().lower()
        if declared.startswith("audio/"):
            return declared
    return expected or "application/octet-stream"


def audio_download_mime_type(data: bytes, declared: str | None) -> str | None:
    """For the safe download: the audio MIME type of downloaded bytes, or `None` (refused) when neither the bytes
    nor the declared type say audio. A CDN's `application/octet-stream` with audio bytes passes."""
    mime_type = audio_mime_type(data, declared, None)
    return None if mime_type == "application/octet-stream" else mime_type


def map_in_order(function: Callable[[_T], _R], items: Sequence[_T], max_concurrency: int) -> list[_R]:
    """`function` over `items` on up to `max_concurrency` threads; results in the order of `items`."""
    if max_concurrency <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    executor = ThreadPoolExecutor(max_workers=min(max_concurrency, len(items)))
    try:
        return list(executor.map(function, items))
    finally:
        # After a failure, items not yet started are dropped rather than run for a result nobody will read.
        executor.shutdown(wait=True, cancel_futures=True)


async def gather_in_order(
    function: Callable[[_T], Awaitable[_R]], items: Sequence[_T], max_concurrency: int
) -> list[_R]:
    """`function` over `items`, at most `max_concurrency` at a time; results in the order of `items`."""
    semaphore = asyncio.Semaphore(max(1, max_concurrency))

    async def limited(item: _T) -> _R:
        async with semaphore:
            return await function(item)

    tasks = [asyncio.ensure_future(limited(item)) for item in items]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        # A failure (or the caller's cancellation) ends the call: the other items must not run on unobserved.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}.")


def failed_source(label: str, error: BaseException, **extra: Any) -> dict[str, Any]:
    """An entry of `meta["failed_sources"]`: the source, the error's type and its message."""
    entry: dict[str, Any] = {"source": label, "error": type(error).__name__, "reason": str(error)}
    entry.update({key: value for key, value in extra.items() if value is not None})
    return entry
