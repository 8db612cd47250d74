# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
import json
from collections.abc import Mapping
from typing import Any

import httpx
from haystack import component, default_from_dict, default_to_dict, logging
from haystack.dataclasses import ChatMessage
from haystack.utils import Secret

from haystack_integrations.common.aimlapi import (
    AIMLAPIClientsMixin,
    add_costs,
    check_api_key,
    default_api_key,
)
from haystack_integrations.common.aimlapi.batches import (
    BATCHES_PATH,
    DEFAULT_BATCH_MAX_TOKENS,
    DEFAULT_BATCH_MODEL,
    batch_cancel_path,
    check_batch_model,
    position_from_custom_id,
    read_batch_poll,
    read_batch_result,
)
from haystack_integrations.common.aimlapi.jobs import (
    DEFAULT_MAX_POLL_RETRIES,
    JobResult,
    check_job_settings,
    run_job,
    run_job_async,
    submit_safely,
    submit_safely_async,
)

from .conversions import COMPONENT_OWNED_KEYS, batch_request, check_conversations, reply_from_result

logger = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL_SECONDS = 30.0
# AI/ML API states results arrive "within up to 1 hour"; twice that before giving up (the batch goes on running,
# and `run(batch_id=...)` collects it later).
DEFAULT_JOB_TIMEOUT_SECONDS = 7200.0
_LABEL = "batch"


def _check_batch_id(batch_id: Any) -> str:
    if not isinstance(batch_id, str) or not batch_id.strip():
        raise ValueError(f"batch_id must be the id a submitted batch was given (a non-empty str), got {batch_id!r}.")
    return batch_id.strip()


def _check_generation_kwargs(generation_kwargs: Any) -> dict[str, Any]:
    if generation_kwargs is None:
        return {}
    if not isinstance(generation_kwargs, Mapping):
        raise TypeError(f"generation_kwargs must be a dict of request fields, got {type(generation_kwargs).__name__}.")
    owned = [key for key in COMPONENT_OWNED_KEYS if key in generation_kwargs]
    if owned:
        raise ValueError(
            f"generation_kwargs sets {owned}, which the component sets itself: pass the model at init and the "
            "conversations to run()."
        )
    return dict(generation_kwargs)


def _json_body(response: httpx.Response) -> object:
    try:
        return json.loads(response.content)
    except ValueError:
        return response.text


@component
class AIMLAPIBatchChatGenerator(AIMLAPIClientsMixin):
    """
    Sends many conversations at once through AI/ML API's Batch API (`POST /v1/batches`): up to 100,000 requests,
    answered within about an hour, documented as up to 50% cheaper than one call each. Claude models only.

    Usage example:
    <!-- not-run: llmock serves no Batch API; tests/test_docstring_examples.py runs it on a loopback Batch API -->
    ```python
    from haystack.dataclasses import ChatMessage
    from haystack_integrations.components.generators.aimlapi import AIMLAPIBatchChatGenerator

    generator = AIMLAPIBatchChatGenerator(model="claude-sonnet-4-20250514", generation_kwargs={"max_tokens": 256})
    result = generator.run(messages=[
        [ChatMessage.from_system("Answer in one sentence."), ChatMessage.from_user("What is Ray?")],
        "What is Haystack?",
    ])
    for reply, error in zip(result["replies"], result["errors"]):
        print(error or reply.text)
    print(result["batch"]["id"], result["batch"]["cost"])
    ```

    `run` submits the batch, polls it every `poll_interval` seconds (through the shared job helper) and returns one
    entry per conversation, in input order: `replies[i]` is the reply to `messages[i]` (a `ChatMessage` whose meta
    holds `model`, `finish_reason`, `usage` with the cost, `cost`, `batch_id` and `custom_id`), or None when that
    request failed, and `errors[i]` says why (Anthropic's message for an errored, cancelled or expired request).

    **Resuming.** The batch id is logged as soon as the batch is submitted, is in `batch["id"]`, and is named by
    every error after the submit (`JobTimeoutError.job_id`, ...). After a restart, `run(batch_id=...)` polls that
    batch again, without resubmitting it, and puts the results back in the order of the original conversations
    (each request's `custom_id` is its position).

    Each request is an Anthropic Messages request: system messages become `system`, user and assistant turns
    `messages` (text and images); `generation_kwargs` go into every request's `params` (`max_tokens`, which
    Anthropic requires, is 1024 unless set; `temperature`, `stop_sequences`, `thinking`, ...). Tool calls are not
    sent. A model the Batch API does not serve is refused at construction.
    """

    def __init__(
        self,
        *,
        api_key: Secret = default_api_key(),  # noqa: B008
        model: str = DEFAULT_BATCH_MODEL,
        generation_kwargs: dict[str, Any] | None = None,
        api_base_url: str | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
        job_timeout: float = DEFAULT_JOB_TIMEOUT_SECONDS,
        max_poll_retries: int = DEFAULT_MAX_POLL_RETRIES,
        timeout: float | None = None,
        max_retries: int | None = None,
        extra_headers: dict[str, Any] | None = None,
        http_client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """
        Creates an AIMLAPIBatchChatGenerator. Nothing is sent until `run`.

        :param api_key: The AI/ML API key. Read from the `AIMLAPI_API_KEY` environment variable by default.
        :param model: A Claude model id, as AI/ML API or Anthropic spells it (`claude-sonnet-4-20250514`,
            `anthropic/claude-3-5-haiku`). Other models are refused with a `ValueError`.
        :param generation_kwargs: Fields for every request's `params` (Anthropic Messages fields), e.g.
            `{"max_tokens": 512, "temperature": 0}`. `model` and `messages` are the component's.
        :param api_base_url: The API's base URL. Defaults to `AIMLAPI_BASE_URL`, then `https://api.aimlapi.com/v1`.
        :param poll_interval: Seconds between polls of a running batch.
        :param job_timeout: Seconds `run` waits for the batch before raising `JobTimeoutError` (which names the
            batch id; the batch keeps running on the server).
        :param max_poll_retries: Polls that may fail in a row (connection errors, 429, 5xx) before `run` gives up.
        :param timeout: Seconds before one HTTP request times out. Defaults to `AIMLAPI_TIMEOUT`, then 30.
        :param max_retries: How often a submit turned away with 429, or never received, is sent again. Defaults to
            `AIMLAPI_MAX_RETRIES`, then 5. A submit that may have reached the server is never resent.
        :param extra_headers: Headers added to every request.
        :param http_client_kwargs: Keyword arguments for the `httpx.Client` / `httpx.AsyncClient`.
        :raises ValueError / TypeError: A parameter no batch could succeed with.
        """
        check_batch_model(model)
        check_job_settings(poll_interval, job_timeout, max_poll_retries)
        check_api_key(api_key)
        self.api_key = api_key
        self.model = model
        self.generation_kwargs = _check_generation_kwargs(generation_kwargs)
        self.poll_interval = poll_interval
        self.job_timeout = job_timeout
        self.max_poll_retries = max_poll_retries
        self._store_connection_settings(
            api_base_url=api_base_url,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            http_client_kwargs=http_client_kwargs,
        )

    def to_dict(self) -> dict[str, Any]:
        """
        Serializes the component. The key is stored as a reference to its environment variable, never its value.

        :returns: The component as a dictionary.
        """
        return default_to_dict(
            self,
            api_key=self.api_key,
            model=self.model,
            generation_kwargs=self.generation_kwargs,
            api_base_url=self.api_base_url,
            poll_interval=self.poll_interval,
            job_timeout=self.job_timeout,
            max_poll_retries=self.max_poll_retries,
            timeout=self.timeout,
            max_retries=self.max_retries,
            extra_headers=self.extra_headers,
            http_client_kwargs=self.http_client_kwargs,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AIMLAPIBatchChatGenerator":
        """
        Deserializes the component.

        :param data: The dictionary `to_dict` produced.
        :returns: The component.
        """
        return default_from_dict(cls, data)

    # --- what is sent ------------------------------------------------------------------------------------------

    def _requests(self, messages: Any, generation_kwargs: Any) -> list[dict[str, Any]]:
        conversations = check_conversations(messages)
        fields = {"max_tokens": DEFAULT_BATCH_MAX_TOKENS, **self.generation_kwargs}
        fields.update(_check_generation_kwargs(generation_kwargs))
        return [
            batch_request(conversation, position, self.model, fields)
            for position, conversation in enumerate(conversations)
        ]

    def _plan(self, messages: Any, batch_id: Any, generation_kwargs: Any) -> tuple[list[dict[str, Any]] | None, str]:
        """The requests to submit (None when resuming) and the batch id to resume (empty when submitting)."""
        if (messages is None) == (batch_id is None):
            raise ValueError(
                "Pass either messages (to submit a new batch) or batch_id (to collect a batch submitted before), "
                "not both and not neither."
            )
        if batch_id is not None:
            return None, _check_batch_id(batch_id)
        return self._requests(messages, generation_kwargs), ""

    def _job_options(self) -> dict[str, Any]:
        return {
            "poll_interval": self.poll_interval,
            "job_timeout": self.job_timeout,
            "max_poll_retries": self.max_poll_retries,
            "label": _LABEL,
        }

    @staticmethod
    def _submitted(body: object) -> object:
        if isinstance(body, Mapping):
            logger.info(
                "Submitted batch {batch_id}. To collect it after a restart: run(batch_id={batch_id!r}).",
                batch_id=body.get("id"),
            )
        return body

    # --- the result ----------------------------------------------------------------------------------------------

    @staticmethod
    def _assemble(job: JobResult, count: int | None) -> dict[str, Any]:
        results = job.body.get("results")
        items = [item for item in results if isinstance(item, Mapping)] if isinstance(results, list) else []
        by_position: dict[int, Mapping[str, Any]] = {}
        unmatched = 0
        for result in items:
            position = position_from_custom_id(result.get("custom_id"))
            if position is None or (count is not None and position >= count) or position in by_position:
                unmatched += 1
                continue
            by_position[position] = result
        if unmatched:
            logger.warning(
                "The batch {batch_id} answered {count} results this component did not ask for (or twice); they "
                "are counted in batch['unmatched_results'].",
                batch_id=job.job_id,
                count=unmatched,
            )
        size = count if count is not None else (max(by_position) + 1 if by_position else 0)
        replies: list[ChatMessage | None] = []
        errors: list[str | None] = []
        costs = []
        for position in range(size):
            item = by_position.get(position)
            if item is None:
                replies.append(None)
                errors.append("the batch's results hold no answer to this request")
                continue
            outcome = read_batch_result(item)
            costs.append(outcome["cost"])
            if outcome["error"] is not None:
                replies.append(None)
                errors.append(outcome["error"])
                continue
            replies.append(reply_from_result(outcome, position, job.job_id))
            errors.append(None)
        batch = {
            "id": job.job_id,
            "status": job.status,
            "requests": size,
            "succeeded": sum(error is None for error in errors),
            "failed": sum(error is not None for error in errors),
            "unmatched_results": unmatched,
            "cost": add_costs(costs),
        }
        return {"replies": replies, "errors": errors, "batch": batch}

    # --- running -------------------------------------------------------------------------------------------------

    @component.output_types(replies=list[ChatMessage | None], errors=list[str | None], batch=dict[str, Any])
    def run(
        self,
        messages: list[list[ChatMessage] | str] | None = None,
        batch_id: str | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """
        Submits the conversations as one batch and waits for its results; or, given `batch_id`, waits for a batch
        submitted before.

        :param messages: The conversations, each a list of `ChatMessage` or a str (one user message).
        :param batch_id: The id of a batch submitted before (by this component, so that its `custom_id`s give the
            order back), to collect instead of submitting.
        :param generation_kwargs: Request fields for this run, merged over those given at init.
        :returns: `{"replies": [...], "errors": [...], "batch": {...}}`: a reply or None per conversation, in input
            order; the reason or None per conversation; and the batch's `id`, `status`, counts and summed `cost`.
        :raises ValueError / TypeError: Bad input, before anything is sent.
        :raises openai.APIStatusError: The API refused the batch; the text is AI/ML API's own message.
        :raises JobFailedError: The batch was cancelled or failed as a whole.
        :raises JobTimeoutError: `job_timeout` ran out; the error's `job_id` is the batch id to resume with.
        """
        requests, resume_id = self._plan(messages, batch_id, generation_kwargs)
        client = self._client_for_call()
        once = client.with_options(max_retries=0)

        def submit() -> object:
            if requests is None:
                return {"id": resume_id}
            response = submit_safely(
                lambda: once.post(BATCHES_PATH, body={"requests": requests}, cast_to=httpx.Response),
                max_retries=client.max_retries,
            )
            return self._submitted(_json_body(response))

        def poll(job_id: str) -> object:
            response = once.get(BATCHES_PATH, options={"params": {"batch_id": job_id}}, cast_to=httpx.Response)
            return read_batch_poll(response.content)

        job = run_job(submit, poll, **self._job_options())
        return self._assemble(job, len(requests) if requests is not None else None)

    @component.output_types(replies=list[ChatMessage | None], errors=list[str | None], batch=dict[str, Any])
    async def run_async(
        self,
        messages: list[list[ChatMessage] | str] | None = None,
        batch_id: str | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """
        `run` without blocking the event loop. Cancelling the awaiting task after the submit also asks AI/ML API to
        cancel the batch.

        :param messages: The conversations, each a list of `ChatMessage` or a str (one user message).
        :param batch_id: The id of a batch submitted before, to collect instead of submitting.
        :param generation_kwargs: Request fields for this run, merged over those given at init.
        :returns: `{"replies": [...], "errors": [...], "batch": {...}}`, as `run` returns them.
        :raises ValueError / TypeError: Bad input, before anything is sent.
        :raises openai.APIStatusError: The API refused the batch; the text is AI/ML API's own message.
        :raises JobFailedError: The batch was cancelled or failed as a whole.
        :raises JobTimeoutError: `job_timeout` ran out; the error's `job_id` is the batch id to resume with.
        """
        requests, resume_id = self._plan(messages, batch_id, generation_kwargs)
        client = await self._async_client_for_call()
        once = client.with_options(max_retries=0)

        async def submit() -> object:
            if requests is None:
                return {"id": resume_id}
            response = await submit_safely_async(
                lambda: once.post(BATCHES_PATH, body={"requests": requests}, cast_to=httpx.Response),
                max_retries=client.max_retries,
            )
            return self._submitted(_json_body(response))

        async def poll(job_id: str) -> object:
            response = await once.get(BATCHES_PATH, options={"params": {"batch_id": job_id}}, cast_to=httpx.Response)
            return read_batch_poll(response.content)

        async def cancel(job_id: str) -> None:
            await once.post(batch_cancel_path(job_id), cast_to=httpx.Response)

        job = await run_job_async(submit, poll, on_cancel=cancel, **self._job_options())
        return self._assemble(job, len(requests) if requests is not None else None)
