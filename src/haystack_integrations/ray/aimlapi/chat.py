# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
import asyncio
import copy
import json
import threading
from collections.abc import Mapping
from typing import Any

from haystack.components.builders import PromptBuilder
from haystack.dataclasses import ChatMessage
from pydantic import BaseModel

from haystack_integrations.common.aimlapi import COST_META_KEY
from haystack_integrations.common.aimlapi.limiter import Limiter, limited_http_client_kwargs
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

from .columns import batch_length, check_column_name, column_names, describe_error, read_column, with_columns
from .costs import COST_CREDITS_COLUMN, COST_USD_COLUMN

DEFAULT_MAX_CONCURRENCY = 8
USAGE_COLUMNS = ("prompt_tokens", "completion_tokens", "total_tokens")


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _to_messages(value: Any, position: int) -> list[ChatMessage]:
    """A row's conversation: a list of OpenAI-style `{"role", "content"}` dicts, or the same as a JSON string."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise ValueError(f"row {position}: the messages column holds a str that is not JSON") from error
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ValueError(f"row {position}: messages must be a non-empty list of {{'role', 'content'}} dicts")
    return [item if isinstance(item, ChatMessage) else ChatMessage.from_openai_dict_format(item) for item in value]


class AIMLAPIChatCallable:
    """
    Answers one prompt per row of a Ray Dataset through `AIMLAPIChatGenerator.run_async`, for `Dataset.map_batches`.

    <!-- not-run: needs the ray extra and a cluster; tests/ray/test_docstring_examples.py runs it on a local one -->
    ```python
    import ray
    from pydantic import BaseModel
    from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
    from haystack_integrations.ray.aimlapi import AIMLAPIChatCallable, ClusterLimiter

    class Verdict(BaseModel):
        label: str
        confidence: float

    ray.init()
    reviews = ray.data.read_parquet("reviews.parquet")  # a "review" column
    graded = reviews.map_batches(
        AIMLAPIChatCallable,
        fn_constructor_kwargs={
            "generator": AIMLAPIChatGenerator(model="openai/gpt-4o-mini"),
            "template": "Classify the sentiment of this review: {{ review }}",
            "response_format": Verdict,      # adds "label" and "confidence" columns
            "max_concurrency": 16,           # requests in flight per actor
            "limiter": ClusterLimiter(max_limit=64),
        },
        batch_format="pandas",
        concurrency=2,
        num_cpus=0.25,
    )
    ```

    The conversation of a row comes from, in this order: `messages_column` (a list of `{"role", "content"}` dicts,
    or that list as JSON), `template` (a Jinja2 template rendered by Haystack's `PromptBuilder` with the row's
    columns), or `prompt_column` (the user's message as text). `system_prompt` goes first if set.

    Each actor holds one generator and one event loop (in a thread of its own), so the generator's async client and
    its connections live as long as the actor. Up to `max_concurrency` rows of a batch are in flight at once. Every
    row comes back, in its place, with the columns `reply`, `finish_reason`, `prompt_tokens`, `completion_tokens`,
    `total_tokens`, `cost_usd`, `cost_credits` and `error` (None, or the reason the row has no reply, with AI/ML
    API's message). With a Pydantic `response_format`, each of its fields gets a column too, filled from the parsed
    reply; a reply that does not validate is an error of its row. A failed row never stops the job.
    """

    def __init__(
        self,
        generator: AIMLAPIChatGenerator | None = None,
        *,
        prompt_column: str = "prompt",
        messages_column: str | None = None,
        template: str | None = None,
        system_prompt: str | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        response_format: type[BaseModel] | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        reply_column: str = "reply",
        error_column: str = "error",
        limiter: Limiter | None = None,
    ) -> None:
        """
        :param generator: The chat generator to use, not yet run (it is copied into each actor). By default
            `AIMLAPIChatGenerator()`, which reads `AIMLAPI_API_KEY` in the actor. A streaming callback is not used.
        :param prompt_column: The column holding each row's user message, when neither `messages_column` nor
            `template` is set.
        :param messages_column: A column holding each row's whole conversation.
        :param template: A Jinja2 template for the user message, with the row's columns as variables.
        :param system_prompt: A system message put before each conversation.
        :param generation_kwargs: Request parameters for every row (`max_tokens`, `temperature`, ...).
        :param response_format: A Pydantic model the replies must follow; its fields become columns.
        :param max_concurrency: Rows of a batch in flight at once, per actor.
        :param reply_column: The name of the column the replies' text goes in.
        :param error_column: The name of the column that says why a row has no reply.
        :param limiter: A `ClusterLimiter` (or, in one process, an `AdaptiveLimiter`) that admits every request.
        :raises TypeError / ValueError: A parameter of the wrong kind or out of range, naming it.
        """
        if generator is not None and not isinstance(generator, AIMLAPIChatGenerator):
            raise TypeError(f"generator must be an AIMLAPIChatGenerator, got {type(generator).__name__}.")
        if messages_column is not None and template is not None:
            raise ValueError("Pass messages_column or template, not both: each is a whole way to build the prompt.")
        check_column_name("prompt_column", prompt_column)
        check_column_name("reply_column", reply_column)
        check_column_name("error_column", error_column)
        if messages_column is not None:
            check_column_name("messages_column", messages_column)
        if template is not None and (not isinstance(template, str) or not template.strip()):
            raise ValueError(f"template must be a non-empty Jinja2 template string, got {template!r}.")
        if system_prompt is not None and not isinstance(system_prompt, str):
            raise TypeError(f"system_prompt must be a str, got {type(system_prompt).__name__}.")
        if generation_kwargs is not None and not isinstance(generation_kwargs, Mapping):
            raise TypeError(f"generation_kwargs must be a dict, got {type(generation_kwargs).__name__}.")
        if response_format is not None and not (
            isinstance(response_format, type) and issubclass(response_format, BaseModel)
        ):
            raise TypeError(f"response_format must be a Pydantic model class, got {response_format!r}.")
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise ValueError(f"max_concurrency must be a whole number >= 1 (rows in flight), got {max_concurrency!r}.")
        # A copy drops any client the caller's instance built: each actor builds its own.
        self.generator = copy.copy(generator) if generator is not None else AIMLAPIChatGenerator()
        self.generator.streaming_callback = None
        if limiter is not None:
            self.generator.http_client_kwargs = limited_http_client_kwargs(limiter, self.generator.http_client_kwargs)
        self.prompt_column = prompt_column
        self.messages_column = messages_column
        self.prompt_builder = PromptBuilder(template) if template is not None else None
        self.system_prompt = system_prompt
        self.generation_kwargs = dict(generation_kwargs or {})
        if response_format is not None:
            self.generation_kwargs["response_format"] = response_format
        self.response_format = response_format
        self.max_concurrency = max_concurrency
        self.reply_column = reply_column
        self.error_column = error_column
        # The generator's async client belongs to the event loop that built it, so one loop serves every batch.
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="aimlapi-chat-loop", daemon=True)
        self._thread.start()

    def _conversations(self, batch: Any) -> list[list[ChatMessage] | BaseException]:
        count = batch_length(batch)
        conversations: list[list[ChatMessage] | BaseException] = []
        if self.messages_column is not None:
            values = read_column(batch, self.messages_column)
        elif self.prompt_builder is not None:
            names = column_names(batch)
            columns = {name: read_column(batch, name) for name in names}
            values = []
            for position in range(count):
                try:
                    values.append(
                        self.prompt_builder.run(**{name: columns[name][position] for name in names})["prompt"]
                    )
                except Exception as error:  # a template that needs a value this row lacks: only this row fails
                    values.append(error)
        else:
            values = read_column(batch, self.prompt_column)
        for position, value in enumerate(values):
            try:
                if isinstance(value, BaseException):
                    raise value
                if self.messages_column is not None:
                    messages = _to_messages(value, position)
                elif not isinstance(value, str) or not value.strip():
                    raise ValueError(f"row {position}: the prompt is empty or not text ({value!r})")
                else:
                    messages = [ChatMessage.from_user(value)]
                if self.system_prompt is not None:
                    messages = [ChatMessage.from_system(self.system_prompt), *messages]
                conversations.append(messages)
            except Exception as error:
                conversations.append(error)
        return conversations

    async def _answer(self, messages: list[ChatMessage], semaphore: asyncio.Semaphore) -> dict[str, Any]:
        async with semaphore:
            result = await self.generator.run_async(messages, generation_kwargs=self.generation_kwargs)
        reply: ChatMessage = result["replies"][0]
        usage = reply.meta.get("usage") or {}
        cost = reply.meta.get(COST_META_KEY) or {}
        row: dict[str, Any] = {
            self.reply_column: reply.text,
            "finish_reason": reply.meta.get("finish_reason"),
            **{name: _number(usage.get(name)) for name in USAGE_COLUMNS},
            COST_USD_COLUMN: cost.get("usd_spent"),
            COST_CREDITS_COLUMN: cost.get("credits_used"),
        }
        if self.response_format is not None:
            # The generator has already checked the reply against the model; a reply it let through without
            # text (a tool call) fails here, as a row error.
            parsed = self.response_format.model_validate_json(reply.text or "")
            row.update(parsed.model_dump(mode="json"))
        return row

    async def _answer_all(self, conversations: list[list[ChatMessage] | BaseException]) -> list[dict[str, Any]]:
        semaphore = asyncio.Semaphore(self.max_concurrency)

        async def one(conversation: list[ChatMessage] | BaseException) -> dict[str, Any]:
            if isinstance(conversation, BaseException):
                return {self.error_column: describe_error(conversation)}
            try:
                return await self._answer(conversation, semaphore)
            except Exception as error:
                return {self.error_column: describe_error(error)}

        return await asyncio.gather(*(one(conversation) for conversation in conversations))

    def _output_columns(self) -> list[str]:
        names = [self.reply_column, "finish_reason", *USAGE_COLUMNS, COST_USD_COLUMN, COST_CREDITS_COLUMN]
        if self.response_format is not None:
            names.extend(self.response_format.model_fields)
        return [*names, self.error_column]

    def __call__(self, batch: Any) -> Any:
        """
        Answers one batch of rows.

        :param batch: A pandas DataFrame, a dict of numpy arrays or a pyarrow Table.
        :returns: The batch, of the same kind, with the reply, finish reason, usage, cost and error columns added.
        :raises KeyError: A configured column is missing from the batch (a mistake no retry fixes).
        """
        conversations = self._conversations(batch)
        rows = asyncio.run_coroutine_threadsafe(self._answer_all(conversations), self._loop).result()
        return with_columns(batch, {name: [row.get(name) for row in rows] for name in self._output_columns()})

    def close(self) -> None:
        """Closes the generator's client and stops the actor's event loop. Ray calls nothing like it; it is for
        use outside Ray, where the process lives on."""
        if self._loop.is_closed():
            return
        close = getattr(self.generator, "close_async", None)
        if close is not None:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
