# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The `openai` clients every component talks to AI/ML API through."""

from collections.abc import Mapping
from typing import Any

import httpx
from haystack.utils import Secret
from haystack.utils.http_client import init_http_client
from openai import APIStatusError, AsyncOpenAI, OpenAI

from .errors import describe_status_error, redact
from .settings import merge_headers, resolve_api_key, resolve_max_retries, resolve_timeout, validate_base_url


def _status_error_text(client: OpenAI | AsyncOpenAI, body: object, response: Any) -> str:
    content_type = response.headers.get("content-type", "") if response is not None else ""
    status = response.status_code if response is not None else 0
    # The SDK hands over the `error` member of an OpenAI-shaped body, or the whole body otherwise.
    return redact(describe_status_error(status, body, content_type=content_type), (client.api_key,))


class AIMLAPIClient(OpenAI):
    """An `openai.OpenAI` client whose status errors carry AI/ML API's own message and request id."""

    def _make_status_error(self, err_msg: str, *, body: object, response: Any) -> APIStatusError:  # noqa: ARG002
        return super()._make_status_error(_status_error_text(self, body, response), body=body, response=response)


class AsyncAIMLAPIClient(AsyncOpenAI):
    """An `openai.AsyncOpenAI` client whose status errors carry AI/ML API's own message and request id."""

    def _make_status_error(self, err_msg: str, *, body: object, response: Any) -> APIStatusError:  # noqa: ARG002
        return super()._make_status_error(_status_error_text(self, body, response), body=body, response=response)


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
    return {
        "api_key": resolve_api_key(api_key),
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
