# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API's image models: which family a model id belongs to, what each family calls its request parameters, and
the shapes image responses come in.

`POST /v1/images/generations` serves several upstream families behind one path, and each keeps its own parameter
names: OpenAI-style models take `n` and `size` ("1024x1024"), fal-style models (Flux, Stable Diffusion, Recraft)
take `num_images` and `image_size` (a preset or `{width, height}`), Google's take `num_images` and `aspect_ratio`.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import gcd
from typing import Any, Literal, cast, get_args

import httpx
from openai import APIResponseValidationError, OpenAIError

from .downloads import download, download_async
from .errors import redact

ImageFamily = Literal["openai", "fal", "google"]
"""The request conventions an image model follows."""

IMAGE_FAMILIES: tuple[ImageFamily, ...] = get_args(ImageFamily)

IMAGE_GENERATIONS_PATH = "/images/generations"

# Model-id patterns per family, matched against the lower-cased id. Checked in order: the first match wins.
_FAMILY_PATTERNS: tuple[tuple[ImageFamily, re.Pattern[str]], ...] = (
    ("google", re.compile(r"^google/|^imagen|nano-banana")),
    ("fal", re.compile(r"^(fal-ai/|flux|stable-diffusion|recraft)")),
    ("openai", re.compile(r"^(openai/|dall-e|gpt-image|x-ai/|bytedance/)|seedream|grok-.*image")),
)

# What each family calls the number of images, the size, and the seed.
COUNT_PARAMETER: Mapping[ImageFamily, str] = {"openai": "n", "fal": "num_images", "google": "num_images"}
SIZE_PARAMETER: Mapping[ImageFamily, str] = {"openai": "size", "fal": "image_size", "google": "aspect_ratio"}
SEED_PARAMETER: Mapping[ImageFamily, str] = {"openai": "seed", "fal": "seed", "google": "seed"}

FAL_IMAGE_SIZE_PRESETS = (
    "square_hd",
    "square",
    "portrait_4_3",
    "portrait_16_9",
    "landscape_4_3",
    "landscape_16_9",
)
"""The named sizes fal-style models accept as `image_size`."""

ImageSize = str | Mapping[str, int] | Sequence[int]
"""A size as callers give it: `"1024x768"`, `(1024, 768)`, `{"width": 1024, "height": 768}`, a fal preset such
as `"landscape_4_3"`, an aspect ratio such as `"16:9"`, or `"auto"` (OpenAI-style models)."""

_DIMENSIONS = re.compile(r"^\s*(\d+)\s*[xX\u00d7]\s*(\d+)\s*$")  # 1024x768, 1024X768, or with the multiplication sign
_RATIO = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")

_SIZE_FORMS = (
    "Pass 'WIDTHxHEIGHT' (e.g. '1024x768'), (width, height), {'width': ..., 'height': ...}, a fal preset "
    f"({', '.join(FAL_IMAGE_SIZE_PRESETS)}), an aspect ratio such as '16:9', or 'auto'"
)


def infer_image_family(model: str) -> ImageFamily | None:
    """The family of `model` (`"openai"`, `"fal"` or `"google"`), or `None` for an id no pattern knows."""
    lowered = model.strip().lower()
    for family, pattern in _FAMILY_PATTERNS:
        if pattern.search(lowered):
            return family
    return None


def check_image_family(family: object) -> ImageFamily:
    """`family` if it names a known family; a `ValueError` listing the families otherwise."""
    if family not in IMAGE_FAMILIES:
        raise ValueError(f"model_family must be one of {', '.join(map(repr, IMAGE_FAMILIES))}, got {family!r}.")
    return cast(ImageFamily, family)


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True)
class _ParsedSize:
    width: int | None = None
    height: int | None = None
    preset: str | None = None
    ratio: str | None = None
    auto: bool = False


def _parse_size(size: object) -> _ParsedSize:
    if isinstance(size, str):
        if size.strip().lower() == "auto":
            return _ParsedSize(auto=True)
        if size.strip() in FAL_IMAGE_SIZE_PRESETS:
            return _ParsedSize(preset=size.strip())
        dimensions = _DIMENSIONS.match(size)
        if dimensions and all(int(part) > 0 for part in dimensions.groups()):
            return _ParsedSize(width=int(dimensions[1]), height=int(dimensions[2]))
        ratio = _RATIO.match(size)
        if ratio and all(int(part) > 0 for part in ratio.groups()):
            return _ParsedSize(ratio=f"{int(ratio[1])}:{int(ratio[2])}")
    elif isinstance(size, Mapping):
        width, height = size.get("width"), size.get("height")
        if set(size) == {"width", "height"} and _positive(width) and _positive(height):
            return _ParsedSize(width=cast(int, width), height=cast(int, height))
    elif isinstance(size, Sequence) and len(size) == 2 and all(_positive(part) for part in size):
        return _ParsedSize(width=size[0], height=size[1])
    raise ValueError(f"size {size!r} is not a size. {_SIZE_FORMS}.")


def check_image_size(size: object) -> None:
    """Raise a `ValueError` if `size` is in none of the forms `ImageSize` describes."""
    if size is not None:
        _parse_size(size)


def size_parameter(family: ImageFamily, size: ImageSize) -> tuple[str, Any]:
    """
    The request key and value that ask a model of `family` for `size`.

    - OpenAI-style: `size: "WIDTHxHEIGHT"` (or `"auto"`);
    - fal-style: `image_size: {"width": ..., "height": ...}`, or a preset name as is;
    - Google: `aspect_ratio: "W:H"`; dimensions are reduced to their ratio (1920x1080 becomes "16:9").

    Raises `ValueError` for a malformed size, or one the family has no way to express (a fal preset for an
    OpenAI-style model, say).
    """
    parsed = _parse_size(size)
    key = SIZE_PARAMETER[family]
    dimensions = (parsed.width, parsed.height) if parsed.width and parsed.height else None
    if family == "openai":
        if parsed.auto:
            return key, "auto"
        if dimensions:
            return key, f"{dimensions[0]}x{dimensions[1]}"
    elif family == "fal":
        if parsed.preset:
            return key, parsed.preset
        if dimensions:
            return key, {"width": dimensions[0], "height": dimensions[1]}
    elif family == "google":
        if parsed.ratio:
            return key, parsed.ratio
        if dimensions:
            divisor = gcd(*dimensions)
            return key, f"{dimensions[0] // divisor}:{dimensions[1] // divisor}"
    presets = ", ".join(FAL_IMAGE_SIZE_PRESETS)
    accepted = {
        "openai": "'WIDTHxHEIGHT', (width, height), {'width', 'height'} or 'auto'",
        "fal": f"'WIDTHxHEIGHT', (width, height), {{'width', 'height'}} or a preset ({presets})",
        "google": "an aspect ratio such as '16:9', or dimensions, which are reduced to their ratio",
    }[family]
    raise ValueError(
        f"size {size!r} cannot be expressed for {family}-style models, which take {key!r}: pass {accepted}. "
        f"To send a value as is, put it in generation_kwargs={{{key!r}: ...}} instead."
    )


@dataclass(frozen=True)
class GeneratedImage:
    """
    One image as a response body describes it, before anything is downloaded or decoded.

    :param url: Where the image can be fetched: an http(s) URL or a `data:` URL.
    :param base64: The image's bytes, base64-encoded (possibly as a `data:` URL), when the body carried them.
    :param mime_type: The MIME type the body declared (`content_type` of fal-style entries), if any.
    :param revised_prompt: The prompt the model actually used, when it rewrote the one sent.
    :param width: The width the body declared, if any.
    :param height: The height the body declared, if any.
    """

    url: str | None = None
    base64: str | None = None
    mime_type: str | None = None
    revised_prompt: str | None = None
    width: int | None = None
    height: int | None = None


# Keys an entry may carry its bytes or its address under, across the response shapes.
_BASE64_KEYS = ("b64_json", "image_base64", "base64")
_URL_KEYS = ("url", "image_url")
_MIME_KEYS = ("content_type", "mime_type")


def _first_string(entry: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, Mapping):  # `image_url: {"url": ...}`
            value = value.get("url")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _image_entries(body: Mapping[str, Any]) -> list[Any]:
    """The list of per-image entries in any of the three response shapes."""
    for key in ("data", "images"):
        entries = body.get(key)
        if isinstance(entries, list):
            return entries
    output = body.get("output")
    if isinstance(output, Mapping):
        choices = output.get("choices")
        if isinstance(choices, list):
            return choices
    return []


@dataclass(frozen=True)
class MissingImage:
    """
    An entry of a response's image list that holds no image that can be read.

    :param index: The entry's position in the response's list of images.
    :param reason: Why it could not be read, in words.
    """

    index: int
    reason: str


@dataclass(frozen=True)
class ImageAnswer:
    """
    Everything a response body says about its images.

    :param images: The readable images, in order, each with its position in the response's list of images.
    :param missing: The entries of that list that hold no readable image; they are reported, never dropped silently.
    :param nsfw_flags: The body's `has_nsfw_concepts` list as sent (fal-style models: one flag per position, `True`
        for an image the safety checker flagged, usually a black placeholder), or `None` when the body has none.
    """

    images: tuple[tuple[int, GeneratedImage], ...] = ()
    missing: tuple[MissingImage, ...] = ()
    nsfw_flags: tuple[Any, ...] | None = None

    def is_flagged(self, index: int) -> bool:
        """Whether `has_nsfw_concepts` flags the image at position `index` of the response's list."""
        return self.nsfw_flags is not None and index < len(self.nsfw_flags) and self.nsfw_flags[index] is True

    @property
    def flagged_indexes(self) -> list[int]:
        """The positions `has_nsfw_concepts` flags, whether or not an image could be read there."""
        return [index for index, flag in enumerate(self.nsfw_flags or ()) if flag is True]


def _unreadable_reason(entry: object) -> str:
    if entry is None:
        return "the entry is null"
    if isinstance(entry, str):
        return "the entry is an empty string"
    if not isinstance(entry, Mapping):
        return f"the entry is not an object (got {type(entry).__name__})"
    if not entry:
        return "the entry is empty"
    return f"the entry has neither base64 nor a URL (keys: {', '.join(sorted(map(str, entry)))})"


def _read_entry(entry: object) -> GeneratedImage | None:
    if isinstance(entry, str):  # a bare URL in place of an object
        return GeneratedImage(url=entry.strip()) if entry.strip() else None
    if not isinstance(entry, Mapping):
        return None
    base64 = _first_string(entry, _BASE64_KEYS)
    url = _first_string(entry, _URL_KEYS)
    if base64 is None and url is None:
        return None
    revised_prompt = entry.get("revised_prompt")
    return GeneratedImage(
        url=url,
        base64=base64,
        mime_type=_first_string(entry, _MIME_KEYS),
        revised_prompt=revised_prompt if isinstance(revised_prompt, str) and revised_prompt else None,
        width=_int_or_none(entry.get("width")),
        height=_int_or_none(entry.get("height")),
    )


def read_image_answer(body: Mapping[str, Any]) -> ImageAnswer:
    """
    The images a response body describes, in any of the shapes AI/ML API returns:

    - `{"data": [{"url" | "b64_json", "revised_prompt"}]}` (OpenAI-style models);
    - `{"images": [{"url", "width", "height", "content_type"}], "has_nsfw_concepts": [bool, ...]}` (fal-style);
    - `{"output": {"choices": [{"url" | "image_base64"}]}}`.

    Entries that carry neither bytes nor an address are listed in `missing` with the reason; the caller decides
    what an answer without any image means.
    """
    images: list[tuple[int, GeneratedImage]] = []
    missing: list[MissingImage] = []
    for index, entry in enumerate(_image_entries(body)):
        image = _read_entry(entry)
        if image is None:
            missing.append(MissingImage(index=index, reason=_unreadable_reason(entry)))
        else:
            images.append((index, image))
    flags = body.get("has_nsfw_concepts")
    return ImageAnswer(
        images=tuple(images),
        missing=tuple(missing),
        nsfw_flags=tuple(flags) if isinstance(flags, list) else None,
    )


def images_from_body(body: Mapping[str, Any]) -> list[GeneratedImage]:
    """
    The readable images a response body describes, in order; see `read_image_answer` for the shapes.

    Entries that carry neither bytes nor an address are not in this list: use `read_image_answer` to learn which
    they are, and why.
    """
    return [image for _, image in read_image_answer(body).images]


class ImageResponseError(OpenAIError):
    """
    AI/ML API accepted an image request (a 2xx status) but its answer holds no image that can be read: the body is
    empty, not JSON, JSON of another shape, or its entries carry neither bytes nor an address that can be read.

    :param message: What was wrong with the answer, in words.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Longest excerpt of an answer's body quoted in an `ImageAnswerError`.
_MAX_EXCERPT = 200


class ImageAnswerError(ImageResponseError, APIResponseValidationError):
    """
    AI/ML API (or a proxy in front of it) answered an image request with a 2xx status and a body that is not an
    image answer: empty, not JSON (an HTML page, say), JSON that is not an object, or an object with no readable
    image. It is an `ImageResponseError` and an `openai.APIResponseValidationError` (so an `openai.APIError`); its
    text names the status, the content type and a short excerpt of the body, with the API key blanked out.

    :param response: The HTTP response that was read.
    :param reason: What is wrong with it, in words, as it follows "AI/ML API answered HTTP 200": "with text/html
        rather than JSON", say.
    :param secrets: Values blanked out of the text (the API key).
    """

    def __init__(self, response: httpx.Response, reason: str, secrets: tuple[str, ...] = ()) -> None:
        content_type = response.headers.get("content-type") or "no content type"
        text = redact(response.content.decode("utf-8", errors="replace"), secrets)
        excerpt = (text[:_MAX_EXCERPT] + ("…" if len(text) > _MAX_EXCERPT else "")) if text else "(empty)"
        message = (
            f"AI/ML API answered HTTP {response.status_code} {redact(reason, secrets)}. "
            f"Body ({content_type}): {excerpt!r}"
        )
        # openai>=3 annotates httpx2's Response; it takes httpx's at runtime, as the SDK's clients do.
        APIResponseValidationError.__init__(self, response, None, message=message)  # type: ignore[arg-type]


class ImageDownloadError(ImageResponseError):
    """
    AI/ML API answered with the address of an image, and fetching it failed.

    :param url: The address that could not be fetched.
    :param reason: Why: the HTTP status, the connection error, the size limit, or what came back instead of an image.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Could not download the generated image at {url}: {reason}. Pass download_images=False to receive "
            "the URL instead of the image."
        )
        self.url = url
        self.reason = reason


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


def _as_image(url: str, data: bytes, content_type: str | None) -> tuple[bytes, str]:
    # An empty body is no image whatever its declared type: it would become a 0-byte ImageContent.
    mime_type = image_mime_type(data, content_type) if data else None
    if mime_type is None:
        answered = f"the server answered with {content_type or 'no content type'}, not an image"
        raise ImageDownloadError(url, answered + ("" if data else " (the body is empty)"))
    return data, mime_type


def download_image(
    client: httpx.Client, url: str, *, timeout: float, max_bytes: int, max_retries: int = 0
) -> tuple[bytes, str]:
    """
    Fetches a generated image and returns its bytes and MIME type; see `downloads.download` for the rules (no API
    key, retries, size and time limits).

    :param client: The bare httpx client to fetch with.
    :param url: The image's address.
    :param timeout: Seconds one attempt may take in all.
    :param max_bytes: The largest image accepted.
    :param max_retries: How often a transient failure is retried.
    :raises ImageDownloadError: The download failed, or what came back is not an image.
    """
    data, content_type = download(
        client,
        url,
        timeout=timeout,
        max_bytes=max_bytes,
        max_retries=max_retries,
        error_type=ImageDownloadError,
        what="image",
    )
    return _as_image(url, data, content_type)


async def download_image_async(
    client: httpx.AsyncClient, url: str, *, timeout: float, max_bytes: int, max_retries: int = 0
) -> tuple[bytes, str]:
    """
    The asynchronous twin of `download_image`.

    :param client: The bare httpx client to fetch with.
    :param url: The image's address.
    :param timeout: Seconds one attempt may take in all.
    :param max_bytes: The largest image accepted.
    :param max_retries: How often a transient failure is retried.
    :raises ImageDownloadError: The download failed, or what came back is not an image.
    """
    data, content_type = await download_async(
        client,
        url,
        timeout=timeout,
        max_bytes=max_bytes,
        max_retries=max_retries,
        error_type=ImageDownloadError,
        what="image",
    )
    return _as_image(url, data, content_type)
