# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

import asyncio
import os
import types
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, NoReturn, TypeGuard

import httpx
import openai
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
from openai import APIError, APIResponseValidationError, ContentFilterFinishReasonError, LengthFinishReasonError
from openai.types.chat import ChatCompletion, completion_create_params
from pydantic import BaseModel

from haystack_integrations.common.aimlapi import (
    AIMLAPIClientsMixin,
    StreamInterruptedError,
    chat_request_defaults,
    check_api_key,
    check_organization,
    cost_from_body,
    cost_from_headers,
    default_api_key,
    error_message_from_body,
    resolve_base_url,
)
from haystack_integrations.common.aimlapi.clients import responses_received
from haystack_integrations.common.aimlapi.errors import redact
from haystack_integrations.common.aimlapi.sse import (
    TRANSPORT_ERRORS,
    StreamErrorEvent,
    aiter_stream_data,
    iter_stream_data,
    loads,
)
from haystack_integrations.common.aimlapi.tracking import (
    CLIENT_REQUEST_ID_HEADER,
    CLIENT_REQUEST_ID_META_KEY,
    INFERENCE_ID_HEADER,
    INFERENCE_ID_META_KEY,
    REQUEST_ID_META_KEY,
    client_request_id,
    record_call,
)
from haystack_integrations.common.aimlapi.upstream import call_streaming_callback as _call_streaming_callback
from haystack_integrations.common.aimlapi.upstream import parent_chat_request
from haystack_integrations.common.aimlapi.upstream import strict_json_schema as to_strict_json_schema
from haystack_integrations.common.aimlapi.upstream import warn_on_finish_reason as _check_finish_reason

from .conversions import REASONING_DETAILS_KEY, ReplyShapeError, StreamAssembler, convert_completion_to_messages

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "openai/gpt-5-chat-latest"

# Keys of the request that belong to the component, not to `generation_kwargs` or `extra_body`.
_COMPONENT_OWNED_KEYS = ("model", "messages", "stream", "n")
# `tool_choice` values that name no particular tool.
_GENERIC_TOOL_CHOICES = ("auto", "none", "required", "any")
# Errors raised while a stream's events are read and decoded (JSONDecodeError is a ValueError): the SDK's stream
# raises APIError for an error event, and the lean reader StreamErrorEvent; older openai releases let the HTTP
# library's own errors out of a broken stream.
_STREAM_ERRORS: tuple[type[BaseException], ...] = (APIError, ValueError, StreamErrorEvent, *TRANSPORT_ERRORS)

CHAT_COMPLETIONS_PATH = "/chat/completions"
# Keyword arguments of `chat.completions.create()` that are request options, not JSON fields.
_REQUEST_OPTION_KEYS = ("extra_headers", "extra_query", "extra_body", "timeout")
# The keys `create()` types, taken from the SDK's own request types once, at import. Not from `create`'s signature:
# under a test's `patch(...Completions.create)` or an instrumentation wrapper that signature is the replacement's,
# and every key would have moved into `extra_body`.
_TYPED_PARAMETERS = frozenset(
    completion_create_params.CompletionCreateParamsNonStreaming.__required_keys__
    | completion_create_params.CompletionCreateParamsNonStreaming.__optional_keys__
    | completion_create_params.CompletionCreateParamsStreaming.__optional_keys__
    | set(_REQUEST_OPTION_KEYS)
)
# Key of `_prepare_api_call`'s result that says the request id was made up by the component (popped before sending).
_GENERATED_REQUEST_ID = "aimlapi_generated_request_id"
_SDK_CREATE_MODULE = "openai.resources.chat.completions.completions"
_OPENAI_PACKAGE_DIR = os.path.dirname(openai.__file__) + os.sep
_SDK_CREATE_NAMES = ("Completions.create", "AsyncCompletions.create")
# Longest excerpt of an unreadable body quoted in an exception.
_MAX_EXCERPT = 200
_UTF8_BOM = b"\xef\xbb\xbf"


def _is_sdk_create(create: Any) -> bool:
    """
    Whether `create` is the `openai` SDK's own `chat.completions.create`, neither patched nor wrapped.

    Only then does the component send the request itself through the client and read the answer as plain JSON (the
    lean path): a mock, an instrumentation wrapper, or anything else a user put in its place must see every request,
    as it would with Haystack's own generator, so those go through `create()` and its return value is read instead.
    The SDK wraps `create` itself (with `functools.wraps`), so every function of the `__wrapped__` chain must be code
    of the `openai` package: a user's wrapper, even one made with `functools.wraps`, is code of their own.
    """
    function = getattr(create, "__func__", None)
    if type(function) is not types.FunctionType:
        return False
    checked, verdict = _LAST_CREATE_CHECKED[0]
    if checked is function:
        return verdict
    verdict = _is_openai_create_function(function)
    _LAST_CREATE_CHECKED[0] = (function, verdict)  # one tuple, replaced whole: safe to read from any thread
    return verdict


# The last function `_is_sdk_create` looked at, and its verdict: nearly every call asks about the same one.
_LAST_CREATE_CHECKED: list[tuple[Any, bool]] = [(None, False)]


def _is_openai_create_function(function: types.FunctionType) -> bool:
    while True:
        if not function.__code__.co_filename.startswith(_OPENAI_PACKAGE_DIR):
            return False
        inner = function.__dict__.get("__wrapped__")
        if inner is None:
            break
        if type(inner) is not types.FunctionType:
            return False
        function = inner
    return function.__module__ == _SDK_CREATE_MODULE and function.__qualname__ in _SDK_CREATE_NAMES


def _lean_request(api_args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """
    The JSON body and the request options `create(**api_args)` would send, without `create()`'s argument
    transformation, which costs more than reading a whole reply. The body is exactly what `create()` sends: the
    component's arguments are plain JSON already, and `extra_body` is merged over them, as the SDK merges it.
    """
    body = dict(api_args)
    options: dict[str, Any] = {"security": {"bearer_auth": True}}
    headers = body.pop("extra_headers", None)
    if headers:
        options["headers"] = headers
    query = body.pop("extra_query", None)
    if query:
        options["params"] = query
    if "timeout" in body:
        options["timeout"] = body.pop("timeout")
    extra_body = body.pop("extra_body", None)
    # `stream: false` and `n: 1` are the API's defaults; the parent always sets both.
    if body.get("stream") is False:
        del body["stream"]
    if body.get("n") == 1:
        del body["n"]
    if extra_body:
        body.update(extra_body)
    return body, options


def _secrets(client: Any) -> tuple[str, ...]:
    """Values never to repeat in an error's text: the client's key, which a server may quote back."""
    api_key = getattr(client, "api_key", None)
    return (api_key,) if isinstance(api_key, str) and api_key else ()


def _content_type(response: Any) -> str:
    return str(response.headers.get("content-type", "")).split(";", 1)[0].strip().lower()


# Content types that answer a streaming request with one body rather than events: some OpenAI-compatible servers
# ignore `stream` for some models, and proxies answer with an HTML page.
_NOT_EVENT_STREAMS = ("application/json", "text/html")


def _answered_without_events(response: Any) -> TypeGuard[Any]:
    """Whether the server answered a streaming request with a body of a kind that holds no events to read."""
    return response is not None and _content_type(response) in _NOT_EVENT_STREAMS


def _as_data(obj: Any) -> Any:
    """What the SDK (or a replacement of `create`) returned, as the decoded JSON it was built from."""
    if type(obj) is dict:  # the lean path's chunks, every time: skip the slower checks below
        return obj
    if isinstance(obj, openai.BaseModel):
        # The SDK builds its objects without validating them; dumping one built from a body of the wrong shape warns
        # once per odd field. The converters check every field they read and name the problem themselves.
        return obj.to_dict(warnings=False)
    to_dict = getattr(obj, "to_dict", None)
    if isinstance(obj, BaseModel) and callable(to_dict):
        return to_dict()
    if isinstance(obj, Mapping):
        return dict(obj)
    return obj


def _not_a_completion(response: Any, raw: bytes, problem: str, secrets: tuple[str, ...]) -> APIResponseValidationError:
    """The error for a success status whose body is not a chat completion: status, content type and an excerpt."""
    status = getattr(response, "status_code", None)
    content_type = _content_type(response) or "no content type"
    text = raw.decode("utf-8", errors="replace").strip()
    excerpt = repr(text[:_MAX_EXCERPT] + ("…" if len(text) > _MAX_EXCERPT else "")) if text else "an empty body"
    message = redact(
        f"The server answered {status} ({content_type}) with a body that is not a chat completion: {problem}. "
        f"The body began: {excerpt}",
        secrets,
    )
    try:
        body: Any = loads(raw) if raw else None
    except ValueError:
        body = None
    server_message = error_message_from_body(body) if isinstance(body, dict) else None
    if server_message:
        message += redact(f" (the server's message: {server_message})", secrets)
    return APIResponseValidationError(response=response, body=redact(text[:_MAX_EXCERPT], secrets), message=message)


def _synthetic_response(status: int = 200) -> httpx.Response:
    # A replaced `create()` returned something unreadable, with no HTTP response behind it to quote.
    return httpx.Response(status, request=httpx.Request("POST", CHAT_COMPLETIONS_PATH))


def _completion_from_response(response: Any, secrets: tuple[str, ...]) -> dict[str, Any]:
    """The decoded body of a non-streamed reply, with the cost its headers state when the body has none."""
    raw = response.content
    stripped = raw[3:] if raw.startswith(_UTF8_BOM) else raw
    if not stripped.strip():
        raise _not_a_completion(response, raw, "the body is empty", secrets)
    try:
        body = loads(stripped)
    except ValueError as error:
        raise _not_a_completion(response, raw, f"the body is not JSON ({error})", secrets) from None
    if not isinstance(body, dict):
        return body
    # AI/ML API states the cost of a non-streamed reply twice: in the body and in `x-aimlapi-*` headers.
    if cost_from_body(body) is None:
        cost = cost_from_headers(response.headers)
        if cost is not None:
            meta = body.get("meta")
            body["meta"] = {**meta, "usage": cost} if isinstance(meta, Mapping) else {"usage": cost}
    return body


def _not_a_stream(content_type: str, body: bytes, secrets: tuple[str, ...]) -> StreamInterruptedError:
    """The error for a streaming request answered with one body instead of events (see `_json_instead_of_stream`)."""
    if content_type == "application/json":
        return _json_instead_of_stream(body, secrets)
    text = error_message_from_body(body) or "an empty page"
    return StreamInterruptedError(
        redact(
            f"The server answered the streaming request with an HTML page instead of an event stream: {text}", secrets
        ),
        reason="malformed",
    )


def _json_instead_of_stream(body: bytes, secrets: tuple[str, ...]) -> StreamInterruptedError:
    """
    The error for a streaming request answered with one JSON body: some OpenAI-compatible servers ignore `stream`
    for some models. Read as a stream it holds no events, which would look like a reply cut off before its first
    chunk; this says what happened, and keeps the reply or the server's message.
    """
    try:
        data = loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("choices"):
        try:
            reply: ChatMessage | None = convert_completion_to_messages(data)[0]
        except ValueError:
            reply = None
        if reply is not None:
            return StreamInterruptedError(
                "The server answered the streaming request with one JSON reply instead of an event stream, so "
                "nothing reached the streaming callback. The reply is in this error's `partial_reply`; to get it as "
                "a result, call without a streaming callback.",
                reason="malformed",
                partial_reply=reply,
            )
    message = redact(error_message_from_body(data if data is not None else body) or "an empty body", secrets)
    return StreamInterruptedError(
        f"The server answered the streaming request with a JSON body instead of an event stream: {message}",
        reason="error" if isinstance(data, dict) else "malformed",
    )


def _read_chunks(source: Any, assembler: StreamAssembler) -> Iterator[Any]:
    """The stream's chunks, as decoded JSON. Only a failure to read one is a broken stream: an error raised while a
    chunk is being handled (by a streaming callback, say) is not caught here, so it reaches the caller unchanged."""
    try:
        for chunk in source:
            yield _as_data(chunk)
    except _STREAM_ERRORS as error:
        raise assembler.interrupted(error) from error


def _set_client_request_id(api_args: dict[str, Any], init_headers: Mapping[str, Any] | None) -> bool:
    """
    Give the call its `X-Client-Request-Id`: `generation_kwargs["client_request_id"]`, else the header set in this
    call's or the component's `extra_headers`, else a new random id. Raises before sending an id AI/ML API would drop.
    Returns whether the id was made here rather than asked for.
    """
    requested = api_args.pop(CLIENT_REQUEST_ID_META_KEY, None)
    headers: dict[str, Any] = {}
    for name, value in (api_args.get("extra_headers") or {}).items():
        if name.lower() != CLIENT_REQUEST_ID_HEADER.lower():
            headers[name] = value
        elif requested is None:
            requested = value
    if requested is None:
        requested = next(
            (v for k, v in (init_headers or {}).items() if k.lower() == CLIENT_REQUEST_ID_HEADER.lower()), None
        )
    headers[CLIENT_REQUEST_ID_HEADER] = client_request_id(requested)
    api_args["extra_headers"] = headers
    return requested is None


def _as_the_parent_calls(api_args: dict[str, Any]) -> None:
    """
    Leave out of a replaced `create()`'s arguments the request id the component made up: a test's mock or an
    instrumentation wrapper then gets exactly the keyword arguments Haystack's own generator passes. An id the
    user asked for stays.
    """
    if not api_args.pop(_GENERATED_REQUEST_ID, False):
        return
    headers = {k: v for k, v in api_args["extra_headers"].items() if k != CLIENT_REQUEST_ID_HEADER}
    if headers:
        api_args["extra_headers"] = headers
    else:
        del api_args["extra_headers"]


def _headers_of(result: Any) -> Mapping[str, str]:
    """The HTTP headers behind what a replaced `create()` returned, where it keeps them (an SDK stream does)."""
    headers = getattr(getattr(result, "response", None), "headers", None)
    return headers if isinstance(headers, Mapping) else {}


def _sdk_stream_response(result: Any) -> Any:
    """
    The HTTP response behind what a replaced `create()` returned, when that is the SDK's own stream object, as the
    SDK built it: its events are then read as the lean path reads them. The SDK's decoder drops an event behind a
    byte-order mark, lets an error event after the finish reason pass, and words an error event in AI/ML API's shape
    as a generic failure. Anything else (a mock's iterator, a wrapper's proxy) is iterated as it is.
    """
    if type(result) is openai.Stream or type(result) is openai.AsyncStream:
        return result.response
    return None


def _last_headers(received: list[Any]) -> Mapping[str, str]:
    """The headers of the last HTTP response the client received during a call, if it received one."""
    return received[-1].headers if received else {}


def _report_interrupted(
    error: StreamInterruptedError, *, headers: Mapping[str, str], api_args: Mapping[str, Any]
) -> None:
    # A stream that broke after its cost arrived was charged all the same.
    _report_call([error.partial_reply] if error.partial_reply else [], headers=headers, api_args=api_args)


def _report_call(replies: list[ChatMessage], *, headers: Mapping[str, str], api_args: Mapping[str, Any]) -> None:
    """Put the call's ids into each reply's meta, and report its cost and ids once (tracker, tracing span)."""
    sent_id = (api_args.get("extra_headers") or {}).get(CLIENT_REQUEST_ID_HEADER)
    inference_id = headers.get(INFERENCE_ID_HEADER)
    for reply in replies:
        reply.meta.update({CLIENT_REQUEST_ID_META_KEY: sent_id, INFERENCE_ID_META_KEY: inference_id})
    first = replies[0].meta if replies else {}
    request_id = first.get(REQUEST_ID_META_KEY)
    record_call(
        first.get("cost"),
        model=first.get("model"),
        component="AIMLAPIChatGenerator",
        client_request_id=sent_id,
        request_id=request_id,
        inference_id=inference_id,
    )


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
    print(reply.meta.get("cost"))  # {'credits_used': 248, 'usd_spent': 0.000124}; None if the server reports none
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
    - answers are read as plain JSON rather than as the `openai` SDK's objects, which roughly halves the client's
      CPU for a stream; a body that is not a chat completion raises `openai.APIResponseValidationError`. A
      `chat.completions.create` replaced by a mock or a wrapper is called with the parent's arguments instead;
    - errors carry AI/ML API's own message, e.g. "You've run out of credits".

    Each reply's meta holds `model`, `index`, `finish_reason`, `provider_finish_reason`, `usage` and `cost`
    (`{"credits_used": int, "usd_spent": float}`), plus `completion_start_time` for streamed replies. A reply with a
    cost also has it in `usage` (`cost` in US dollars, `credits_used`), so that totals of usage sum the spend.
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
        # `stream: false` and `n: 1` stay, as the parent passes them to a replaced `create()`; the lean path leaves
        # both defaults out of the body.
        api_args["stream"] = is_streaming

        self._add_reasoning_details(messages, api_args["messages"])
        generated_id = _set_client_request_id(api_args, self.extra_headers)
        self._move_untyped_keys_to_body(api_args)
        api_args[_GENERATED_REQUEST_ID] = generated_id
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
        typed = _TYPED_PARAMETERS
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
    #
    # Two ways to read an answer, with one conversion behind both:
    # - the lean path, while `chat.completions.create` is the SDK's own: the client sends the request (auth, retries
    #   with Retry-After, status errors, timeouts) and hands back the raw HTTP response, whose body is read here as
    #   plain JSON. Building the SDK's pydantic objects was most of the client's CPU for a stream;
    # - otherwise `create()` itself, as the parent calls it, so that a test's mock or an instrumentation wrapper sees
    #   every request; what it returns is read through `to_dict()`.

    def _replies_from_body(self, completion: Any, response: Any, secrets: tuple[str, ...]) -> list[ChatMessage]:
        try:
            return convert_completion_to_messages(completion)
        except ReplyShapeError as error:
            raw = response.content if hasattr(response, "content") else str(completion).encode()
            raise _not_a_completion(response, raw, str(error), secrets) from None

    def _plain_replies(self, client: Any, response: Any) -> tuple[list[ChatMessage], Any]:
        """The replies in the (already read) answer to a request that did not stream, and the completion body."""
        secrets = _secrets(client)
        if _content_type(response) == "text/event-stream":
            # Some OpenAI-compatible servers stream whatever `stream` says. The events hold the whole reply, so they
            # are read as a stream would be (an incomplete one still raises StreamInterruptedError).
            assembler = self._assembler(client)
            for chunk in _read_chunks(iter_stream_data(response), assembler):
                assembler.add(chunk)
            return [assembler.finish()], {}
        completion = _completion_from_response(response, secrets)
        return self._replies_from_body(completion, response, secrets), completion

    def _replies_from_sdk(self, client: Any, completion: Any, received: list[Any]) -> tuple[list[ChatMessage], Any]:
        """
        The replies in what `create()` returned, and the completion. `received` holds the HTTP responses the client
        parsed during the call: when what came back is not a chat completion (the SDK hands a body that is not JSON
        over as its text), the body is read from the last of them as the lean path reads it, so that both paths name
        the same status, content type and excerpt, and read events that answered a request that did not stream.
        """
        secrets = _secrets(client)
        response = getattr(completion, "response", None)
        if not hasattr(response, "status_code"):
            if received:
                try:
                    return convert_completion_to_messages(_as_data(completion)), completion
                except ValueError:  # ReplyShapeError, or pydantic failing to dump what the SDK built
                    return self._plain_replies(client, received[-1])
            response = _synthetic_response()
        return self._replies_from_body(_as_data(completion), response, secrets), completion

    def _raise_unparsed(self, client: Any, received: list[Any], error: BaseException) -> NoReturn:
        """
        Re-raise an error `create()` raised while the SDK parsed a successful answer (bad JSON, invalid UTF-8, nesting
        too deep) as the typed error the lean path raises for that body; anything else unchanged.
        """
        if not received or isinstance(error, APIError) or not isinstance(error, ValueError | RecursionError):
            raise error
        self._plain_replies(client, received[-1])  # raises for a body the SDK could not parse
        raise error

    def _check_structured(
        self, body: Any, replies: list[ChatMessage], generation_kwargs: dict[str, Any] | None
    ) -> None:
        response_format = (generation_kwargs or {}).get(
            "response_format", self.generation_kwargs.get("response_format")
        )
        if _is_pydantic_model(response_format):
            completion = body if not isinstance(body, dict) else ChatCompletion.construct(**body)
            _check_structured_replies(completion, replies, response_format)

    def _assembler(self, client: Any) -> StreamAssembler:
        return StreamAssembler(ComponentInfo.from_component(self), secrets=_secrets(client))

    # The two loops below read the next chunk inside `try` themselves rather than through `_read_chunks`: one
    # generator (for a stream, an async generator) less between the socket and the callback, paid for every chunk.
    # As there, only a failure to read a chunk is a broken stream; the callback's own errors reach the caller as
    # they are.
    def _stream(self, source: Iterator[Any], assembler: StreamAssembler, callback: SyncStreamingCallbackT) -> None:
        chunks = iter(source)
        while True:
            try:
                chunk = next(chunks)
                if type(chunk) is not dict:
                    chunk = _as_data(chunk)
            except StopIteration:
                return
            except _STREAM_ERRORS as error:
                raise assembler.interrupted(error) from error
            for streaming_chunk in assembler.add(chunk):
                callback(streaming_chunk)

    async def _stream_async(
        self, source: AsyncIterator[Any], assembler: StreamAssembler, callback: StreamingCallbackT
    ) -> None:
        chunks = aiter(source)
        while True:
            try:
                chunk = await anext(chunks)
                if type(chunk) is not dict:
                    chunk = _as_data(chunk)
            except StopAsyncIteration:
                return
            except _STREAM_ERRORS as error:
                raise assembler.interrupted(error) from error
            for streaming_chunk in assembler.add(chunk):
                pending = _call_streaming_callback(callback, streaming_chunk)
                if pending is not None:
                    await pending

    def _call(
        self,
        client: Any,
        api_args: dict[str, Any],
        callback: SyncStreamingCallbackT | None,
        answer_headers: dict[str, str],
    ) -> Any:
        """
        The replies to one request, sent and read synchronously; the completion, for structured checks. The answer's
        headers go into `answer_headers` as soon as they arrive, so that a stream broken later still names its call.
        """
        completions = client.chat.completions
        endpoint = api_args.pop("openai_endpoint")
        secrets = _secrets(client)
        if not _is_sdk_create(completions.create):
            _as_the_parent_calls(api_args)
            with responses_received() as received:
                try:
                    result = getattr(completions, endpoint)(**api_args)
                except Exception as error:
                    if callback is not None:
                        raise
                    self._raise_unparsed(client, received, error)
            answer_headers.update(_headers_of(result) or _last_headers(received))
            if callback is None:
                return self._replies_from_sdk(client, result, received)
            return self._handle_stream_response(result, callback, client), None
        api_args.pop(_GENERATED_REQUEST_ID, None)
        body, options = _lean_request(api_args)
        streaming = callback is not None
        response = client.post(
            CHAT_COMPLETIONS_PATH, body=body, options=options, cast_to=httpx.Response, stream=streaming
        )
        answer_headers.update(response.headers)
        if callback is None:
            return self._plain_replies(client, response)
        assembler = self._assembler(client)
        try:
            if _answered_without_events(response):
                raise _not_a_stream(_content_type(response), response.read(), secrets)
            self._stream(iter_stream_data(response), assembler, callback)
            replies = [assembler.finish()]
        finally:
            # Read to its end above, or broken, failed in a callback or interrupted: release the connection now.
            response.close()
        return replies, None

    async def _call_async(
        self,
        client: Any,
        api_args: dict[str, Any],
        callback: StreamingCallbackT | None,
        answer_headers: dict[str, str],
    ) -> Any:
        """`_call`, without blocking the event loop."""
        completions = client.chat.completions
        endpoint = api_args.pop("openai_endpoint")
        secrets = _secrets(client)
        if not _is_sdk_create(completions.create):
            _as_the_parent_calls(api_args)
            with responses_received() as received:
                try:
                    result = await getattr(completions, endpoint)(**api_args)
                except Exception as error:
                    if callback is not None:
                        raise
                    self._raise_unparsed(client, received, error)
            answer_headers.update(_headers_of(result) or _last_headers(received))
            if callback is None:
                return self._replies_from_sdk(client, result, received)
            return await self._handle_async_stream_response(result, callback, client), None
        api_args.pop(_GENERATED_REQUEST_ID, None)
        body, options = _lean_request(api_args)
        streaming = callback is not None
        response = await client.post(
            CHAT_COMPLETIONS_PATH, body=body, options=options, cast_to=httpx.Response, stream=streaming
        )
        answer_headers.update(response.headers)
        if callback is None:
            return self._plain_replies(client, response)
        assembler = self._assembler(client)
        try:
            if _answered_without_events(response):
                raise _not_a_stream(_content_type(response), await response.aread(), secrets)
            await self._stream_async(aiter_stream_data(response), assembler, callback)
            replies = [assembler.finish()]
        finally:
            # Also while the task is being cancelled.
            await asyncio.shield(response.aclose())
        return replies, None

    def _handle_stream_response(
        self, chat_completion: Any, callback: SyncStreamingCallbackT, client: Any = None
    ) -> list[ChatMessage]:
        assembler = self._assembler(client)
        response = getattr(chat_completion, "response", None)
        if _answered_without_events(response):
            body = response.read()
            chat_completion.close()
            raise _not_a_stream(_content_type(response), body, assembler.secrets)
        raw = _sdk_stream_response(chat_completion)
        try:
            self._stream(iter_stream_data(raw) if raw is not None else chat_completion, assembler, callback)
        except BaseException:
            # The stream broke, the callback failed or the caller interrupted: release the connection now, not at
            # garbage collection.
            close = getattr(chat_completion, "close", None)
            if close is not None:
                close()
            raise
        if raw is not None:
            raw.close()
        return [assembler.finish()]

    async def _handle_async_stream_response(
        self, chat_completion: Any, callback: StreamingCallbackT, client: Any = None
    ) -> list[ChatMessage]:
        assembler = self._assembler(client)
        response = getattr(chat_completion, "response", None)
        if _answered_without_events(response):
            body = await response.aread()
            await chat_completion.close()
            raise _not_a_stream(_content_type(response), body, assembler.secrets)
        raw = _sdk_stream_response(chat_completion)
        try:
            await self._stream_async(
                aiter_stream_data(raw) if raw is not None else chat_completion, assembler, callback
            )
        except BaseException:
            # Cancelled, the stream broke or the callback failed: release the connection, even while the task is
            # being cancelled.
            close = getattr(chat_completion, "close", None)
            if close is not None:
                await asyncio.shield(close())
            raise
        if raw is not None:
            await asyncio.shield(raw.aclose())
        return [assembler.finish()]

    def _finish(self, replies: list[ChatMessage], completion: Any, generation_kwargs: Any) -> dict[str, Any]:
        """The one place replies are finished, streamed or not, sync or async."""
        if completion is not None:
            self._check_structured(completion, replies, generation_kwargs)
        for reply in replies:
            _check_finish_reason(reply.meta)
        return {"replies": replies}

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
        answer_headers: dict[str, str] = {}
        try:
            replies, completion = self._call(client, api_args, callback, answer_headers)
        except StreamInterruptedError as error:
            _report_interrupted(error, headers=answer_headers, api_args=api_args)
            raise
        _report_call(replies, headers=answer_headers, api_args=api_args)
        return self._finish(replies, completion, generation_kwargs)

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
        answer_headers: dict[str, str] = {}
        try:
            replies, completion = await self._call_async(client, api_args, callback, answer_headers)
        except StreamInterruptedError as error:
            _report_interrupted(error, headers=answer_headers, api_args=api_args)
            raise
        _report_call(replies, headers=answer_headers, api_args=api_args)
        return self._finish(replies, completion, generation_kwargs)
