# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""What the embedders raise for a successful answer that is not an embeddings response."""

import httpx
from openai import APIResponseValidationError


class EmbeddingResponseError(APIResponseValidationError, ValueError):
    """
    AI/ML API (or a proxy in front of it) answered an embeddings request with a 2xx status, but the answer is not an
    embeddings response for the inputs sent, or holds a vector that cannot be used.

    Raised for an empty body, a body that is not JSON (an HTML page, say), JSON of another shape, `data` entries that
    are not objects or whose `index` is not an input's position (not an int, a bool, out of range, repeated), a
    missing embedding; and for a vector that is empty, not made of numbers, not finite (NaN, infinity, or a number
    too large for a float such as `1e400`), or of another dimension than its siblings or the `dimensions` asked for.

    It is an `openai.APIResponseValidationError` (so an `openai.APIError`), and a `ValueError` as well. Its text names
    the status, the content type and a short excerpt of the body, with the API key blanked out; `status_code` and
    `response` are the HTTP response's.

    :param response: The HTTP response that was read.
    :param message: What was wrong with it, in words.
    """

    def __init__(self, response: httpx.Response, *, message: str) -> None:
        # openai>=3 annotates httpx2's Response; it takes httpx's at runtime, as the SDK's clients do.
        super().__init__(response, None, message=message)  # type: ignore[arg-type]
