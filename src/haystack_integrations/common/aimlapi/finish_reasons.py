# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Upstream finish reasons, translated into Haystack's vocabulary."""

from typing import cast

from haystack.dataclasses import FinishReason

# Haystack's Agent and the OpenAI-style tooling downstream only understand OpenAI's words. AI/ML API passes each
# upstream's own through: Anthropic's `end_turn`/`max_tokens`/`tool_use`, Google's upper-case `STOP`/`SAFETY`, ...
_TO_HAYSTACK: dict[str, FinishReason] = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "eos": "stop",
    "finish_reason_stop": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "max_output_tokens": "length",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "recitation": "content_filter",
    "prohibited_content": "content_filter",
    "blocklist": "content_filter",
    "spii": "content_filter",
    "refusal": "content_filter",
}

PROVIDER_FINISH_REASON_META_KEY = "provider_finish_reason"
"""Reply meta key holding the finish reason exactly as the upstream sent it."""


def normalize_finish_reason(raw: str | None) -> FinishReason | None:
    """
    `raw` in Haystack's vocabulary: `end_turn` becomes `stop`, `max_tokens` becomes `length`, `tool_use` becomes
    `tool_calls`, and so on. A value with no known translation is returned unchanged rather than dropped.
    """
    if not raw:
        return None
    return _TO_HAYSTACK.get(raw.lower(), cast(FinishReason, raw))
