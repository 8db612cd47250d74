# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
import copy
from collections.abc import Sequence
from typing import Any

from haystack import Document, logging

from haystack_integrations.common.aimlapi import COST_META_KEY
from haystack_integrations.common.aimlapi.limiter import Limiter, limited_http_client_kwargs
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder

from .columns import batch_length, check_column_name, describe_error, read_column, with_columns
from .costs import COST_CREDITS_COLUMN, COST_USD_COLUMN, share_cost

logger = logging.getLogger(__name__)


class AIMLAPIEmbeddingCallable:
    """
    Embeds a text column of a Ray Dataset through `AIMLAPIDocumentEmbedder`, for `Dataset.map_batches`.

    <!-- not-run: needs the ray extra and a cluster; tests/ray/test_docstring_examples.py runs it on a local one -->
    ```python
    import ray
    from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder
    from haystack_integrations.ray.aimlapi import AIMLAPIEmbeddingCallable, ClusterLimiter

    ray.init()
    chunks = ray.data.read_parquet("chunks.parquet")  # a "text" column, and any others
    embedded = chunks.map_batches(
        AIMLAPIEmbeddingCallable,
        fn_constructor_kwargs={
            "embedder": AIMLAPIDocumentEmbedder(model="text-embedding-3-small", batch_size=64, max_concurrency=4),
            "limiter": ClusterLimiter(max_limit=32),
        },
        batch_format="pandas",
        batch_size=512,
        concurrency=4,   # actors, each with one warm embedder
        num_cpus=0.25,   # they wait on the network, not the CPU
    )
    embedded.write_parquet("embedded/")
    ```

    Each actor builds the callable once, so each holds one warm embedder and its connection pool. Every row comes
    back, in its place, with these columns added:

    - `embedding`: the vector, or None when the row got none;
    - `error`: None, or why the row has no vector: its request failed after the client's retries (the error, with
      AI/ML API's message), or it had no text to embed. A failure never drops rows and never stops the job;
    - `cost_usd` and `cost_credits`: the row's share of what its requests cost (AI/ML API charges per request; a
      call's cost is split evenly over the rows it embedded, in whole credits), so each column sums to the charge.
      None when the server reported no cost.

    With a `limiter` every HTTP request of the embedder, retries included, waits for a place under it.
    """

    def __init__(
        self,
        embedder: AIMLAPIDocumentEmbedder | None = None,
        *,
        text_column: str = "text",
        meta_columns: Sequence[str] = (),
        embedding_column: str = "embedding",
        error_column: str = "error",
        limiter: Limiter | None = None,
    ) -> None:
        """
        :param embedder: The embedder to use, not yet run (it is copied, and built into each actor). By default
            `AIMLAPIDocumentEmbedder()`, which reads `AIMLAPI_API_KEY` in the actor. Its progress bar is turned off.
        :param text_column: The column holding each row's text.
        :param meta_columns: Columns passed as the documents' meta, for the embedder's `meta_fields_to_embed`.
        :param embedding_column: The name of the column the vectors go in.
        :param error_column: The name of the column that says why a row has no vector.
        :param limiter: A `ClusterLimiter` (or, in one process, an `AdaptiveLimiter`) that admits every request.
        :raises TypeError: A parameter of the wrong kind, naming it.
        """
        if embedder is not None and not isinstance(embedder, AIMLAPIDocumentEmbedder):
            raise TypeError(f"embedder must be an AIMLAPIDocumentEmbedder, got {type(embedder).__name__}.")
        for name, value in (
            ("text_column", text_column),
            ("embedding_column", embedding_column),
            ("error_column", error_column),
        ):
            check_column_name(name, value)
        if isinstance(meta_columns, str) or not all(isinstance(name, str) for name in meta_columns):
            raise TypeError(f"meta_columns must be a list of column names, got {meta_columns!r}.")
        # A copy drops any client the caller's instance built: each actor builds its own.
        self.embedder = copy.copy(embedder) if embedder is not None else AIMLAPIDocumentEmbedder()
        self.embedder.progress_bar = False
        if limiter is not None:
            self.embedder.http_client_kwargs = limited_http_client_kwargs(limiter, self.embedder.http_client_kwargs)
        self.text_column = text_column
        self.meta_columns = list(meta_columns)
        self.embedding_column = embedding_column
        self.error_column = error_column
        self.embedder.warm_up()

    def __call__(self, batch: Any) -> Any:
        """
        Embeds one batch of rows.

        :param batch: A pandas DataFrame, a dict of numpy arrays or a pyarrow Table, with the text column.
        :returns: The batch, of the same kind, with the embedding, error and cost columns added.
        :raises KeyError: A configured column is missing from the batch (a mistake no retry fixes).
        """
        texts = read_column(batch, self.text_column)
        meta_values = {name: read_column(batch, name) for name in self.meta_columns}
        documents = [
            Document(
                content=text if isinstance(text, str) else (None if text is None else str(text)),
                meta={name: values[position] for name, values in meta_values.items()},
            )
            for position, text in enumerate(texts)
        ]
        count = batch_length(batch)
        embeddings: list[list[float] | None] = [None] * count
        errors: list[str | None] = [None] * count
        cost: dict[str, Any] | None = None
        try:
            result = self.embedder.run(documents)
        except Exception as error:  # raise_on_failure=True on the embedder: the rows are marked, the job goes on
            logger.warning("Embedding a batch of {count} rows failed: {error}", count=count, error=error)
            errors = [describe_error(error)] * count
        else:
            embeddings = [document.embedding for document in result["documents"]]
            meta = result["meta"]
            for failure in meta.get("failed_documents", []):
                errors[failure["index"]] = failure["error"]
            for skipped in meta.get("skipped_documents", []):
                errors[skipped["index"]] = skipped["reason"]
            cost = meta.get(COST_META_KEY)
        usd, credits_used = share_cost(cost, [embedding is not None for embedding in embeddings])
        return with_columns(
            batch,
            {
                self.embedding_column: embeddings,
                self.error_column: errors,
                COST_USD_COLUMN: usd,
                COST_CREDITS_COLUMN: credits_used,
            },
        )
