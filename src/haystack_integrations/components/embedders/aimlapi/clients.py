# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Client lifecycle shared by the embedders: AI/ML API's settings, one client per instance, copyable instances."""

import threading
from typing import Any

from haystack_integrations.common.aimlapi import build_async_client, build_client, client_options


class EmbedderClientsMixin:
    """
    Builds the AI/ML API clients of an embedder that subclasses one of Haystack's OpenAI embedders.

    Haystack's embedders build plain `openai` clients from `OPENAI_*` settings. These use clients whose errors carry
    AI/ML API's message, read AI/ML API's environment variables, add the attribution headers, and build exactly
    one client even when threads share the instance. Copies (deepcopy, pickle) drop the clients and build their own.
    """

    # Set by the Haystack embedder this is mixed into.
    api_key: Any
    api_base_url: str | None
    timeout: float | None
    max_retries: int | None
    http_client_kwargs: dict[str, Any] | None
    client: Any
    async_client: Any
    # Set by the AI/ML API embedder.
    extra_headers: dict[str, Any] | None
    _client_lock: threading.Lock

    def _client_kwargs(self) -> dict[str, Any]:
        assert self.api_base_url is not None  # resolved in __init__  # noqa: S101
        return client_options(
            api_key=self.api_key,
            api_base_url=self.api_base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
            extra_headers=self.extra_headers,
        )

    def warm_up(self) -> None:
        """Builds the synchronous client: checks the key, URL, timeout and retries. Safe to call from threads."""
        if self.client is None:
            with self._client_lock:
                if self.client is None:
                    self.client = build_client(self._client_kwargs(), self.http_client_kwargs)

    async def warm_up_async(self) -> None:  # async to match Haystack's interface
        """Builds the asynchronous client on the running event loop."""
        if self.async_client is None:
            self.async_client = build_async_client(self._client_kwargs(), self.http_client_kwargs)

    def __getstate__(self) -> dict[str, Any]:
        # Clients hold sockets and locks; a copy (deepcopy, pickling for multiprocessing) builds its own on first use.
        state = self.__dict__.copy()
        state["client"] = None
        state["async_client"] = None
        state.pop("_client_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._client_lock = threading.Lock()
