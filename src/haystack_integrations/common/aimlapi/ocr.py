# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API's OCR endpoint, `POST /v1/ocr`: model families, their limits and request shapes, and the answer shape.

Mistral OCR and Zhipu GLM-OCR take `document: {"type": "document_url" | "image_url", ...}` and 0-based `pages`
(`"3"`, `"0-2"` or `[0, 3, 4]`); Google Document AI takes `document` as a string, a `mimeType`, and 1-based `pages`
as `{"type": "range" | "indices" | ...}`. All answer `{pages: [{index, markdown, images, dimensions}], model,
usage_info: {pages_processed, doc_size_bytes}, meta?: {usage}}` (Google's reply is documented only as reusing that
shape).
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .cost import cost_from_body
from .media import MediaResponseError

OCR_PATH = "/ocr"
"""Path below the `/v1` base URL."""

DEFAULT_OCR_MODEL = "mistral/mistral-ocr-4-0"

OcrFamily = Literal["mistral", "glm", "google"]

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class OcrFamilySpec:
    """
    What one family of OCR models takes.

    :param max_bytes: The documented largest document.
    :param max_pages: The documented most pages per document.
    :param max_image_bytes: The documented largest image, when images have a lower limit.
    :param image_types: The image MIME types the family documents (empty: any image).
    :param document_types: MIME types sent as a document rather than an image.
    :param pages_base: 0 for 0-based page numbers on the wire, 1 for 1-based.
    :param max_page_indices: The most page indices one request may list, if limited.
    :param extra_fields: Request fields only this family takes (others are refused before sending).
    """

    max_bytes: int | None
    max_pages: int | None
    max_image_bytes: int | None = None
    image_types: tuple[str, ...] = ()
    document_types: tuple[str, ...] = ("application/pdf",)
    pages_base: int = 0
    max_page_indices: int | None = None
    extra_fields: tuple[str, ...] = ()


OCR_FAMILIES: Mapping[OcrFamily, OcrFamilySpec] = {
    "mistral": OcrFamilySpec(
        max_bytes=50 * MEGABYTE,
        max_pages=1000,
        extra_fields=("bbox_annotation_format", "document_annotation_format", "document_annotation_prompt"),
    ),
    "glm": OcrFamilySpec(
        max_bytes=50 * MEGABYTE,
        max_pages=100,
        max_image_bytes=10 * MEGABYTE,
        image_types=("image/jpeg", "image/png"),
        extra_fields=("return_crop_images", "need_layout_visualization"),
    ),
    "google": OcrFamilySpec(
        max_bytes=None,
        max_pages=None,
        image_types=("image/gif", "image/tiff", "image/jpeg", "image/png", "image/bmp", "image/webp"),
        document_types=("application/pdf", "text/html"),
        pages_base=1,
        max_page_indices=15,
    ),
}
"""One row per family; `infer_ocr_family` picks the row for a model id."""

# Request fields Mistral and GLM share; Google takes none of them.
COMMON_FIELDS = ("include_image_base64", "image_limit", "image_min_size")

_OCR_PATTERNS: tuple[tuple[OcrFamily, re.Pattern[str]], ...] = (
    ("google", re.compile(r"^google/|document-ai")),
    ("glm", re.compile(r"glm|zhipu")),
    ("mistral", re.compile(r"mistral")),
)


def infer_ocr_family(model: str) -> OcrFamily:
    """The family of an OCR model id; Mistral's conventions for ids no pattern knows."""
    lowered = model.strip().lower()
    for family, pattern in _OCR_PATTERNS:
        if pattern.search(lowered):
            return family
    return "mistral"


Pages = int | str | Sequence[int]
"""Pages as callers give them, 0-based: `3`, `"3"`, `"0-2"`, `"0,3,4"` or `[0, 3, 4]`."""

_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


def parse_pages(pages: object) -> list[int] | tuple[int, int] | None:
    """
    `pages` as a sorted list of 0-based indices, or a `(first, last)` range; `None` for all pages.

    :raises ValueError / TypeError: `pages` is in none of the forms `Pages` describes.
    """
    if pages is None:
        return None
    if isinstance(pages, bool):
        raise TypeError("pages must be an int, a str such as '0-2' or '0,3,4', or a list of ints, not a bool.")
    if isinstance(pages, int):
        pages = [pages]
    if isinstance(pages, str):
        ranged = _RANGE.match(pages)
        if ranged:
            first, last = int(ranged[1]), int(ranged[2])
            if first > last:
                raise ValueError(f"pages {pages!r} runs backwards; write the lower page first, e.g. '0-2'.")
            return first, last
        parts = [part.strip() for part in pages.split(",")]
        if not all(part.isdigit() for part in parts):
            raise ValueError(
                f"pages {pages!r} is not a page list; pass e.g. '3', '0-2', '0,3,4' or [0, 3, 4] (0-based)."
            )
        pages = [int(part) for part in parts]
    if isinstance(pages, Sequence) and not isinstance(pages, str):
        if not pages or not all(isinstance(page, int) and not isinstance(page, bool) and page >= 0 for page in pages):
            raise ValueError(f"pages {pages!r} must list page numbers >= 0 (0-based), e.g. [0, 3, 4].")
        return sorted(set(pages))
    raise TypeError(f"pages must be an int, a str such as '0-2', or a list of ints, got {type(pages).__name__}.")


def _pages_field(family: OcrFamily, parsed: list[int] | tuple[int, int]) -> Any:
    spec = OCR_FAMILIES[family]
    if family != "google":
        if isinstance(parsed, tuple):
            return f"{parsed[0]}-{parsed[1]}"
        return parsed
    base = spec.pages_base
    if isinstance(parsed, tuple):
        return {"type": "range", "start": parsed[0] + base, "end": parsed[1] + base}
    if spec.max_page_indices is not None and len(parsed) > spec.max_page_indices:
        raise ValueError(
            f"pages lists {len(parsed)} pages; Google Document AI takes at most {spec.max_page_indices} page indices. "
            "Pass a range such as '0-29' instead."
        )
    return {"type": "indices", "indices": [page + base for page in parsed]}


def check_pages(family: OcrFamily, pages: object) -> None:
    """Raise a `ValueError` / `TypeError` for `pages` in no accepted form, or one the family cannot express."""
    parsed = parse_pages(pages)
    if parsed is not None:
        _pages_field(family, parsed)


def check_ocr_fields(family: OcrFamily, fields: Mapping[str, Any]) -> None:
    """Raise a `ValueError` for a request field the family does not take."""
    allowed = set(OCR_FAMILIES[family].extra_fields)
    if family != "google":
        allowed |= set(COMMON_FIELDS)
    unknown_family_fields = {
        name
        for other, spec in OCR_FAMILIES.items()
        if other != family
        for name in (*spec.extra_fields, *(COMMON_FIELDS if other != "google" else ()))
    } - allowed
    refused = sorted(set(fields) & unknown_family_fields)
    if refused:
        raise ValueError(
            f"{', '.join(refused)} {'is' if len(refused) == 1 else 'are'} not taken by {family} OCR models; "
            "remove it, or choose a model of a family that takes it."
        )


def ocr_request(
    family: OcrFamily,
    model: str,
    *,
    document: str,
    mime_type: str | None,
    pages: list[int] | tuple[int, int] | None,
    include_image_base64: bool,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """The JSON body of one OCR request. `document` is an http(s) URL or a `data:` URL."""
    body: dict[str, Any] = {"model": model}
    if family == "google":
        body["document"] = document
        if mime_type:
            body["mimeType"] = mime_type
    else:
        is_image = bool(mime_type and mime_type.startswith("image/"))
        kind = "image_url" if is_image else "document_url"
        body["document"] = {"type": kind, kind: document}
        if include_image_base64:
            body["include_image_base64"] = True
    if pages is not None:
        body["pages"] = _pages_field(family, pages)
    body.update(fields)
    return body


@dataclass(frozen=True)
class OcrPage:
    """
    One page of an OCR answer.

    :param index: The page number, 0-based, as the answer gives it.
    :param markdown: The page's text in Markdown.
    :param images: The page's image boxes (`id`, corners, `image_base64` when asked for).
    :param dimensions: `{dpi, height, width}`, if given.
    """

    index: int
    markdown: str
    images: list[dict[str, Any]] = field(default_factory=list)
    dimensions: dict[str, Any] | None = None


@dataclass(frozen=True)
class OcrAnswer:
    """
    Everything an OCR answer says.

    :param pages: The pages, in the answer's order.
    :param model: The upstream model name the answer gives (not the id sent).
    :param pages_processed: `usage_info.pages_processed`.
    :param doc_size_bytes: `usage_info.doc_size_bytes`.
    :param cost: `{"credits_used", "usd_spent"}`, when stated.
    :param document_annotation: Mistral's document annotation, parsed when it is a JSON string.
    """

    pages: list[OcrPage]
    model: str | None = None
    pages_processed: int | None = None
    doc_size_bytes: int | None = None
    cost: dict[str, Any] | None = None
    document_annotation: Any = None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_ocr_answer(body: object) -> OcrAnswer:
    """
    The pages and figures of an OCR answer. A page without a `markdown` string is an error, not an empty page; a
    body with a top-level `text` (or `document.text`) and no pages is read as one page, in case the Google route
    answers in Document AI's own shape.

    :raises MediaResponseError: The answer is not an object, or holds no readable pages.
    """
    if not isinstance(body, Mapping):
        raise MediaResponseError(f"The OCR answer is JSON but not an object ({type(body).__name__}).")
    raw_pages = body.get("pages")
    pages: list[OcrPage] = []
    if isinstance(raw_pages, list) and raw_pages:
        for position, raw in enumerate(raw_pages):
            if not isinstance(raw, Mapping) or not isinstance(raw.get("markdown"), str):
                raise MediaResponseError(f"Page {position} of the OCR answer holds no markdown text.")
            index = _int(raw.get("index"))
            images = raw.get("images")
            dimensions = raw.get("dimensions")
            pages.append(
                OcrPage(
                    index=index if index is not None else position,
                    markdown=raw["markdown"],
                    images=[dict(image) for image in images if isinstance(image, Mapping)]
                    if isinstance(images, list)
                    else [],
                    dimensions=dict(dimensions) if isinstance(dimensions, Mapping) else None,
                )
            )
    else:
        document = body.get("document")
        text = body.get("text")
        if not isinstance(text, str) and isinstance(document, Mapping):
            text = document.get("text")
        if not isinstance(text, str):
            keys = ", ".join(sorted(map(str, body))) or "none"
            raise MediaResponseError(f"The OCR answer holds no pages (keys: {keys}).")
        pages.append(OcrPage(index=0, markdown=text))
    usage_info = body.get("usage_info") if isinstance(body.get("usage_info"), Mapping) else {}
    assert isinstance(usage_info, Mapping)  # noqa: S101  # for the type checker
    annotation = body.get("document_annotation")
    if isinstance(annotation, str):
        try:
            annotation = json.loads(annotation)
        except ValueError:
            pass  # kept as the string it is
    model = body.get("model")
    return OcrAnswer(
        pages=pages,
        model=model if isinstance(model, str) else None,
        pages_processed=_int(usage_info.get("pages_processed")),
        doc_size_bytes=_int(usage_info.get("doc_size_bytes")),
        cost=cost_from_body(body),
        document_annotation=annotation,
    )


# `/Type /Page` objects, not `/Type /Pages` (the page tree). PDFs that keep their objects in compressed streams hide
# them, so a count of zero means "unknown", never "empty".
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def count_pdf_pages(data: bytes) -> int | None:
    """The number of pages of a PDF, when it can be told without a PDF library; `None` otherwise."""
    if not data.startswith(b"%PDF"):
        return None
    count = len(_PDF_PAGE.findall(data))
    return count or None


def check_document_limits(
    family: OcrFamily, data: bytes, mime_type: str, label: str, *, pages_chosen: bool = False
) -> None:
    """
    Raise a `ValueError` when a local document is over the family's documented size or page limit, or of a type
    it does not take, before it is sent. The page limit is not checked when `pages` chooses some of them.
    """
    spec = OCR_FAMILIES[family]
    is_image = mime_type.startswith("image/")
    if is_image and spec.image_types and mime_type not in spec.image_types:
        raise ValueError(
            f"{label} is {mime_type}; {family} OCR models take images of type {', '.join(spec.image_types)}."
        )
    if not is_image and mime_type not in spec.document_types:
        raise ValueError(
            f"{label} is {mime_type}, not a PDF or an image; {family} OCR models take "
            f"{', '.join((*spec.document_types, *spec.image_types)) or 'PDFs and images'}."
        )
    limit = spec.max_image_bytes if is_image and spec.max_image_bytes else spec.max_bytes
    if limit is not None and len(data) > limit:
        raise ValueError(
            f"{label} is {len(data) / MEGABYTE:.1f} MB, over the {limit // MEGABYTE} MB that {family} OCR models take. "
            "Split the document, or pass a URL to a smaller copy."
        )
    pages = count_pdf_pages(data) if mime_type == "application/pdf" else None
    if spec.max_pages is not None and pages is not None and pages > spec.max_pages and not pages_chosen:
        raise ValueError(
            f"{label} has {pages} pages, over the {spec.max_pages} that {family} OCR models take. Pass `pages` to "
            "convert part of it, or split the PDF."
        )
