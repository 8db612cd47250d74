# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

import asyncio
import inspect
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from functools import cache
from typing import Any, TypeGuard

from haystack import component, logging
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import (
    ChatMessage,
    ChatRole,
    ComponentInfo,
    StreamingCallbackT,
    SyncStreamingCallbackT,
    select_streaming_callback,
)
from haystack.tools import ToolsType, flatten_tools_or_toolsets
from haystack.utils import Secret
from openai import APIError, ContentFilterFinishReasonError, LengthFinishReasonError
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from haystack_integrations.common.aimlapi import (
    AIMLAPIClientsMixin,
    StreamInterruptedError,
    chat_request_defaults,
    check_api_key,
    check_organization,
    default_api_key,
    error_message_from_body,
    resolve_base_url,
)
from haystack_integrations.common.aimlapi.errors import redact
from haystack_integrations.common.aimlapi.upstream import STREAM_CONNECTION_ERRORS, parent_chat_request
from haystack_integrations.common.aimlapi.upstream import invoke_streaming_callback as _invoke_streaming_callback
from haystack_integrations.common.aimlapi.upstream import strict_json_schema as to_strict_json_schema
from haystack_integrations.common.aimlapi.upstream import warn_on_finish_reason as _check_finish_reason

from .conversions import REASONING_DETAILS_KEY, StreamAssembler, convert_completion_to_message

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "openai/gpt-5-chat-latest"

# Keys of the request that belong to the component, not to `generation_kwargs` or `extra_body`.
_COMPONENT_OWNED_KEYS = ("model", "messages", "stream", "n")
# `tool_choice` values that name no particular tool.
_GENERIC_TOOL_CHOICES = ("auto", "none", "required", "any")
# Errors the `openai` stream iterator raises when the stream itself breaks (JSONDecodeError is a ValueError).
_STREAM_ERRORS: tuple[type[Exception], ...] = (APIError, ValueError, *STREAM_CONNECTION_ERRORS)


def _answered_with_json(chat_completion: Any) -> bool:
    """Whether the server answered a streaming request with a plain JSON body, which holds no events to read."""
    response = getattr(chat_completion, "response", None)
    content_type = response.headers.get("content-type", "") if response is not None else ""
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def _json_instead_of_stream(body: bytes, secrets: tuple[str, ...]) -> StreamInterruptedError:
    """
    The error for a streaming request answered with one JSON body: some OpenAI-compatible servers ignore `stream`
    for some models. The SDK reads such a body as a stream without events, which would look like a reply cut off
    before its first chunk; this says what happened, and keeps the reply or the server's message.
    """
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("choices"):
        completion = ChatCompletion.construct(**data)
        reply = convert_completion_to_message(completion, completion.choices[0])
        return StreamInterruptedError(
            "The server answered the streaming request with one JSON reply instead of an event stream, so nothing "
            "reached the streaming callback. The reply is in this error's `partial_reply`; to get it as a result, "
            "call without a streaming callback.",
            reason="malformed",
            partial_reply=reply,
        )
    message = redact(error_message_from_body(data if data is not None else body) or "an empty body", secrets)
    return StreamInterruptedError(
        f"The server answered the streaming request with a JSON body instead of an event stream: {message}",
        reason="error",
    )


def _read_chunks(chat_completion: Any, assembler: StreamAssembler) -> Iterator[Any]:
    """The stream's chunks. Only a failure to read one is a broken stream: an error raised while a chunk is being
    handled (by a streaming callback, say) is not caught here, so it reaches the caller unchanged."""
    try:
        yield from chat_completion
    except _STREAM_ERRORS as error:
        raise assembler.interrupted(error) from error


async def _read_chunks_async(chat_completion: Any, assembler: StreamAssembler) -> AsyncIterator[Any]:
    """`_read_chunks` for an asynchronous stream."""
    try:
        async for chunk in chat_completion:
            yield chunk
    except _STREAM_ERRORS as error:
        raise assembler.interrupted(error) from error


@cache
def _typed_parameters() -> frozenset[str]:
    """Keyword arguments the `openai` SDK's `chat.completions.create()` accepts; the rest must go in the body."""
    # Imported on first use: `openai.resources.chat` loads the SDK's streaming helpers, which Haystack's own generator
    # leaves to the first request. At module level they made importing this package noticeably slower.
    from openai.resources.chat.completions import Completions  # noqa: PLC0415

    return frozenset(inspect.signature(Completions.create).parameters) - {"self"}


def _validate_messages(messages: Any) -> list[ChatMessage]:
    if messages is None:
        raise TypeError("messages is None. Pass a list of ChatMessage, e.g. [ChatMessage.from_user('Hi')], or a str.")
    if isinstance(messages, str):
        if not messages.strip():
            raise ValueError("messages is an empty string. Pass the text of the user's message.")
        return [ChatMessage.from_user(messages)]
    if not isinstance(messages, list | tuple):
        raise TypeError(
            f"messages must be a list of ChatMessage or a str, got {type(messages).__name__}. "
            "Wrap plain text with ChatMessage.from_user(...)."
        )
    if not messages:
        raise ValueError("messages is empty. Pass at least one ChatMessage, e.g. [ChatMessage.from_user('Hi')].")
    for position, message in enumerate(messages):
        if not isinstance(message, ChatMessage):
            raise TypeError(
                f"messages[{position}] is a {type(message).__name__}, not a ChatMessage. "
                "Build messages with ChatMessage.from_user(...), ChatMessage.from_system(...) and so on."
            )
    return list(messages)


def _is_pydantic_model(value: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _check_structured_replies(completion: Any, replies: list[ChatMessage], model: type[BaseModel]) -> None:
    """
    Check non-streamed replies against the Pydantic `response_format` they were asked for, as the SDK's parse()
    would, but with every upstream's finish reasons understood.

    Raises the SDK's own `LengthFinishReasonError` / `ContentFilterFinishReasonError` for a reply that was cut off or
    filtered (the first carries the completion, so nothing received is lost), and a `ValueError` that quotes the
    start of the reply when its text does not validate.
    """
    for reply in replies:
        finish_reason = reply.meta.get("finish_reason")
        if finish_reason == "length":
            raise LengthFinishReasonError(completion=completion)
        if finish_reason == "content_filter":
            raise ContentFilterFinishReasonError()
        if reply.text is None or reply.tool_calls:
            continue
        try:
            model.model_validate_json(reply.text)
        except ValueError as error:
            excerpt = reply.text[:200] + ("…" if len(reply.text) > 200 else "")
            raise ValueError(
                f"The reply does not match response_format {model.__name__}: {error}. The reply began {excerpt!r}."
            ) from error


def _pydantic_to_response_format(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": model.__name__, "strict": True, "schema": to_strict_json_schema(model)},
    }


def _check_call_arguments(model: Any, streaming_callback: Any, generation_kwargs: Any) -> None:
    # Each of these would otherwise fail only after the request was sent (a callback that cannot be called, an
    # empty model id), or with an error that does not name the argument.
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model is {model!r}. Pass a model id such as {DEFAULT_MODEL!r}.")
    if streaming_callback is not None and not callable(streaming_callback):
        raise TypeError(
            f"streaming_callback must be a function that takes a StreamingChunk, got "
            f"{type(streaming_callback).__name__}."
        )
    if generation_kwargs is not None and not isinstance(generation_kwargs, Mapping):
        raise TypeError(
            f"generation_kwargs must be a dict of request parameters, got {type(generation_kwargs).__name__}."
        )


def _check_reply_count(n: Any, *, streaming: bool) -> None:
    # The parent compares `n` with 1 only when streaming (a str fails there with a bare TypeError), and otherwise
    # sends any value, which the server then refuses.
    if n is None:
        return
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(
            f"generation_kwargs['n'] is {n!r}. Pass the number of replies wanted as a whole number, 1 or more."
        )
    if streaming and n > 1:
        raise ValueError(
            f"Cannot stream multiple responses: generation_kwargs['n'] is {n}, but a stream carries one reply. "
            "Set n=1, or call without a streaming callback to get several replies."
        )


def _check_tool_choice(tool_choice: Any, tool_names: set[str]) -> None:
    if tool_choice is None:
        return
    if not tool_names and tool_choice != "none":
        raise ValueError(
            f"generation_kwargs['tool_choice'] is {tool_choice!r}, but no tools are offered. "
            "Pass tools=[...] or remove tool_choice."
        )
    name = None
    if isinstance(tool_choice, str) and tool_choice not in _GENERIC_TOOL_CHOICES:
        name = tool_choice
    elif isinstance(tool_choice, Mapping):
        function = tool_choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else tool_choice.get("name")
    if name is not None and name not in tool_names:
        raise ValueError(
            f"generation_kwargs['tool_choice'] names the tool {name!r}, which is not among the tools offered "
            f"({', '.join(sorted(tool_names))}). Use one of those names, or 'auto'."
        )


# The mixin comes first so that its client lifecycle replaces the parent's: the parent builds plain `openai` clients
# from OPENAI_* settings, without a lock, and keeps an async client across event loops.
@component
class AIMLAPIChatGenerator(AIMLAPIClientsMixin, OpenAIChatGenerator):
    """
    Chat with any of AI/ML API's models (OpenAI, Anthropic, Google, DeepSeek, Qwen, ...) from Haystack.

    Usage example:
    ```python
    from haystack.dataclasses import ChatMessage
    from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

    generator = AIMLAPIChatGenerator(model="openai/gpt-5-chat-latest")  # reads AIMLAPI_API_KEY
    result = generator.run([ChatMessage.from_user("What is the capital of France?")])
    reply = result["replies"][0]
    print(reply.text)           # The capital of France is Paris.
    print(reply.meta["cost"])   # {'credits_used': 248, 'usd_spent': 0.000124}
    ```

    It is Haystack's `OpenAIChatGenerator` pointed at `https://api.aimlapi.com/v1`, with what AI/ML API adds:

    - `generation_kwargs` that the `openai` SDK does not know (`provider`, `reasoning`, `thinking`,
      `enable_thinking`, `top_k`, `web_search_options`, ...) travel at the top level of the JSON body, as does a
      user's own `extra_body`;
    - streams ask for usage, so streamed replies carry `usage` and AI/ML API's `cost` like non-streamed ones;
    - reasoning (`reasoning_content`, or `reasoning` and `reasoning_details`) becomes the reply's
      `ReasoningContent` and `StreamingChunk.reasoning`; `reasoning_details` go back to the model in later turns;
    - finish reasons are translated into Haystack's vocabulary (`end_turn` -> `stop`, `max_tokens` -> `length`,
      `tool_use` -> `tool_calls`); the upstream's own stays in `meta["provider_finish_reason"]`;
    - a stream that breaks or closes early raises `StreamInterruptedError` rather than passing as a reply;
    - errors carry AI/ML API's own message, e.g. "You've run out of credits".

    Each reply's meta holds `model`, `index`, `finish_reason`, `provider_finish_reason`, `usage` and `cost`
    (`{"credits_used": int, "usd_spent": float}`), plus `completion_start_time` for streamed replies.
    """

    def __init__(
        self,
        *,
        api_key: Secret = default_api_key(),  # noqa: B008
        model: str = DEFAULT_MODEL,
        streaming_callback: StreamingCallbackT | None = None,
        api_base_url: str | None = None,
        organization: str | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        tools: ToolsType | None = None,
        tools_strict: bool = False,
        timeout: float | None = None,
        extra_headers: dict[str, Any] | None = None,
        max_retries: int | None = None,
        http_client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """
        Creates an AIMLAPIChatGenerator. Nothing is sent and no client is built until the first run or `warm_up()`.

        :param api_key: The AI/ML API key. Read from the `AIMLAPI_API_KEY` environment variable by default. A
            missing key fails at warm-up with a `ValueError` naming the variable.
        :param model: The model id, e.g. `openai/gpt-5-chat-latest`, `anthropic/claude-sonnet-4.5`,
            `google/gemini-2.5-flash`, `deepseek/deepseek-r1`. `aimlapi-haystack models` lists them.
        :param streaming_callback: Called with each `StreamingChunk` as it arrives; sync for `run`, sync or async
            for `run_async`. Setting it makes every call stream.
        :param api_base_url: The API's base URL. Defaults to the `AIMLAPI_BASE_URL` environment variable, then
            `https://api.aimlapi.com/v1`. Resolved here, so `to_dict` records the URL in use. Any
            OpenAI-compatible server works.
        :param organization: Accepted because Haystack's `OpenAIChatGenerator` takes it and writes it into every
            saved pipeline. AI/ML API has no organizations: leave it `None`; any other value logs a warning.
        :param generation_kwargs: Request parameters: OpenAI's (`temperature`, `max_tokens`, `response_format`,
            `tool_choice`, `stream_options`, ...) and AI/ML API's own (`provider`, `reasoning`, `thinking`,
            `enable_thinking`, `thinking_budget`, `top_k`, `min_p`, `repetition_penalty`, `web_search_options`,
            `normalize_tool_schemas`, ...). `response_format` may be a Pydantic model. `extra_body` is merged into
            the JSON body. `model`, `messages` and `stream` are the component's own (`stream` follows the
            presence of a streaming callback), and so is `n` inside `extra_body`; `n` here must be 1 or more, and
            1 when streaming.
        :param tools: Tools (or Toolsets) the model may call.
        :param tools_strict: Ask for strict schema adherence in tool calls. The schemas sent are made strict
            recursively; the `Tool`s passed in are not modified.
        :param timeout: Seconds before a request (or a silent stream) times out. Defaults to `AIMLAPI_TIMEOUT`,
            then `OPENAI_TIMEOUT`, then 30.
        :param extra_headers: Headers added to every request. They replace the attribution headers
            (`HTTP-Referer`, `X-Title`) of the same name.
        :param max_retries: How often a request failing with 408, 409, 429 or 5xx, or a connection error, is
            retried, honouring `Retry-After`. Defaults to `AIMLAPI_MAX_RETRIES`, then `OPENAI_MAX_RETRIES`, then 5.
            400, 401 and 403 are never retried.
        :param http_client_kwargs: Keyword arguments for the `httpx.Client` / `httpx.AsyncClient` (proxies,
            limits, a transport, ...).
        """
        check_api_key(api_key)
        check_organization(organization)
        super(AIMLAPIChatGenerator, self).__init__(  # noqa: UP008  # @component re-creates the class
            api_key=api_key,
            model=model,
            streaming_callback=streaming_callback,
            api_base_url=resolve_base_url(api_base_url),
            organization=organization,
            generation_kwargs=generation_kwargs,
            timeout=timeout,
            max_retries=max_retries,
            tools=tools,
            tools_strict=tools_strict,
            http_client_kwargs=http_client_kwargs,
        )
        self.extra_headers = extra_headers

    # --- serialization -----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """
        Serializes the component. The key is stored as a reference to its environment variable, never its value.

        :returns: The component as a dictionary.
        """
        data = super(AIMLAPIChatGenerator, self).to_dict()  # noqa: UP008
        init_parameters = data["init_parameters"]
        init_parameters["extra_headers"] = self.extra_headers
        return data

    # --- requests ------------------------------------------------------------------------------------------------

    def _prepare_api_call(
        self,
        *,
        messages: list[ChatMessage],
        streaming_callback: StreamingCallbackT | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        tools: ToolsType | None = None,
        tools_strict: bool | None = None,
    ) -> dict[str, Any]:
        """The parent's request, adjusted for AI/ML API: see the class docstring."""
        _check_call_arguments(self.model, streaming_callback, generation_kwargs)
        is_streaming = streaming_callback is not None
        merged = {**self.generation_kwargs, **(generation_kwargs or {})}
        _check_reply_count(merged.get("n"), streaming=is_streaming)
        run_kwargs = dict(generation_kwargs or {})

        response_format = merged.get("response_format")
        if (
            response_format is not None
            and not isinstance(response_format, Mapping)
            and not _is_pydantic_model(response_format)
        ):
            raise TypeError(
                f"generation_kwargs['response_format'] must be a dict such as {{'type': 'json_object'}} or a Pydantic "
                f"model class, got {type(response_format).__name__}."
            )
        if is_streaming and _is_pydantic_model(response_format):
            # `create()` refuses a Pydantic model; a stream takes the same format as its JSON schema.
            run_kwargs["response_format"] = _pydantic_to_response_format(response_format)
        if is_streaming and "stream_options" not in merged:
            run_kwargs["stream_options"] = {"include_usage": True}
        for key, value in chat_request_defaults(self.model, streaming=is_streaming).items():
            if key not in merged and key not in (merged.get("extra_body") or {}):
                run_kwargs[key] = value

        resolved_tools = tools if tools is not None else self.tools
        _check_tool_choice(merged.get("tool_choice"), {t.name for t in flatten_tools_or_toolsets(resolved_tools)})

        api_args = parent_chat_request(
            super(AIMLAPIChatGenerator, self),  # noqa: UP008
            messages=messages,
            streaming_callback=streaming_callback,
            generation_kwargs=run_kwargs,
            tools=tools,
            tools_strict=tools_strict,
        )

        # The parent spreads generation_kwargs over its own keys; put the component's back.
        for key in ("model", "messages", "stream"):
            if key in merged:
                logger.warning(
                    "generation_kwargs['{key}'] is ignored: the component sets it (stream follows the presence of a "
                    "streaming callback).",
                    key=key,
                )
        api_args["model"] = self.model
        if "messages" in merged:
            api_args["messages"] = [message.to_openai_dict_format() for message in messages]
        if api_args["openai_endpoint"] == "parse":
            # The parent sends a Pydantic response_format through the SDK's parse(), which validates the reply
            # itself, before this component has read it. parse() knows only OpenAI's finish reasons, so a Claude
            # route's reply cut off at `max_tokens` failed as bare invalid JSON, its text, usage and cost lost; and
            # it refuses tools that are not strict. The same JSON schema goes through create() instead, and the
            # reply is checked in `_check_structured_replies`.
            api_args["openai_endpoint"] = "create"
            if _is_pydantic_model(api_args.get("response_format")):
                api_args["response_format"] = _pydantic_to_response_format(api_args["response_format"])
        if not is_streaming and api_args.pop("stream_options", None) is not None:
            logger.warning("generation_kwargs['stream_options'] is ignored: this call does not stream.")
        # `stream: false` and `n: 1` are the API's defaults; the parent always sets both, and the SDK spends about
        # 10 us transforming each argument of every call.
        if not is_streaming:
            api_args.pop("stream", None)
        if api_args.get("n") == 1:
            del api_args["n"]

        self._add_reasoning_details(messages, api_args["messages"])
        self._move_untyped_keys_to_body(api_args)
        return api_args

    @staticmethod
    def _add_reasoning_details(messages: list[ChatMessage], openai_messages: list[dict[str, Any]]) -> None:
        # Thinking models that call tools need their earlier reasoning back, verbatim and signed. Haystack's
        # `to_openai_dict_format` leaves reasoning out, so add it to the assistant messages that carried any.
        for message, openai_message in zip(messages, openai_messages, strict=True):
            if message.role is not ChatRole.ASSISTANT or message.reasoning is None:
                continue
            details = message.reasoning.extra.get(REASONING_DETAILS_KEY)
            if details:
                openai_message[REASONING_DETAILS_KEY] = details

    @staticmethod
    def _move_untyped_keys_to_body(api_args: dict[str, Any]) -> None:
        # `create()` takes only the parameters OpenAI defines. AI/ML API's own must travel as top-level JSON keys,
        # which the SDK sends from `extra_body`. A user's `extra_body` is merged in, never nested.
        typed = _typed_parameters()
        body = {key: api_args.pop(key) for key in [k for k in api_args if k not in typed and k != "openai_endpoint"]}
        user_body = api_args.get("extra_body")
        if user_body is not None:
            if not isinstance(user_body, Mapping):
                raise TypeError(
                    f"generation_kwargs['extra_body'] must be a dict of JSON fields, got {type(user_body).__name__}."
                )
            for key in _COMPONENT_OWNED_KEYS:
                if key in user_body:
                    logger.warning("extra_body['{key}'] is ignored: the component sets it.", key=key)
            body.update({k: v for k, v in user_body.items() if k not in _COMPONENT_OWNED_KEYS})
        if body:
            api_args["extra_body"] = body
        else:
            api_args.pop("extra_body", None)

    # --- responses -----------------------------------------------------------------------------------------------
    # The parent's run() converts responses with module-level helpers that drop reasoning and cost and keep raw
    # finish reasons, and offers no hook between the SDK call and that conversion. So run()/run_async() are
    # re-implemented here on top of the parent's request builder, with the same signatures.

    @staticmethod
    def _convert_response(completion: Any) -> list[ChatMessage]:
        if not completion.choices:
            raise ValueError(
                f"AI/ML API answered with no choices (model {completion.model!r}). The request succeeded but "
                "produced no reply; check the model id and parameters."
            )
        return [convert_completion_to_message(completion, choice) for choice in completion.choices]

    def _check_structured(
        self, completion: Any, replies: list[ChatMessage], generation_kwargs: dict[str, Any] | None
    ) -> None:
        response_format = (generation_kwargs or {}).get(
            "response_format", self.generation_kwargs.get("response_format")
        )
        if _is_pydantic_model(response_format):
            _check_structured_replies(completion, replies, response_format)

    def _assembler(self) -> StreamAssembler:
        client = self.client if self.client is not None else self.async_client
        secrets = (client.api_key,) if client is not None else ()
        return StreamAssembler(ComponentInfo.from_component(self), secrets=secrets)

    def _handle_stream_response(self, chat_completion: Any, callback: SyncStreamingCallbackT) -> list[ChatMessage]:
        assembler = self._assembler()
        if _answered_with_json(chat_completion):
            body = chat_completion.response.read()
            chat_completion.close()
            raise _json_instead_of_stream(body, assembler.secrets)
        try:
            for chunk in _read_chunks(chat_completion, assembler):
                for streaming_chunk in assembler.add(chunk):
                    callback(streaming_chunk)
        except BaseException:
            # The stream broke, the callback failed or the caller interrupted: release the connection now, not at
            # garbage collection.
            close = getattr(chat_completion, "close", None)
            if close is not None:
                close()
            raise
        return [assembler.finish()]

    async def _handle_async_stream_response(
        self, chat_completion: Any, callback: StreamingCallbackT
    ) -> list[ChatMessage]:
        assembler = self._assembler()
        if _answered_with_json(chat_completion):
            body = await chat_completion.response.aread()
            await chat_completion.close()
            raise _json_instead_of_stream(body, assembler.secrets)
        try:
            async for chunk in _read_chunks_async(chat_completion, assembler):
                for streaming_chunk in assembler.add(chunk):
                    await _invoke_streaming_callback(callback, streaming_chunk)
        except BaseException:
            # Cancelled, the stream broke or the callback failed: release the connection, even while the task is
            # being cancelled.
            close = getattr(chat_completion, "close", None)
            if close is not None:
                await asyncio.shield(close())
            raise
        return [assembler.finish()]

    @component.output_types(replies=list[ChatMessage])
    def run(
        self,
        messages: list[ChatMessage] | str,
        streaming_callback: StreamingCallbackT | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        *,
        tools: ToolsType | None = None,
        tools_strict: bool | None = None,
    ) -> dict[str, list[ChatMessage]]:
        """
        Sends the conversation to the model and returns its replies.

        :param messages: The conversation, as `ChatMessage`s, or a str taken as one user message.
        :param streaming_callback: Called with each `StreamingChunk`; overrides the one given at init.
        :param generation_kwargs: Request parameters, merged key by key over those given at init.
        :param tools: Tools for this call; overrides those given at init. `[]` offers none.
        :param tools_strict: Overrides `tools_strict` given at init.
        :returns: `{"replies": [ChatMessage, ...]}`.
        :raises ValueError / TypeError: Bad input, before any request is sent.
        :raises openai.APIStatusError: The API refused the request; the text is AI/ML API's own message.
        :raises StreamInterruptedError: A stream broke or closed before it was complete.
        """
        messages = _validate_messages(messages)
        client = self._client_for_call()
        callback = select_streaming_callback(
            init_callback=self.streaming_callback, runtime_callback=streaming_callback, requires_async=False
        )
        api_args = self._prepare_api_call(
            messages=messages,
            streaming_callback=callback,
            generation_kwargs=generation_kwargs,
            tools=tools,
            tools_strict=tools_strict,
        )
        endpoint = getattr(client.chat.completions, api_args.pop("openai_endpoint"))
        response = endpoint(**api_args)
        if callback is not None:
            replies = self._handle_stream_response(response, callback)
        else:
            replies = self._convert_response(response)
            self._check_structured(response, replies, generation_kwargs)
        for reply in replies:
            _check_finish_reason(reply.meta)
        return {"replies": replies}

    @component.output_types(replies=list[ChatMessage])
    async def run_async(
        self,
        messages: list[ChatMessage] | str,
        streaming_callback: StreamingCallbackT | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        *,
        tools: ToolsType | None = None,
        tools_strict: bool | None = None,
    ) -> dict[str, list[ChatMessage]]:
        """
        Sends the conversation to the model without blocking the event loop, and returns its replies.

        :param messages: The conversation, as `ChatMessage`s, or a str taken as one user message.
        :param streaming_callback: Called with each `StreamingChunk`, sync or async; overrides the one given at init.
        :param generation_kwargs: Request parameters, merged key by key over those given at init.
        :param tools: Tools for this call; overrides those given at init. `[]` offers none.
        :param tools_strict: Overrides `tools_strict` given at init.
        :returns: `{"replies": [ChatMessage, ...]}`.
        :raises ValueError / TypeError: Bad input, before any request is sent.
        :raises openai.APIStatusError: The API refused the request; the text is AI/ML API's own message.
        :raises StreamInterruptedError: A stream broke or closed before it was complete.
        """
        messages = _validate_messages(messages)
        client = await self._async_client_for_call()
        callback = select_streaming_callback(
            init_callback=self.streaming_callback, runtime_callback=streaming_callback, requires_async=True
        )
        api_args = self._prepare_api_call(
            messages=messages,
            streaming_callback=callback,
            generation_kwargs=generation_kwargs,
            tools=tools,
            tools_strict=tools_strict,
        )
        endpoint = getattr(client.chat.completions, api_args.pop("openai_endpoint"))
        response = await endpoint(**api_args)
        if callback is not None:
            replies = await self._handle_async_stream_response(response, callback)
        else:
            replies = self._convert_response(response)
            self._check_structured(response, replies, generation_kwargs)
        for reply in replies:
            _check_finish_reason(reply.meta)
        return {"replies": replies}
