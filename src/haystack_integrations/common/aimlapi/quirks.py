# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Request fields some of AI/ML API's upstreams need that OpenAI's API does not know about."""

from typing import Any


def chat_request_defaults(model: str, *, streaming: bool) -> dict[str, Any]:
    """
    Fields a chat request to `model` needs unless the caller set them.

    Qwen 3's hybrid-thinking models refuse a non-streamed call unless thinking is switched off, so such calls get
    `enable_thinking: false`. A caller who sets `enable_thinking` (or streams) decides for themselves.
    """
    if not streaming and "qwen3" in model.lower():
        return {"enable_thinking": False}
    return {}
