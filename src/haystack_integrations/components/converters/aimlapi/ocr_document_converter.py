# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from haystack import Document, component, default_from_dict, default_to_dict, logging
from haystack.dataclasses import ByteStream
from haystack.utils import Secret, deserialize_secrets_inplace

from haystack_integrations.common.aimlapi import AIMLAPIClientsMixin, check_api_key, default_api_key
from haystack_integrations.common.aimlapi.cost import COST_META_KEY, cost_from_headers, usage_with_cost
from haystack_integrations.common.aimlapi.images import sniff_image_mime_type
from haystack_integrations.common.aimlapi.media import (
    MediaSource,
    check_meta,
    check_positive_int,
    check_sources,
    data_url,
    failed_source,
    gather_in_order,
    map_in_order,
    read_source,
    response_json,
)
from haystack_integrations.common.aimlapi.ocr import (
    DEFAULT_OCR_MODEL,
    OCR_PATH,
    OcrAnswer,
    OcrFamily,
    Pages,
    check_document_limits,
    check_ocr_fields,
    check_pages,
    infer_ocr_family,
    ocr_request,
    parse_pages,
    read_ocr_answer,
)

logger = logging.getLogger(__name__)

PAGE_SEPARATOR = "\f"
"""Between pages of one Document: the form feed, which Haystack's `DocumentSplitter` counts as a page break."""


@dataclass(frozen=True)
class _Job:
    """One source, read and checked, with its request body (or the reason it cannot be sent)."""

    position: int
    label: str
    meta: dict[str, Any]
    source_meta: dict[str, Any]
    body: dict[str, Any] | None = None
    error: BaseException | None = None


def _mime_type(source: MediaSource) -> str:
    declared = (source.mime_type or "").split(";", 1)[0].strip().lower()
    data = source.data or b""
    if data.startswith(b"%PDF"):
        return "application/pdf"
    return sniff_image_mime_type(data) or declared or "application/octet-stream"


@component
class AIMLAPIOCRDocumentConverter(AIMLAPIClientsMixin):
    """
    Converts scanned PDFs and images into Markdown Documents with AI/ML API's OCR models (Mistral OCR, GLM-OCR,
    Google Document AI).

    Usage example:
    ```python
    from haystack_integrations.components.converters.aimlapi import AIMLAPIOCRDocumentConverter

    converter = AIMLAPIOCRDocumentConverter(model="mistral/mistral-ocr-4-0")  # reads AIMLAPI_API_KEY
    result = converter.run(sources=["invoice.pdf", "https://arxiv.org/pdf/2201.04234"])
    for document in result["documents"]:
        print(document.meta["source"], document.meta["page_numbers"], document.content[:80])
    print(result["meta"]["failed_sources"])  # [] when every source converted
    ```

    Sources are file paths, `ByteStream`s, or http(s) URLs (fetched by AI/ML API). Local files travel as base64
    `data:` URLs; their size, page count (PDFs) and type are checked against the model family's documented limits
    before anything is sent (Mistral: 50 MB, 1,000 pages; GLM: 50 MB, 100 pages, JPEG/PNG images up to 10 MB).

    Each source becomes one Document whose pages are joined by a form feed (`\\f`), as Haystack's converters do,
    or one Document per page with `split_pages=True`. A source that fails is listed in `meta["failed_sources"]`
    with its reason while the others convert; `raise_on_failure=True` raises instead. Sources are converted
    `max_concurrency` at a time, and the Documents keep the order of `sources`.
    """

    def __init__(
        self,
        *,
        api_key: Secret = default_api_key(),  # noqa: B008
        model: str = DEFAULT_OCR_MODEL,
        pages: Pages | None = None,
        include_image_base64: bool = False,
        split_pages: bool = False,
        generation_kwargs: dict[str, Any] | None = None,
        max_concurrency: int = 4,
        raise_on_failure: bool = False,
        api_base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        extra_headers: dict[str, Any] | None = None,
        http_client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """
        Creates the converter.

        :param api_key: The AI/ML API key; by default the `AIMLAPI_API_KEY` environment variable.
        :param model: An OCR model id: `mistral/mistral-ocr-4-0`, `mistral-ocr-latest`, `zhipu/glm-ocr`,
            `google/gc-document-ai`, ...
        :param pages: Which pages to convert, 0-based: `3`, `"0-2"`, `"0,3,4"` or `[0, 3, 4]`; `None` for all.
            Google Document AI counts from 1 on the wire; the converter translates.
        :param include_image_base64: Ask for the images found on each page as base64 `data:` URLs; they go into
            `meta["images"]` (Mistral and GLM).
        :param split_pages: One Document per page instead of one per source.
        :param generation_kwargs: Further request fields the family takes, e.g. `image_limit`, Mistral's
            `document_annotation_format`, GLM's `return_crop_images`.
        :param max_concurrency: How many sources are converted at the same time.
        :param raise_on_failure: Raise the first failure instead of listing failed sources in
            `meta["failed_sources"]`.
        :param api_base_url: The API's base URL; by default `AIMLAPI_BASE_URL`, else `https://api.aimlapi.com/v1`.
        :param timeout: Seconds each request may take; by default `AIMLAPI_TIMEOUT`, else 30. Long PDFs may need more.
        :param max_retries: Retries of a failed request; by default `AIMLAPI_MAX_RETRIES`, else 5.
        :param extra_headers: Headers sent with every request.
        :param http_client_kwargs: Keyword arguments for the `httpx.Client` / `httpx.AsyncClient`.
        """
        check_api_key(api_key)
        if not isinstance(model, str) or not model.strip():
            raise ValueError("model must be an OCR model id such as 'mistral/mistral-ocr-4-0'.")
        check_pages(infer_ocr_family(model), pages)
        if generation_kwargs is not None and not isinstance(generation_kwargs, dict):
            raise TypeError(
                f"generation_kwargs must be a dict of request fields, got {type(generation_kwargs).__name__}."
            )
        check_ocr_fields(infer_ocr_family(model), generation_kwargs or {})
        for reserved in ("model", "document", "pages", "mimeType"):
            if generation_kwargs and reserved in generation_kwargs:
                raise ValueError(
                    f"generation_kwargs must not set {reserved!r}: use the converter's own parameter or sources."
                )
        check_positive_int("max_concurrency", max_concurrency)
        self.api_key = api_key
        self.model = model
        self.pages = pages
        self.include_image_base64 = include_image_base64
        self.split_pages = split_pages
        self.generation_kwargs = generation_kwargs
        self.max_concurrency = max_concurrency
        self.raise_on_failure = raise_on_failure
        self._store_connection_settings(
            api_base_url=api_base_url,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            http_client_kwargs=http_client_kwargs,
        )

    @property
    def family(self) -> OcrFamily:
        """The model family whose request conventions this converter follows."""
        return infer_ocr_family(self.model)

    def to_dict(self) -> dict[str, Any]:
        """
        Serializes the component. The key is stored as a reference to its environment variable, never its value.

        :returns: The component as a dictionary.
        """
        return default_to_dict(
            self,
            api_key=self.api_key.to_dict(),
            model=self.model,
            pages=self.pages,
            include_image_base64=self.include_image_base64,
            split_pages=self.split_pages,
            generation_kwargs=self.generation_kwargs,
            max_concurrency=self.max_concurrency,
            raise_on_failure=self.raise_on_failure,
            **self._connection_init_parameters(),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AIMLAPIOCRDocumentConverter":
        """
        Deserializes the component.

        :param data: The dictionary `to_dict` produced.
        :returns: The component.
        """
        deserialize_secrets_inplace(data["init_parameters"], keys=["api_key"])
        return default_from_dict(cls, data)

    # --- requests ----------------------------------------------------------------------------------------------

    def _jobs(self, sources: Any, meta: Any) -> list[_Job]:
        """Reads and checks every source before any request, so that a bad file costs nothing."""
        checked = check_sources(sources)
        metas = check_meta(meta, len(checked))
        pages = parse_pages(self.pages)
        jobs = []
        for position, raw in enumerate(checked):
            label = raw.meta.get("file_path", f"ByteStream #{position}") if isinstance(raw, ByteStream) else str(raw)
            try:
                source = read_source(raw, position)
                label = source.label
                if source.url is not None:
                    document, mime_type = source.url, _mime_type_of_url(source.url)
                else:
                    mime_type = _mime_type(source)
                    check_document_limits(
                        self.family, source.data or b"", mime_type, label, pages_chosen=pages is not None
                    )
                    document = data_url(source.data or b"", mime_type)
                body = ocr_request(
                    self.family,
                    self.model,
                    document=document,
                    mime_type=mime_type,
                    pages=pages,
                    include_image_base64=self.include_image_base64,
                    fields=self.generation_kwargs or {},
                )
                jobs.append(_Job(position, label, metas[position], source.meta, body=body))
            except (OSError, ValueError) as error:
                if self.raise_on_failure:
                    raise
                jobs.append(_Job(position, str(label), metas[position], {}, error=error))
        return jobs

    # --- results -----------------------------------------------------------------------------------------------

    def _documents(self, job: _Job, answer: OcrAnswer, response: httpx.Response) -> list[Document]:
        cost = answer.cost or cost_from_headers(response.headers)
        usage = usage_with_cost(
            {"pages_processed": answer.pages_processed, "doc_size_bytes": answer.doc_size_bytes}, cost
        )
        common: dict[str, Any] = {
            **job.source_meta,
            **job.meta,
            "source": job.label,
            "model": self.model,
            "upstream_model": answer.model,
            "usage": usage,
            COST_META_KEY: cost,
        }
        if answer.document_annotation is not None:
            common["document_annotation"] = answer.document_annotation
        if self.split_pages:
            return [
                Document(
                    content=page.markdown,
                    meta={
                        **common,
                        "page_number": page.index + 1,
                        "page_numbers": [page.index + 1],
                        **_page_extras([page]),
                    },
                )
                for page in answer.pages
            ]
        meta = {**common, "page_numbers": [page.index + 1 for page in answer.pages], **_page_extras(answer.pages)}
        return [Document(content=PAGE_SEPARATOR.join(page.markdown for page in answer.pages), meta=meta)]

    def _convert(self, client: Any, job: _Job) -> tuple[list[Document], dict[str, Any] | None]:
        if job.error is not None:
            return self._failed(job, job.error)
        try:
            response = client.post(OCR_PATH, body=job.body, cast_to=httpx.Response)
            return self._documents(job, read_ocr_answer(response_json(response, "OCR")), response), None
        except Exception as error:  # each source fails alone, reported in failed_sources
            return self._failed(job, error)

    async def _convert_async(self, client: Any, job: _Job) -> tuple[list[Document], dict[str, Any] | None]:
        if job.error is not None:
            return self._failed(job, job.error)
        try:
            response = await client.post(OCR_PATH, body=job.body, cast_to=httpx.Response)
            return self._documents(job, read_ocr_answer(response_json(response, "OCR")), response), None
        except Exception as error:  # each source fails alone, reported in failed_sources
            return self._failed(job, error)

    def _failed(self, job: _Job, error: BaseException) -> tuple[list[Document], dict[str, Any]]:
        if self.raise_on_failure:
            raise error
        logger.warning("Could not convert {source}: {error}", source=job.label, error=error)
        return [], failed_source(job.label, error)

    @staticmethod
    def _result(outcomes: list[tuple[list[Document], dict[str, Any] | None]]) -> dict[str, Any]:
        documents = [document for converted, _ in outcomes for document in converted]
        failed = [failure for _, failure in outcomes if failure is not None]
        return {"documents": documents, "meta": {"failed_sources": failed}}

    @component.output_types(documents=list[Document], meta=dict[str, Any])
    def run(
        self,
        sources: list[str | Path | ByteStream],
        meta: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """
        Converts each source into Markdown Documents.

        :param sources: File paths, `ByteStream`s, or http(s) URLs of PDFs and images.
        :param meta: Meta for the Documents: one dict for all, or one per source.
        :returns: A dictionary with:
            - `documents`: one Document per source (or per page with `split_pages=True`), in the order of
              `sources`, with `meta`: `source`, `model` (the id sent), `upstream_model` (the name the answer gives),
              `page_numbers` (1-based; `page_number` too per page), `usage` (`pages_processed`, `doc_size_bytes`
              and the cost as numbers), `cost`, and `images` / `document_annotation` when present. With
              `split_pages=True` every page's Document carries the usage and cost of its whole source: sum them
              once per source;
            - `meta`: `failed_sources`, one `{"source", "error", "reason"}` per source that failed.
        :raises ValueError / TypeError: Bad input, before any request is sent (with `raise_on_failure=True`, also
            a local file over the family's limits).
        :raises openai.APIStatusError / MediaResponseError: With `raise_on_failure=True`, the first failure.
        """
        jobs = self._jobs(sources, meta)
        client = self._client_for_call()
        return self._result(map_in_order(lambda job: self._convert(client, job), jobs, self.max_concurrency))

    @component.output_types(documents=list[Document], meta=dict[str, Any])
    async def run_async(
        self,
        sources: list[str | Path | ByteStream],
        meta: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """
        Converts each source into Markdown Documents without blocking the event loop.

        :param sources: File paths, `ByteStream`s, or http(s) URLs of PDFs and images.
        :param meta: Meta for the Documents: one dict for all, or one per source.
        :returns: The same as `run`.
        """
        jobs = self._jobs(sources, meta)
        client = await self._async_client_for_call()
        outcomes = await gather_in_order(lambda job: self._convert_async(client, job), jobs, self.max_concurrency)
        return self._result(outcomes)


def _page_extras(pages: list[Any]) -> dict[str, Any]:
    images = [{"page_number": page.index + 1, **image} for page in pages for image in page.images]
    dimensions = [page.dimensions for page in pages if page.dimensions]
    extras: dict[str, Any] = {}
    if images:
        extras["images"] = images
    if dimensions:
        extras["page_dimensions"] = dimensions
    return extras


_IMAGE_SUFFIXES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".avif": "image/avif",
}


def _mime_type_of_url(url: str) -> str:
    """What a URL points at, judged by its path: an image by its suffix, else a document (PDF)."""
    path = httpx.URL(url).path.lower()
    for suffix, mime_type in _IMAGE_SUFFIXES.items():
        if path.endswith(suffix):
            return mime_type
    return "application/pdf"
