# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The boundary with `openai` and Haystack: every name this package needs from them that is not their public API.

Four private names are still used, and this is the only module that touches them. Two are hooks of `openai`'s
client classes:

- `_make_status_error`, which builds the exception for an HTTP error. Its result is rewritten so that it carries
  AI/ML API's own message and request id, with the key redacted (`HookedOpenAI.rewrite_status_error`).
- `_process_response`, which parses a response body. Its result gains the cost AI/ML API states in the headers
  when the body has none (`HookedOpenAI.after_response`). The public `with_raw_response` would give the headers
  too, but only to a call site that reads the raw response itself, and the chat path keeps the SDK's own calls.

Two are the request builders of Haystack's parents, which the components extend rather than copy:

- `OpenAIChatGenerator._prepare_api_call`, the SDK call's keyword arguments (`parent_chat_request`);
- `OpenAITextEmbedder._prepare_input`, the embeddings request's fields (`parent_embedding_request`).

No public API gives any of these. (A client the user assigns, `component.client = OpenAI(...)`, is used as given,
without the two client hooks.) `upstream_problems()` checks all four against the installed releases, and the
contract tests in `tests/contract/test_upstream.py` fail with its message, and on the behaviour, when a release
renames or reshapes one.

The rest are this package's own short versions of private Haystack/`openai` helpers it once imported, built on
public APIs only, so that a new release cannot break them, and the exceptions that differ between the supported
`openai` releases.
"""

import importlib
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from haystack import logging
from openai import (
    APIStatusError,
    AsyncOpenAI,
    OpenAI,
    pydantic_function_tool,
)
from pydantic import BaseModel

logger = logging.getLogger(__name__)

STATUS_ERROR_HOOK = "_make_status_error"
RESPONSE_HOOK = "_process_response"
# The keyword arguments of `_process_response` that `after_response` reads.
RESPONSE_HOOK_KEYWORDS = ("response", "stream")
_CHAT_REQUEST_KEYWORDS = ("messages", "streaming_callback", "generation_kwargs", "tools", "tools_strict")


class HookedOpenAI(OpenAI):
    """
    An `openai.OpenAI` whose HTTP errors and parsed responses pass through `rewrite_status_error` and
    `after_response`, two methods a subclass overrides.
    """

    def rewrite_status_error(self, error: APIStatusError) -> APIStatusError:
        """
        The exception raised for an HTTP error; `error` is the one `openai` built.

        :param error: The SDK's exception, with its `response` and decoded `body`.
        :returns: The exception to raise.
        """
        return error

    def after_response(self, result: Any, response: Any, *, stream: bool) -> Any:  # noqa: ARG002
        """
        The parsed result of a successful call; `result` is what `openai` parsed from `response`.

        :param result: The SDK's parsed result (a pydantic model, a stream, or an `httpx.Response`).
        :param response: The HTTP response it was parsed from.
        :param stream: Whether the call streams.
        :returns: The result to return to the caller.
        """
        return result

    def received_response(self, response: Any) -> None:
        """
        Called with each successful HTTP response before `openai` parses it, even when parsing then fails.

        :param response: The HTTP response.
        """

    def _make_status_error(self, *args: Any, **kwargs: Any) -> APIStatusError:
        return self.rewrite_status_error(super()._make_status_error(*args, **kwargs))

    def _process_response(self, *args: Any, **kwargs: Any) -> Any:
        self.received_response(kwargs.get("response"))
        result = super()._process_response(*args, **kwargs)
        return self.after_response(result, kwargs.get("response"), stream=bool(kwargs.get("stream")))


class HookedAsyncOpenAI(AsyncOpenAI):
    """The asynchronous twin of `HookedOpenAI`."""

    def rewrite_status_error(self, error: APIStatusError) -> APIStatusError:
        """
        The exception raised for an HTTP error; `error` is the one `openai` built.

        :param error: The SDK's exception, with its `response` and decoded `body`.
        :returns: The exception to raise.
        """
        return error

    def after_response(self, result: Any, response: Any, *, stream: bool) -> Any:  # noqa: ARG002
        """
        The parsed result of a successful call; `result` is what `openai` parsed from `response`.

        :param result: The SDK's parsed result (a pydantic model, a stream, or an `httpx.Response`).
        :param response: The HTTP response it was parsed from.
        :param stream: Whether the call streams.
        :returns: The result to return to the caller.
        """
        return result

    def received_response(self, response: Any) -> None:
        """
        Called with each successful HTTP response before `openai` parses it, even when parsing then fails.

        :param response: The HTTP response.
        """

    def _make_status_error(self, *args: Any, **kwargs: Any) -> APIStatusError:
        return self.rewrite_status_error(super()._make_status_error(*args, **kwargs))

    async def _process_response(self, *args: Any, **kwargs: Any) -> Any:
        self.received_response(kwargs.get("response"))
        result = await super()._process_response(*args, **kwargs)
        return self.after_response(result, kwargs.get("response"), stream=bool(kwargs.get("stream")))


def replace_error_text(error: APIStatusError, text: str, body: object) -> APIStatusError:
    """
    `error` with its text and body replaced, keeping its class, response, status and request id.

    Changed in place, with public attributes only, so that it does not depend on the constructor of each of
    `openai`'s error classes.
    """
    error.message = text
    error.body = body
    error.args = (text,)
    return error


def upstream_problems() -> list[str]:
    """
    What has changed in the installed `openai` that this module relies on, in words; empty when nothing has.

    :returns: One sentence per problem, naming the symbol and what this package loses without it.
    """
    problems: list[str] = []
    for client_class in (OpenAI, AsyncOpenAI):
        name = client_class.__name__
        hook = getattr(client_class, STATUS_ERROR_HOOK, None)
        if not callable(hook):
            problems.append(
                f"openai.{name}.{STATUS_ERROR_HOOK} is gone: HTTP errors no longer carry AI/ML API's own message "
                "and request id. Find the method that builds APIStatusError now and hook it in upstream.py."
            )
        else:
            parameters = inspect.signature(hook).parameters
            if not {"body", "response"} <= set(parameters):
                problems.append(
                    f"openai.{name}.{STATUS_ERROR_HOOK} no longer takes body= and response= "
                    f"(now {list(parameters)}): check that it still builds the APIStatusError from the response."
                )
        hook = getattr(client_class, RESPONSE_HOOK, None)
        if not callable(hook):
            problems.append(
                f"openai.{name}.{RESPONSE_HOOK} is gone: non-streamed replies no longer get the cost stated in "
                "AI/ML API's headers. Find the method that parses a response now and hook it in upstream.py."
            )
        else:
            parameters = inspect.signature(hook).parameters
            missing = [keyword for keyword in RESPONSE_HOOK_KEYWORDS if keyword not in parameters]
            if missing:
                problems.append(
                    f"openai.{name}.{RESPONSE_HOOK} no longer takes {', '.join(missing)}= (now {list(parameters)}): "
                    "after_response would not see the HTTP response."
                )
    problems.extend(_parent_problems())
    return problems


# The parents' request builders, and the keyword arguments the components pass them.
_PARENT_BUILDERS = (
    ("haystack.components.generators.chat", "OpenAIChatGenerator", "_prepare_api_call", _CHAT_REQUEST_KEYWORDS),
    ("haystack.components.embedders", "OpenAITextEmbedder", "_prepare_input", ("text",)),
)


def _parent_problems() -> list[str]:
    problems = []
    for module_name, class_name, method_name, keywords in _PARENT_BUILDERS:
        parent = getattr(importlib.import_module(module_name), class_name)
        method = getattr(parent, method_name, None)
        if not callable(method):
            problems.append(
                f"{module_name}.{class_name}.{method_name} is gone: the component built on it can no longer reuse "
                "the parent's request. Find its replacement and use it in upstream.py."
            )
            continue
        missing = [keyword for keyword in keywords if keyword not in inspect.signature(method).parameters]
        if missing:
            problems.append(
                f"{module_name}.{class_name}.{method_name} no longer takes {', '.join(missing)}= "
                f"(now {list(inspect.signature(method).parameters)})."
            )
    return problems


def parent_chat_request(parent: Any, **arguments: Any) -> dict[str, Any]:
    """
    The SDK call's keyword arguments as Haystack's `OpenAIChatGenerator` builds them, plus its `openai_endpoint`.

    :param parent: `super(Component, self)` of a subclass of `OpenAIChatGenerator`.
    :param arguments: `messages`, `streaming_callback`, `generation_kwargs`, `tools`, `tools_strict`.
    :returns: The keyword arguments.
    """
    result: dict[str, Any] = parent._prepare_api_call(**arguments)
    return result


def parent_embedding_request(parent: Any, text: str) -> dict[str, Any]:
    """
    The fields of an embeddings request for `text` as Haystack's `OpenAITextEmbedder` builds them (model, input with
    prefix and suffix, dimensions).

    :param parent: `super(Component, self)` of a subclass of `OpenAITextEmbedder`.
    :param text: The text to embed.
    :returns: The request fields.
    """
    result: dict[str, Any] = parent._prepare_input(text=text)
    return result


# --- this package's own versions of private helpers ---------------------------------------------------------------


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """
    The strict JSON schema OpenAI's structured outputs expect for a Pydantic model (every property required, no
    extra properties), as the SDK itself builds it, through its public `pydantic_function_tool`.

    :param model: A Pydantic model class.
    :returns: The JSON schema.
    """
    return dict(pydantic_function_tool(model)["function"]["parameters"])


def warn_on_finish_reason(meta: Mapping[str, Any]) -> None:
    """
    Log a warning for a reply cut off by the token limit or by a content filter, as Haystack's generator does.

    :param meta: A reply's meta, with `finish_reason` and `index`.
    """
    finish_reason = meta.get("finish_reason")
    if finish_reason == "length":
        logger.warning(
            "Reply {index} has been truncated before reaching a natural stopping point: it hit the token limit. "
            "Raise max_tokens (or max_completion_tokens) in generation_kwargs for a longer reply.",
            index=meta.get("index"),
            finish_reason=finish_reason,
        )
    elif finish_reason == "content_filter":
        logger.warning(
            "Reply {index} has been truncated due to the content filter.",
            index=meta.get("index"),
            finish_reason=finish_reason,
        )


def call_streaming_callback(callback: Callable[[Any], Awaitable[None] | None], chunk: Any) -> Awaitable[None] | None:
    """
    Call a streaming callback from async code, whether it is a plain function or a coroutine function, and return
    what is left to await: the coroutine of an async callback, `None` for a plain one. Not a coroutine itself, so
    that a stream of thousands of chunks does not build a coroutine for each chunk only to call a plain callback:

    ```python
    import asyncio

    from haystack_integrations.common.aimlapi.upstream import call_streaming_callback


    async def show(chunk: str) -> None:
        print("async callback:", chunk)


    async def stream() -> None:
        for callback in (print, show):
            pending = call_streaming_callback(callback, "a chunk")  # a plain callback has run already
            if pending is not None:
                await pending


    asyncio.run(stream())
    ```

    :param callback: The callback.
    :param chunk: The `StreamingChunk` to pass to it.
    """
    result = callback(chunk)
    return result if result is not None and inspect.isawaitable(result) else None


def serialize_object(value: Any) -> Any:
    """
    `value` as plain JSON-like data: pydantic models are dumped, mappings and lists converted item by item.

    :param value: An SDK object such as a completion's `usage` or `logprobs`.
    :returns: Dicts, lists and scalars.
    """
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Mapping):
        return {key: serialize_object(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [serialize_object(item) for item in value]
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {key: serialize_object(item) for key, item in vars(value).items() if not key.startswith("_")}
    return value


def parse_tool_call_arguments(raw_arguments: Any) -> Any:
    """
    The arguments of an OpenAI-style tool call: a dict as it is, nothing (`None`, `""`) as `{}`, text parsed as JSON.

    :param raw_arguments: The `arguments` field of a tool call.
    :returns: The parsed value (a caller checks that it is an object).
    :raises json.JSONDecodeError: The text is not JSON.
    """
    if isinstance(raw_arguments, dict):
        return raw_arguments
    if not raw_arguments:
        return {}
    return json.loads(raw_arguments)
