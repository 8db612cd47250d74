# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import replace
from functools import partial
from typing import Any, Literal

from haystack import Document, component, logging
from haystack.components.embedders import OpenAIDocumentEmbedder
from haystack.utils import Secret
from openai import APIError
from tqdm import tqdm

from haystack_integrations.common.aimlapi import (
    COST_META_KEY,
    AIMLAPIClientsMixin,
    add_costs,
    check_api_key,
    check_organization,
    default_api_key,
    resolve_base_url,
)
from haystack_integrations.common.aimlapi.cost import usage_with_cost
from haystack_integrations.common.aimlapi.tracking import record_call

from .wire import (
    AIMLAPI_INIT_PARAMETERS,
    DEFAULT_MODEL,
    EmbeddingBatch,
    body_extras,
    check_parameters,
    create_embeddings,
    create_embeddings_async,
    create_kwargs,
    has_text,
    response_error,
    sum_usage,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_CONCURRENCY = 4
FAILED_DOCUMENTS_META_KEY = "failed_documents"
SKIPPED_DOCUMENTS_META_KEY = "skipped_documents"

# What makes one batch fail without stopping the others: the API refused it or could not be reached after the
# client's retries (APIError), or it answered with something that is not an embeddings response
# (EmbeddingResponseError, which is both an APIError and a ValueError).
_BATCH_ERRORS = (APIError, ValueError)
_NO_TEXT = "no text to embed: content is empty or None and no meta_fields_to_embed value is set"


def _validate_documents(documents: Any) -> list[Document]:
    if isinstance(documents, Document):
        raise TypeError("documents must be a list of Documents, got a single Document. Wrap it: run([document]).")
    if isinstance(documents, str) or not isinstance(documents, list | tuple):
        raise TypeError(
            f"documents must be a list of Documents, got {type(documents).__name__}. "
            "To embed a string, use AIMLAPITextEmbedder."
        )
    for position, document in enumerate(documents):
        if not isinstance(document, Document):
            raise TypeError(
                f"documents[{position}] is a {type(document).__name__}, not a Document. "
                "Build them with Document(content=...); to embed strings, use AIMLAPITextEmbedder."
            )
    return list(documents)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _positive_int(name: str, value: Any, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1 ({hint}), got {value!r}.")


@component
class AIMLAPIDocumentEmbedder(AIMLAPIClientsMixin, OpenAIDocumentEmbedder):
    """
    Embeds Documents with any of AI/ML API's embedding models, sending several batches at once.

    Usage example:
    ```python
    from haystack import Document
    from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder

    embedder = AIMLAPIDocumentEmbedder(model="text-embedding-3-small", max_concurrency=8)  # reads AIMLAPI_API_KEY
    result = embedder.run([Document(content="Paris is the capital of France."), Document(content="I love pizza.")])
    print(len(result["documents"][0].embedding))  # 1536
    print(result["meta"].get("cost"))  # {'credits_used': 4, 'usd_spent': 2e-06}; None if the server reports none
    ```

    It is Haystack's `OpenAIDocumentEmbedder` pointed at `https://api.aimlapi.com/v1`, with what AI/ML API adds:

    - up to `max_concurrency` batches in flight at once (a thread pool in `run`, a semaphore in `run_async`);
      the output keeps the order of the input whatever order batches finish in;
    - embeddings travel base64-encoded and are read without building an object per float, which matters once
      batches run in parallel; `encoding_format="float"` is honoured when asked for;
    - model-family fields in the JSON body: Google's `task_type`, `auto_truncate` and `title`, Voyage's
      `input_type`, and anything else through `extra_body`;
    - meta holds the response's `model`, `usage` summed over batches, AI/ML API's summed `cost`, and the documents
      that got no embedding, with the reason: `failed_documents` and `skipped_documents`.

    The output is a new `Document` per input, in input order; inputs are not modified. A document gets no
    embedding, and is returned as an unchanged copy, when:

    - it has no text: its content is None or blank and no `meta_fields_to_embed` value is set. It is not sent
      (the API refuses empty input) and is listed in `meta["skipped_documents"]`;
    - its batch failed after the client's retries and `raise_on_failure` is False. It is listed in
      `meta["failed_documents"]` with the error; with `raise_on_failure=True` the error is raised instead.

    An empty list returns an empty list without a request.
    """

    def __init__(
        self,
        *,
        api_key: Secret = default_api_key(),  # noqa: B008
        model: str = DEFAULT_MODEL,
        dimensions: int | None = None,
        api_base_url: str | None = None,
        organization: str | None = None,
        prefix: str = "",
        suffix: str = "",
        batch_size: int = 32,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        progress_bar: bool = True,
        meta_fields_to_embed: list[str] | None = None,
        embedding_separator: str = "\n",
        raise_on_failure: bool = False,
        encoding_format: Literal["base64", "float"] = "base64",
        task_type: str | None = None,
        auto_truncate: bool | None = None,
        title: str | None = None,
        input_type: str | None = None,
        extra_body: dict[str, Any] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        extra_headers: dict[str, Any] | None = None,
        http_client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """
        Creates an AIMLAPIDocumentEmbedder. Nothing is sent and no client is built until the first run or
        `warm_up()`.

        :param api_key: The AI/ML API key. Read from the `AIMLAPI_API_KEY` environment variable by default. A
            missing key fails at warm-up with a `ValueError` naming the variable.
        :param model: The embedding model id: `text-embedding-3-small` (1536 dimensions), `text-embedding-3-large`,
            or a Google, Voyage, BAAI or Alibaba model that AI/ML API serves.
        :param dimensions: The size of the vectors, for models that can shorten them (`text-embedding-3-*`).
            `None` keeps the model's default.
        :param api_base_url: The API's base URL. Defaults to the `AIMLAPI_BASE_URL` environment variable, then
            `https://api.aimlapi.com/v1`. Resolved here, so `to_dict` records the URL in use.
        :param organization: Accepted because Haystack's `OpenAIDocumentEmbedder` takes it and writes it into every
            saved pipeline. AI/ML API has no organizations: leave it `None`; any other value logs a warning.
        :param prefix: Text put before each document's text.
        :param suffix: Text put after each document's text.
        :param batch_size: How many documents one request embeds.
        :param max_concurrency: How many requests may be in flight at once. 1 sends batches one after another.
        :param progress_bar: Show a progress bar that counts embedded documents.
        :param meta_fields_to_embed: Meta fields whose values are embedded before the content.
        :param embedding_separator: What joins the meta values and the content.
        :param raise_on_failure: Raise the error of a batch that still fails after the client's retries, instead of
            returning its documents without embeddings and listing them in `meta["failed_documents"]`.
        :param encoding_format: How vectors travel: `"base64"` (about a third of the bytes of `"float"`, and far
            less CPU to read) or `"float"`. Embeddings are lists of floats either way.
        :param task_type: Google models: what the vectors are for, e.g. `"RETRIEVAL_DOCUMENT"`.
        :param auto_truncate: Google models: whether over-long input is cut to fit rather than refused.
        :param title: Google models: a title sent with every batch (with `task_type="RETRIEVAL_DOCUMENT"`).
        :param input_type: Voyage models: `"query"` or `"document"`.
        :param extra_body: Further fields for the JSON body, for models whose options have no parameter here.
            `model`, `input`, `encoding_format` and `dimensions` are the component's own.
        :param timeout: Seconds before a request times out. Defaults to `AIMLAPI_TIMEOUT`, then `OPENAI_TIMEOUT`,
            then 30.
        :param max_retries: How often a request failing with 408, 409, 429 or 5xx, or a connection error, is
            retried before its batch counts as failed. Defaults to `AIMLAPI_MAX_RETRIES`, then
            `OPENAI_MAX_RETRIES`, then 5.
        :param extra_headers: Headers added to every request. They replace the attribution headers
            (`HTTP-Referer`, `X-Title`) of the same name.
        :param http_client_kwargs: Keyword arguments for the `httpx.Client` / `httpx.AsyncClient` (proxies,
            limits, a transport, ...).
        :raises ValueError / TypeError: A parameter no request could succeed with.
        """
        check_parameters(
            model=model,
            dimensions=dimensions,
            encoding_format=encoding_format,
            prefix=prefix,
            suffix=suffix,
            extra_headers=extra_headers,
        )
        body_extras(
            task_type=task_type, auto_truncate=auto_truncate, title=title, input_type=input_type, extra_body=extra_body
        )
        _positive_int("batch_size", batch_size, "documents per request, e.g. 32")
        _positive_int("max_concurrency", max_concurrency, "requests in flight at once; 1 sends them one by one")
        if meta_fields_to_embed is not None and (
            not isinstance(meta_fields_to_embed, list | tuple)
            or not all(isinstance(name, str) for name in meta_fields_to_embed)
        ):
            raise TypeError(f"meta_fields_to_embed must be a list of meta keys (str), got {meta_fields_to_embed!r}.")
        if not isinstance(embedding_separator, str):
            raise TypeError(f"embedding_separator must be a str, got {type(embedding_separator).__name__}.")
        check_api_key(api_key)
        check_organization(organization)
        super(AIMLAPIDocumentEmbedder, self).__init__(  # noqa: UP008  # @component re-creates the class
            api_key=api_key,
            model=model,
            dimensions=dimensions,
            api_base_url=resolve_base_url(api_base_url),
            organization=organization,
            prefix=prefix,
            suffix=suffix,
            batch_size=batch_size,
            progress_bar=progress_bar,
            meta_fields_to_embed=list(meta_fields_to_embed) if meta_fields_to_embed is not None else None,
            embedding_separator=embedding_separator,
            timeout=timeout,
            max_retries=max_retries,
            http_client_kwargs=http_client_kwargs,
            raise_on_failure=raise_on_failure,
        )
        self.max_concurrency = max_concurrency
        self.encoding_format = encoding_format
        self.task_type = task_type
        self.auto_truncate = auto_truncate
        self.title = title
        self.input_type = input_type
        self.extra_body = extra_body
        self.extra_headers = extra_headers

    def to_dict(self) -> dict[str, Any]:
        """
        Serializes the component. The key is stored as a reference to its environment variable, never its value.

        :returns: The component as a dictionary.
        """
        data = super(AIMLAPIDocumentEmbedder, self).to_dict()  # noqa: UP008
        init_parameters = data["init_parameters"]
        init_parameters["max_concurrency"] = self.max_concurrency
        init_parameters.update({name: getattr(self, name) for name in AIMLAPI_INIT_PARAMETERS})
        return data

    # --- what is sent ------------------------------------------------------------------------------------------
    # Haystack's `_prepare_texts_to_embed` keys texts by document id, so two documents with the same id share one
    # text and one embedding, and it sends documents without text, which the API refuses. This works by position.

    def _text_to_embed(self, document: Document) -> str | None:
        """The text sent for `document`, or `None` when it has nothing to embed."""
        parts = [
            str(document.meta[key])
            for key in self.meta_fields_to_embed
            if key in document.meta and document.meta[key] is not None
        ]
        if document.content:
            parts.append(document.content)
        text = self.embedding_separator.join(parts)
        if not has_text(text):
            return None
        return self.prefix + text + self.suffix

    def _create_kwargs(self, inputs: list[str], extras: dict[str, Any]) -> dict[str, Any]:
        return create_kwargs(
            model=self.model,
            inputs=inputs,
            encoding_format=self.encoding_format,
            dimensions=self.dimensions,
            extras=extras,
        )

    def _plan(self, documents: list[Document]) -> tuple[list[list[int]], list[str | None]]:
        """Positions of the documents to send, cut into batches, and the text of every document."""
        texts = [self._text_to_embed(document) for document in documents]
        to_send = [position for position, text in enumerate(texts) if text is not None]
        batches = [to_send[start : start + self.batch_size] for start in range(0, len(to_send), self.batch_size)]
        return batches, texts

    def _progress(self, batches: list[list[int]]) -> tqdm:
        return tqdm(
            total=sum(len(batch) for batch in batches),
            unit="doc",
            desc="Calculating embeddings",
            disable=not self.progress_bar,
        )

    def _batch_failed(self, error: BaseException, batch: list[int], documents: list[Document]) -> None:
        ids = [documents[position].id for position in batch]
        logger.warning(
            "Embedding {count} documents failed after the client's retries: {error}. Document ids: {ids}",
            count=len(batch),
            error=_describe(error),
            ids=", ".join(ids),
        )
        if self.raise_on_failure:
            error.add_note(f"The batch held the documents at positions {batch[0]}..{batch[-1]}, ids {ids}.")
            raise error

    # --- sending -------------------------------------------------------------------------------------------------
    # Haystack's `_embed_batch` sends batches strictly one after another; through a gateway each batch costs a
    # round trip of 100-500 ms, so these send up to `max_concurrency` at once.

    def _embed_batches(
        self, client: Any, batches: list[list[int]], texts: list[str | None], documents: list[Document]
    ) -> list[EmbeddingBatch | BaseException]:
        extras = self._extras()

        def embed(batch: list[int]) -> EmbeddingBatch:
            inputs = [texts[position] or "" for position in batch]
            result = create_embeddings(client, self._create_kwargs(inputs, extras))
            return self._read(result, len(inputs), client.api_key)

        outcomes: list[EmbeddingBatch | BaseException] = [ValueError("not sent")] * len(batches)
        with self._progress(batches) as progress:
            if self.max_concurrency == 1 or len(batches) == 1:
                for index, batch in enumerate(batches):
                    outcomes[index] = self._attempt(partial(embed, batch), batch, documents)
                    progress.update(len(batch))
                return outcomes
            with ThreadPoolExecutor(
                max_workers=min(self.max_concurrency, len(batches)), thread_name_prefix="aimlapi-embed"
            ) as pool:
                futures: dict[Future[EmbeddingBatch], int] = {
                    pool.submit(embed, batch): index for index, batch in enumerate(batches)
                }
                try:
                    for future in as_completed(futures):
                        index = futures[future]
                        outcomes[index] = self._attempt(future.result, batches[index], documents)
                        progress.update(len(batches[index]))
                except BaseException:
                    # Requests not yet started are dropped; the pool waits for those in flight before re-raising.
                    for future in futures:
                        future.cancel()
                    raise
        return outcomes

    def _read(self, result: Any, expected: int, api_key: str | None) -> EmbeddingBatch:
        """The batch `create` answered with. Under `raise_on_failure`, an unusable vector fails the whole batch
        (raised with its documents named); otherwise only its own document fails."""
        batch = EmbeddingBatch.from_result(
            result, expected=expected, secrets=(api_key,) if api_key else (), dimensions=self.dimensions
        )
        if batch.bad_rows and self.raise_on_failure:
            raise batch.error()
        return batch

    def _attempt(
        self, call: Callable[[], EmbeddingBatch], batch: list[int], documents: list[Document]
    ) -> EmbeddingBatch | BaseException:
        try:
            return call()
        except _BATCH_ERRORS as error:
            self._batch_failed(error, batch, documents)
            return error

    async def _embed_batches_async(
        self, client: Any, batches: list[list[int]], texts: list[str | None], documents: list[Document]
    ) -> list[EmbeddingBatch | BaseException]:
        extras = self._extras()
        semaphore = asyncio.Semaphore(self.max_concurrency)

        async def embed(index: int, batch: list[int]) -> tuple[int, EmbeddingBatch | BaseException]:
            inputs = [texts[position] or "" for position in batch]
            async with semaphore:
                try:
                    result = await create_embeddings_async(client, self._create_kwargs(inputs, extras))
                    outcome: EmbeddingBatch | BaseException = self._read(result, len(inputs), client.api_key)
                except _BATCH_ERRORS as error:
                    self._batch_failed(error, batch, documents)
                    outcome = error
            progress.update(len(batch))
            return index, outcome

        outcomes: list[EmbeddingBatch | BaseException] = [ValueError("not sent")] * len(batches)
        with self._progress(batches) as progress:
            tasks = [asyncio.ensure_future(embed(index, batch)) for index, batch in enumerate(batches)]
            try:
                for next_done in asyncio.as_completed(tasks):
                    index, outcome = await next_done
                    outcomes[index] = outcome
            except BaseException:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        return outcomes

    def _extras(self) -> dict[str, Any]:
        return body_extras(
            task_type=self.task_type,
            auto_truncate=self.auto_truncate,
            title=self.title,
            input_type=self.input_type,
            extra_body=self.extra_body,
        )

    # --- the result ----------------------------------------------------------------------------------------------

    def _assemble(
        self,
        documents: list[Document],
        batches: list[list[int]],
        outcomes: list[EmbeddingBatch | BaseException],
        texts: list[str | None],
    ) -> dict[str, Any]:
        embeddings: dict[int, list[float]] = {}
        failed: list[dict[str, Any]] = []
        succeeded: list[EmbeddingBatch] = []
        odd_dimension = self._odd_dimension_batches(batches, outcomes)
        for batch, outcome in zip(batches, outcomes, strict=True):
            if isinstance(outcome, EmbeddingBatch) and id(outcome) in odd_dimension:
                error = _describe(odd_dimension[id(outcome)])
                failed.extend({"id": documents[p].id, "index": p, "error": error} for p in batch)
                succeeded.append(outcome)  # it was answered, and billed
            elif isinstance(outcome, EmbeddingBatch):
                for position, row, vector in zip(batch, range(len(batch)), outcome.embeddings, strict=True):
                    if vector is None:
                        error = _describe(outcome.error([row]))
                        failed.append({"id": documents[position].id, "index": position, "error": error})
                    else:
                        embeddings[position] = vector
                succeeded.append(outcome)
            else:
                error = _describe(outcome)
                failed.extend({"id": documents[p].id, "index": p, "error": error} for p in batch)
        if failed:
            logger.warning("Documents without an embedding: {count}; see meta['failed_documents'].", count=len(failed))
        skipped = [
            {"id": document.id, "index": position, "reason": _NO_TEXT}
            for position, (document, text) in enumerate(zip(documents, texts, strict=True))
            if text is None
        ]
        if skipped:
            logger.warning(
                "Documents without text were not embedded ({count}); see meta['skipped_documents'].",
                count=len(skipped),
            )

        new_documents = [
            replace(document, embedding=embeddings[position]) if position in embeddings else replace(document)
            for position, document in enumerate(documents)
        ]
        models = [outcome.model for outcome in succeeded if outcome.model]
        # Each batch was a request of its own, charged on its own; those that failed were not charged.
        for outcome in succeeded:
            record_call(
                outcome.cost, model=outcome.model or self.model, component="AIMLAPIDocumentEmbedder", **outcome.ids
            )
        cost = add_costs([outcome.cost for outcome in succeeded])
        meta: dict[str, Any] = {
            "model": models[0] if models else self.model,
            "usage": usage_with_cost(sum_usage([outcome.usage for outcome in succeeded]), cost),
        }
        if cost is not None:
            meta[COST_META_KEY] = cost
        meta[FAILED_DOCUMENTS_META_KEY] = failed
        meta[SKIPPED_DOCUMENTS_META_KEY] = skipped
        return {"documents": new_documents, "meta": meta}

    def _odd_dimension_batches(
        self, batches: list[list[int]], outcomes: list[EmbeddingBatch | BaseException]
    ) -> dict[int, BaseException]:
        """
        Batches whose vectors have another dimension than most documents' in this run, with the error for them.

        Each response is checked on its own; a store needs one dimension across the run too. Without `dimensions`
        asked for, the dimension most documents got is taken as the model's. Under `raise_on_failure` the first
        odd batch is raised.
        """
        counts: dict[int, int] = {}
        for batch, outcome in zip(batches, outcomes, strict=True):
            if isinstance(outcome, EmbeddingBatch) and outcome.dimension is not None:
                counts[outcome.dimension] = counts.get(outcome.dimension, 0) + len(batch)
        if len(counts) < 2:
            return {}
        usual = max(counts, key=lambda dimension: counts[dimension])
        odd: dict[int, BaseException] = {}
        for outcome in outcomes:
            if isinstance(outcome, EmbeddingBatch) and outcome.dimension not in (None, usual):
                error = response_error(
                    outcome.response,
                    f"its vectors have {outcome.dimension} dimensions, while the run's other answers have {usual}",
                    outcome.secrets,
                )
                if self.raise_on_failure:
                    raise error
                odd[id(outcome)] = error
        return odd

    @component.output_types(documents=list[Document], meta=dict[str, Any])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        """
        Embeds documents, up to `max_concurrency` batches at a time.

        :param documents: The documents to embed.
        :returns: `{"documents": [...], "meta": {...}}`: a new Document per input, in input order, and meta with
            `model`, `usage` (summed), `cost` (summed, when AI/ML API reports it), `failed_documents` and
            `skipped_documents` (each a list of `{"id", "index", "error" | "reason"}`).
        :raises TypeError: `documents` is not a list of Documents, before any request.
        :raises openai.APIError: A batch failed after the client's retries and `raise_on_failure` is True.
        :raises EmbeddingResponseError: Under `raise_on_failure`, an answer that is not an embeddings response or
            holds an unusable vector (empty, not finite, of another dimension). Otherwise its documents are listed
            in `failed_documents`, and never get that vector.
        """
        documents = _validate_documents(documents)
        batches, texts = self._plan(documents)
        outcomes: list[EmbeddingBatch | BaseException] = []
        if batches:
            outcomes = self._embed_batches(self._client_for_call(), batches, texts, documents)
        return self._assemble(documents, batches, outcomes, texts)

    @component.output_types(documents=list[Document], meta=dict[str, Any])
    async def run_async(self, documents: list[Document]) -> dict[str, Any]:
        """
        Embeds documents without blocking the event loop, up to `max_concurrency` batches at a time.

        :param documents: The documents to embed.
        :returns: `{"documents": [...], "meta": {...}}`: a new Document per input, in input order, and meta with
            `model`, `usage` (summed), `cost` (summed, when AI/ML API reports it), `failed_documents` and
            `skipped_documents` (each a list of `{"id", "index", "error" | "reason"}`).
        :raises TypeError: `documents` is not a list of Documents, before any request.
        :raises openai.APIError: A batch failed after the client's retries and `raise_on_failure` is True.
        :raises EmbeddingResponseError: Under `raise_on_failure`, an answer that is not an embeddings response or
            holds an unusable vector (empty, not finite, of another dimension). Otherwise its documents are listed
            in `failed_documents`, and never get that vector.
        """
        documents = _validate_documents(documents)
        batches, texts = self._plan(documents)
        outcomes: list[EmbeddingBatch | BaseException] = []
        if batches:
            client = await self._async_client_for_call()
            outcomes = await self._embed_batches_async(client, batches, texts, documents)
        return self._assemble(documents, batches, outcomes, texts)
