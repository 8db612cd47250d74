# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

from typing import Any, Literal

from haystack import component
from haystack.components.embedders import OpenAITextEmbedder
from haystack.utils import Secret

from haystack_integrations.common.aimlapi import (
    COST_META_KEY,
    AIMLAPIClientsMixin,
    check_api_key,
    check_organization,
    default_api_key,
    resolve_base_url,
)
from haystack_integrations.common.aimlapi.cost import usage_with_cost
from haystack_integrations.common.aimlapi.tracking import record_call
from haystack_integrations.common.aimlapi.upstream import parent_embedding_request

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
)


@component
class AIMLAPITextEmbedder(AIMLAPIClientsMixin, OpenAITextEmbedder):
    """
    Embeds a string (a query, usually) with any of AI/ML API's embedding models.

    Usage example:
    ```python
    from haystack_integrations.components.embedders.aimlapi import AIMLAPITextEmbedder

    embedder = AIMLAPITextEmbedder(model="text-embedding-3-small")  # reads AIMLAPI_API_KEY
    result = embedder.run("What is the capital of France?")
    print(len(result["embedding"]))  # 1536
    print(result["meta"])  # {'model': 'text-embedding-3-small', 'usage': {...}, 'cost': {'credits_used': 2, ...}}
    ```

    It is Haystack's `OpenAITextEmbedder` pointed at `https://api.aimlapi.com/v1`, with what AI/ML API adds:

    - model-family fields that travel in the JSON body: Google's `task_type`, `auto_truncate` and `title`,
      Voyage's `input_type`, and anything else through `extra_body`;
    - AI/ML API's cost of the call in `meta["cost"]` (`{"credits_used": int, "usd_spent": float}`), next to
      `model` and `usage`;
    - embeddings travel base64-encoded unless `encoding_format="float"` is asked for; the result is a list of
      floats either way;
    - errors carry AI/ML API's own message, e.g. "You've run out of credits".

    Empty or blank text raises a `ValueError` before any request: the API refuses empty input, and a blank query
    has no meaning to retrieve by.
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
        Creates an AIMLAPITextEmbedder. Nothing is sent and no client is built until the first run or `warm_up()`.

        :param api_key: The AI/ML API key. Read from the `AIMLAPI_API_KEY` environment variable by default. A
            missing key fails at warm-up with a `ValueError` naming the variable.
        :param model: The embedding model id: `text-embedding-3-small` (1536 dimensions), `text-embedding-3-large`,
            or a Google, Voyage, BAAI or Alibaba model that AI/ML API serves.
        :param dimensions: The size of the vectors, for models that can shorten them (`text-embedding-3-*`).
            `None` keeps the model's default.
        :param api_base_url: The API's base URL. Defaults to the `AIMLAPI_BASE_URL` environment variable, then
            `https://api.aimlapi.com/v1`. Resolved here, so `to_dict` records the URL in use.
        :param organization: Accepted because Haystack's `OpenAITextEmbedder` takes it and writes it into every
            saved pipeline. AI/ML API has no organizations: leave it `None`; any other value logs a warning.
        :param prefix: Text put before the text to embed (some models expect an instruction such as `"query: "`).
        :param suffix: Text put after the text to embed.
        :param encoding_format: How vectors travel: `"base64"` (about a third of the bytes of `"float"`, and far
            less CPU to read) or `"float"`. The output is a list of floats either way.
        :param task_type: Google models: what the vector is for, e.g. `"RETRIEVAL_QUERY"`.
        :param auto_truncate: Google models: whether over-long input is cut to fit rather than refused.
        :param title: Google models: a title for the text (with `task_type="RETRIEVAL_DOCUMENT"`).
        :param input_type: Voyage models: `"query"` or `"document"`.
        :param extra_body: Further fields for the JSON body, for models whose options have no parameter here.
            `model`, `input`, `encoding_format` and `dimensions` are the component's own.
        :param timeout: Seconds before a request times out. Defaults to `AIMLAPI_TIMEOUT`, then `OPENAI_TIMEOUT`,
            then 30.
        :param max_retries: How often a request failing with 408, 409, 429 or 5xx, or a connection error, is
            retried. Defaults to `AIMLAPI_MAX_RETRIES`, then `OPENAI_MAX_RETRIES`, then 5.
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
        check_api_key(api_key)
        check_organization(organization)
        super(AIMLAPITextEmbedder, self).__init__(  # noqa: UP008  # @component re-creates the class
            api_key=api_key,
            model=model,
            dimensions=dimensions,
            api_base_url=resolve_base_url(api_base_url),
            organization=organization,
            prefix=prefix,
            suffix=suffix,
            timeout=timeout,
            max_retries=max_retries,
            http_client_kwargs=http_client_kwargs,
        )
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
        data = super(AIMLAPITextEmbedder, self).to_dict()  # noqa: UP008
        init_parameters = data["init_parameters"]
        init_parameters.update({name: getattr(self, name) for name in AIMLAPI_INIT_PARAMETERS})
        return data

    def _prepare_input(self, text: str) -> dict[str, Any]:
        """The keyword arguments of `Embeddings.create()`: the parent's, with the chosen encoding and AI/ML API's
        body fields as `extra_body`."""
        if not isinstance(text, str):
            raise TypeError(
                f"text must be a str, got {type(text).__name__}. To embed Documents, use AIMLAPIDocumentEmbedder."
            )
        if not has_text(text):
            raise ValueError("text is empty or blank. Pass the text to embed (the API refuses empty input).")
        # The parent's keyword arguments for `embeddings.create()` are exactly the JSON fields of the request.
        parent_fields = parent_embedding_request(super(AIMLAPITextEmbedder, self), text)  # noqa: UP008
        return create_kwargs(
            model=parent_fields["model"],
            inputs=parent_fields["input"],
            encoding_format=self.encoding_format,
            dimensions=parent_fields.get("dimensions"),
            extras=body_extras(
                task_type=self.task_type,
                auto_truncate=self.auto_truncate,
                title=self.title,
                input_type=self.input_type,
                extra_body=self.extra_body,
            ),
        )

    def _build_output(self, result: Any, secrets: tuple[str, ...]) -> dict[str, Any]:
        batch = EmbeddingBatch.from_result(result, expected=1, secrets=secrets, dimensions=self.dimensions)
        vector = batch.embeddings[0]
        if vector is None:
            raise batch.error()
        model = batch.model or self.model
        record_call(batch.cost, model=model, component="AIMLAPITextEmbedder", **batch.ids)
        meta: dict[str, Any] = {"model": model, "usage": usage_with_cost(batch.usage, batch.cost), **batch.ids}
        if batch.cost is not None:
            meta[COST_META_KEY] = batch.cost
        return {"embedding": vector, "meta": meta}

    # The parent's run() reads `embeddings.create()`'s pydantic response, which drops AI/ML API's cost block and
    # leaves base64 vectors undecoded when the encoding is chosen explicitly. These call the same `create` through
    # `with_raw_response` and read the raw response the way the document embedder does.

    @component.output_types(embedding=list[float], meta=dict[str, Any])
    def run(self, text: str) -> dict[str, Any]:
        """
        Embeds one string.

        :param text: The text to embed; `prefix` and `suffix` are added around it.
        :returns: `{"embedding": [float, ...], "meta": {"model", "usage", "cost"}}`; `cost` is present when
            AI/ML API reports it.
        :raises ValueError / TypeError: `text` is not a non-blank str, before any request.
        :raises openai.APIStatusError: The API refused the request; the text is AI/ML API's own message.
        :raises EmbeddingResponseError: The answer is not an embeddings response, or its vector is unusable (empty,
            not finite, or not of the `dimensions` asked for). It is an `openai.APIError` and a `ValueError`.
        """
        kwargs = self._prepare_input(text=text)
        client = self._client_for_call()
        return self._build_output(create_embeddings(client, kwargs), (client.api_key,))

    @component.output_types(embedding=list[float], meta=dict[str, Any])
    async def run_async(self, text: str) -> dict[str, Any]:
        """
        Embeds one string without blocking the event loop.

        :param text: The text to embed; `prefix` and `suffix` are added around it.
        :returns: `{"embedding": [float, ...], "meta": {"model", "usage", "cost"}}`; `cost` is present when
            AI/ML API reports it.
        :raises ValueError / TypeError: `text` is not a non-blank str, before any request.
        :raises openai.APIStatusError: The API refused the request; the text is AI/ML API's own message.
        :raises EmbeddingResponseError: The answer is not an embeddings response, or its vector is unusable (empty,
            not finite, or not of the `dimensions` asked for). It is an `openai.APIError` and a `ValueError`.
        """
        kwargs = self._prepare_input(text=text)
        client = await self._async_client_for_call()
        return self._build_output(await create_embeddings_async(client, kwargs), (client.api_key,))
