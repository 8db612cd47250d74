# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Client mixins whose connection errors and 404s say what to fix: the URL, what went wrong, and the setting to change.

They wrap the client's public `request` method, which every call goes through, and rewrite the text of the
exception the SDK raised, which keeps its type (`openai.APIConnectionError`, `openai.APITimeoutError`,
`openai.NotFoundError`), its cause and its traceback.
"""

from typing import Any

from openai import APIConnectionError, NotFoundError

from .errors import explain_request_error


class ExplainedErrors:
    """Mix in before `openai.OpenAI`: connection errors and 404s name the URL and the likely fix."""

    base_url: Any
    max_retries: int
    timeout: Any

    def request(self, *args: Any, **kwargs: Any) -> Any:
        """Sends a request as the SDK does; see the module's docstring for what changes when it fails."""
        parent: Any = super()
        try:
            return parent.request(*args, **kwargs)
        except (APIConnectionError, NotFoundError) as error:
            explain_request_error(
                error, base_url=str(self.base_url), max_retries=self.max_retries, timeout=self.timeout
            )
            raise


class AsyncExplainedErrors:
    """Mix in before `openai.AsyncOpenAI`: connection errors and 404s name the URL and the likely fix."""

    base_url: Any
    max_retries: int
    timeout: Any

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        """Sends a request as the SDK does; see the module's docstring for what changes when it fails."""
        parent: Any = super()
        try:
            return await parent.request(*args, **kwargs)
        except (APIConnectionError, NotFoundError) as error:
            explain_request_error(
                error, base_url=str(self.base_url), max_retries=self.max_retries, timeout=self.timeout
            )
            raise
