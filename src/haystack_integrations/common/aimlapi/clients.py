# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The `openai` clients every component talks to AI/ML API through."""

import asyncio
import contextlib
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

import httpx
from haystack.utils import Secret
from haystack.utils.http_client import init_http_client
from openai import APIStatusError, AsyncOpenAI, OpenAI

from .cost import cost_from_body, cost_from_headers
from .errors import describe_status_error, redact, redact_body
from .explained_errors import AsyncExplainedErrors, ExplainedErrors
from .settings import (
    merge_headers,
    resolve_api_key,
    resolve_base_url,
    resolve_max_retries,
    resolve_timeout,
    validate_base_url,
    warn_if_openai_key,
)
from .upstream import HookedAsyncOpenAI, HookedOpenAI, replace_error_text


def _rewrite_status_error(client: OpenAI | AsyncOpenAI, error: APIStatusError) -> APIStatusError:
    """`error` with AI/ML API's own message and request id, and without the client's key (a server may quote it)."""
    response = error.response
    content_type = response.headers.get("content-type", "") if response is not None else ""
    status = response.status_code if response is not None else 0
    secrets = (client.api_key,)
    # The SDK hands over the `error` member of an OpenAI-shaped body, or the whole body otherwise.
    text = redact(describe_status_error(status, error.body, content_type=content_type), secrets)
    return replace_error_text(error, text, redact_body(error.body, secrets))


def fill_cost_from_headers(result: Any, response: Any, *, stream: bool) -> Any:
    """
    Give a parsed, non-streamed response the cost its headers state when its body has no `meta.usage` block.

    AI/ML API states the cost of a non-streamed call twice: in the body and in the `x-aimlapi-*` headers. The
    parsed model keeps the body only, so the header figures are written into its extra keys in the body's own shape,
    and every reader of the body (`cost_from_model`) finds them there.
    """
    extra = getattr(result, "__pydantic_extra__", None)
    if stream or extra is None or cost_from_body(extra) is not None:
        return result
    cost = cost_from_headers(getattr(response, "headers", None))
    if cost is not None:
        meta = extra.get("meta")
        extra["meta"] = {**meta, "usage": cost} if isinstance(meta, Mapping) else {"usage": cost}
    return result


# The successful HTTP responses the clients received in the current thread or task, while `responses_received` is
# collecting them: what a reader of the SDK's parsed objects needs to name a body the SDK could not parse.
_RECEIVED: ContextVar[list[Any] | None] = ContextVar("aimlapi_responses_received", default=None)


@contextlib.contextmanager
def responses_received() -> Iterator[list[Any]]:
    """
    Collects, in order, the successful HTTP responses this package's clients receive in the current thread or
    asyncio task until the block ends, including one whose body `openai` then fails to parse.
    """
    received: list[Any] = []
    token = _RECEIVED.set(received)
    try:
        yield received
    finally:
        _RECEIVED.reset(token)


def _note_response(response: Any) -> None:
    received = _RECEIVED.get()
    if received is not None and response is not None:
        received.append(response)


class AIMLAPIClient(ExplainedErrors, HookedOpenAI):
    """
    An `openai.OpenAI` client whose status errors carry AI/ML API's own message and request id, whose connection
    errors and 404s name the URL and the likely fix, and whose parsed responses carry the cost stated in the headers
    when the body has none.
    """

    def rewrite_status_error(self, error: APIStatusError) -> APIStatusError:
        """
        `error` with AI/ML API's own message and request id, and the key redacted.

        :param error: The SDK's exception.
        :returns: The same exception, its text rewritten.
        """
        return _rewrite_status_error(self, error)

    def after_response(self, result: Any, response: Any, *, stream: bool) -> Any:
        """
        `result` with the cost stated in the headers when its body has none.

        :param result: The SDK's parsed result.
        :param response: The HTTP response.
        :param stream: Whether the call streams.
        :returns: `result`.
        """
        return fill_cost_from_headers(result, response, stream=stream)

    def received_response(self, response: Any) -> None:
        """
        Notes `response` for `responses_received`.

        :param response: The HTTP response, before `openai` parses it.
        """
        _note_response(response)


class AsyncAIMLAPIClient(AsyncExplainedErrors, HookedAsyncOpenAI):
    """The asynchronous twin of `AIMLAPIClient`."""

    def rewrite_status_error(self, error: APIStatusError) -> APIStatusError:
        """
        `error` with AI/ML API's own message and request id, and the key redacted.

        :param error: The SDK's exception.
        :returns: The same exception, its text rewritten.
        """
        return _rewrite_status_error(self, error)

    def after_response(self, result: Any, response: Any, *, stream: bool) -> Any:
        """
        `result` with the cost stated in the headers when its body has none.

        :param result: The SDK's parsed result.
        :param response: The HTTP response.
        :param stream: Whether the call streams.
        :returns: `result`.
        """
        return fill_cost_from_headers(result, response, stream=stream)

    def received_response(self, response: Any) -> None:
        """
        Notes `response` for `responses_received`.

        :param response: The HTTP response, before `openai` parses it.
        """
        _note_response(response)


def client_options(
    *,
    api_key: Secret,
    api_base_url: str,
    timeout: float | None,
    max_retries: int | None,
    extra_headers: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """
    Keyword arguments for `AIMLAPIClient` / `AsyncAIMLAPIClient`, with every setting resolved and checked.

    Raises `ValueError` for a missing key, a URL without a scheme, or a timeout or retry count that makes no sense,
    so that a misconfigured component fails when its client is built rather than on its first request.
    """
    key = resolve_api_key(api_key)
    warn_if_openai_key(api_key, api_base_url)
    return {
        "api_key": key,
        "base_url": validate_base_url(api_base_url),
        "timeout": resolve_timeout(timeout),
        "max_retries": resolve_max_retries(max_retries),
        "default_headers": merge_headers(extra_headers),
    }


def build_client(options: Mapping[str, Any], http_client_kwargs: dict[str, Any] | None) -> AIMLAPIClient:
    """A synchronous client; `http_client_kwargs` configure its `httpx.Client` (a test's `transport`, say)."""
    http_client: httpx.Client | None = init_http_client(http_client_kwargs, async_client=False)
    # openai>=3 annotates http_client as httpx2's client; it accepts httpx's at runtime, as Haystack relies on.
    return AIMLAPIClient(http_client=http_client, **options)  # type: ignore[arg-type]


def build_async_client(options: Mapping[str, Any], http_client_kwargs: dict[str, Any] | None) -> AsyncAIMLAPIClient:
    """An asynchronous client; `http_client_kwargs` configure its `httpx.AsyncClient`."""
    http_client: httpx.AsyncClient | None = init_http_client(http_client_kwargs, async_client=True)
    return AsyncAIMLAPIClient(http_client=http_client, **options)  # type: ignore[arg-type]


# Serializes client creation across every component instance. Creation is rare (once per instance, and again after
# an event-loop change), so one lock costs nothing and spares each instance a lock of its own to create and copy.
_CLIENT_CREATION_LOCK = threading.Lock()


class AIMLAPIClientsMixin:
    """
    The client lifecycle every AI/ML API component shares; mix it in before the Haystack base class.

    - `warm_up()` builds one `AIMLAPIClient`, also when threads share the instance, and checks the configuration
      (key, URL, timeout, retries) then, not at construction, so saved pipelines always load. (The components
      check only that the key is a `Secret` at construction, since `to_dict` would save a plain string.)
    - `warm_up_async()` builds one `AsyncAIMLAPIClient` per event loop: pooled connections belong to the loop that
      opened them, and reusing them from a later loop (a second `asyncio.run`) fails with "Event loop is closed".
    - Copies and pickles (`Agent.clone()`, multiprocessing) drop the clients and build their own on first use.

    Components set `api_key` in `__init__` and store the other connection settings with
    `_store_connection_settings`; `_connection_init_parameters` gives them back, as `to_dict` writes them.
    (Components that subclass a Haystack OpenAI component let the parent store and serialize them instead.)
    `_make_client` / `_make_async_client` are the hooks for a component that needs more than the default client;
    `_transient_attributes` names what a copy must not carry.
    """

    api_key: Secret
    api_base_url: str | None
    timeout: float | None
    max_retries: int | None
    extra_headers: dict[str, Any] | None
    http_client_kwargs: dict[str, Any] | None
    client: Any
    async_client: Any

    _transient_attributes: tuple[str, ...] = ("client", "async_client", "_async_clients", "_own_async_clients")

    def _store_connection_settings(
        self,
        *,
        api_base_url: str | None,
        timeout: float | None,
        max_retries: int | None,
        extra_headers: dict[str, Any] | None,
        http_client_kwargs: dict[str, Any] | None,
    ) -> None:
        """
        Keeps the connection settings as the user passed them, but the base URL resolved, so that `to_dict` records
        the URL in use; nothing is checked or built until warm-up.
        """
        self.api_base_url = resolve_base_url(api_base_url)
        self.timeout = timeout
        self.max_retries = max_retries
        self.extra_headers = extra_headers
        self.http_client_kwargs = http_client_kwargs
        self.client = None
        self.async_client = None

    def _connection_init_parameters(self) -> dict[str, Any]:
        """The connection settings as `to_dict` writes them, after the component's own parameters."""
        return {
            "api_base_url": self.api_base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "extra_headers": self.extra_headers,
            "http_client_kwargs": self.http_client_kwargs,
        }

    def _client_kwargs(self) -> dict[str, Any]:
        if self.api_base_url is None:
            raise ValueError("api_base_url is not set. Pass an absolute http(s) URL or set AIMLAPI_BASE_URL.")
        return client_options(
            api_key=self.api_key,
            api_base_url=self.api_base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
            extra_headers=self.extra_headers,
        )

    def _make_client(self, options: Mapping[str, Any]) -> AIMLAPIClient:
        return build_client(options, self.http_client_kwargs)

    def _make_async_client(self, options: Mapping[str, Any]) -> AsyncAIMLAPIClient:
        return build_async_client(options, self.http_client_kwargs)

    def warm_up(self) -> None:
        """Builds the synchronous client, checking the key, URL, timeout and retries. Safe to call from threads."""
        self._client_for_call()

    def _client_for_call(self) -> Any:
        """
        The synchronous client one call should use, read once: a client the user assigned to `client` (as the
        parent uses it), or the one this component built.
        """
        client = self.client
        if client is None:
            with _CLIENT_CREATION_LOCK:
                if self.client is None:
                    self.client = self._make_client(self._client_kwargs())
                client = self.client
        return client

    async def warm_up_async(self) -> None:
        """Builds the asynchronous client for the running event loop."""
        await self._async_client_for_call()

    async def _async_client_for_call(self) -> Any:
        """
        The asynchronous client one call on the running event loop should use. A call reads it once, here, and
        never reads `async_client` again after an `await`, since another thread's loop may change that attribute.

        - A client the user assigned to `async_client` is used on every loop, as the parent uses it, and never
          closed or replaced by the component.
        - Otherwise each event loop gets a client of its own: pooled connections belong to the loop that opened them,
          and reusing them from a later loop (a second `asyncio.run`) fails with "Event loop is closed". Several
          loops in several threads each keep theirs; `async_client` names the one built last, for the parent's
          `close_async()`.
        """
        current = self.async_client
        owned: weakref.WeakSet[Any] | None = self.__dict__.get("_own_async_clients")
        if current is not None and (owned is None or current not in owned):
            return current
        loop = asyncio.get_running_loop()
        by_loop: weakref.WeakKeyDictionary[Any, Any] | None = self.__dict__.get("_async_clients")
        client = by_loop.get(loop) if by_loop is not None else None
        if client is not None and not client.is_closed():
            return client
        stale: list[Any] = []
        with _CLIENT_CREATION_LOCK:
            if self.__dict__.get("_async_clients") is None:
                self._async_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
                self._own_async_clients: weakref.WeakSet[Any] = weakref.WeakSet()
            by_loop, owned = self._async_clients, self._own_async_clients
            for other_loop in [other for other in list(by_loop.keys()) if other.is_closed()]:
                stale.append(by_loop.pop(other_loop))
            client = by_loop.get(loop)
            if client is None or client.is_closed():
                # None yet for this loop, or the parent's close_async() released it: build one.
                client = self._make_async_client(self._client_kwargs())
                by_loop[loop] = client
                owned.add(client)
                self.async_client = client
        for old in stale:
            # Closing a client whose loop is gone fails, but marks it closed, so nothing tries it again.
            with contextlib.suppress(RuntimeError):
                await old.close()
        return client

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for name in self._transient_attributes:
            state[name] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
