# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API's Batch API: `POST /v1/batches`, `GET /v1/batches?batch_id=…`, `POST /v1/batches/cancel/{batch_id}`.

It serves Claude models only, takes Anthropic Messages requests (`{custom_id, params: {model, messages, max_tokens,
system, …}}`, 1 to 100,000 of them), answers the submit with an Anthropic `message_batch`, the poll with
`{"id", "status": "generating"}` while it runs, and, once done, with one `{custom_id, result}` per request as JSON
Lines (or a JSON array: the docs disagree, so both are read). A cancelled batch polls as the batch object with
`status: "cancelled"`.
"""

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .cost import cost_from_body
from .errors import error_message_from_body

BATCHES_PATH = "/batches"
MAX_BATCH_REQUESTS = 100_000
DEFAULT_BATCH_MODEL = "claude-sonnet-4-20250514"
# Anthropic's Messages API requires `max_tokens`; this is sent when the caller gives none.
DEFAULT_BATCH_MAX_TOKENS = 1024

# Claude ids as AI/ML API and Anthropic spell them: `claude-sonnet-4-20250514`, `anthropic/claude-3-5-haiku`,
# `claude-3-7-sonnet-latest`, `anthropic/claude-opus-4.1`.
_CLAUDE_MODEL = re.compile(r"^(anthropic/)?claude-[a-z0-9.\-]+$", re.IGNORECASE)
_CUSTOM_ID = re.compile(r"^request-(\d{6})$")


def batch_cancel_path(batch_id: str) -> str:
    """The path that cancels a batch (a batch is polled at `BATCHES_PATH`, its id in the query string)."""
    return f"{BATCHES_PATH}/cancel/{quote(batch_id, safe='')}"


def is_batch_model(model: object) -> bool:
    """Whether AI/ML API's Batch API serves `model` (Claude models only)."""
    return isinstance(model, str) and bool(_CLAUDE_MODEL.match(model.strip()))


def check_batch_model(model: object) -> None:
    """Raises a `ValueError` naming the model unless the Batch API serves it."""
    if not is_batch_model(model):
        raise ValueError(
            f"AI/ML API's Batch API serves Claude models only, such as {DEFAULT_BATCH_MODEL!r} or "
            f"'anthropic/claude-3-5-haiku'; got model={model!r}. For other models, send the conversations with "
            "AIMLAPIChatGenerator (or AIMLAPIChatCallable on Ray) instead."
        )


def custom_id_for(position: int) -> str:
    """The `custom_id` of the request at `position`: the position is all a restarted client needs to put results
    back in order."""
    return f"request-{position:06d}"


def position_from_custom_id(custom_id: object) -> int | None:
    """The position a `custom_id` made by `custom_id_for` stands for, or `None` for any other value."""
    match = _CUSTOM_ID.match(custom_id) if isinstance(custom_id, str) else None
    return int(match.group(1)) if match else None


def _result_lines(text: str) -> list[Any] | None:
    """The JSON values of a JSON Lines body, or `None` when a line is not JSON."""
    values = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            values.append(json.loads(line))
        except ValueError:
            return None
    return values


def read_batch_poll(content: bytes) -> object:
    """
    A poll answer as the job helper reads it: a batch object (`{"id", "status", …}`) as it is, and the results (JSON
    Lines, a JSON array, or a single result object) as `{"status": "completed", "results": [...]}`. An answer that is
    neither is returned as its text, which the helper counts as a failed poll and tries again.
    """
    text = content.decode("utf-8", errors="replace")
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = _result_lines(text)
        if body is None:
            return text
    if isinstance(body, Mapping) and "custom_id" not in body:
        return body
    if isinstance(body, Mapping):
        body = [body]
    if isinstance(body, list) and all(isinstance(item, Mapping) and "custom_id" in item for item in body):
        return {"status": "completed", "results": body}
    return text


def _text_of(message: Mapping[str, Any]) -> str | None:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return None
    parts = [
        block["text"]
        for block in content
        if isinstance(block, Mapping) and block.get("type") == "text" and isinstance(block.get("text"), str)
    ]
    return "".join(parts) if parts else None


def read_batch_result(item: Mapping[str, Any]) -> dict[str, Any]:
    """
    One request's result, read defensively: `{"text", "model", "stop_reason", "usage", "cost", "error"}`. `error` is
    None for a succeeded request with text, else the reason in words (Anthropic's error message for `errored`,
    `canceled` or `expired` requests, or what was wrong with the answer).
    """
    result = item.get("result")
    outcome: dict[str, Any] = {
        "text": None,
        "model": None,
        "stop_reason": None,
        "usage": None,
        "cost": None,
        "error": None,
    }
    if not isinstance(result, Mapping):
        outcome["error"] = "the result holds no `result` object"
        return outcome
    kind = result.get("type")
    if kind != "succeeded":
        message = error_message_from_body(result.get("error")) if result.get("error") is not None else None
        outcome["error"] = f"the request {kind or 'failed'}" + (f": {message}" if message else "")
        return outcome
    message = result.get("message")
    if not isinstance(message, Mapping):
        outcome["error"] = "the succeeded result holds no message"
        return outcome
    usage = message.get("usage")
    outcome["model"] = message.get("model") if isinstance(message.get("model"), str) else None
    outcome["stop_reason"] = message.get("stop_reason") if isinstance(message.get("stop_reason"), str) else None
    outcome["usage"] = dict(usage) if isinstance(usage, Mapping) else None
    outcome["cost"] = cost_from_body(message) or cost_from_body(result) or cost_from_body(item)
    outcome["text"] = _text_of(message)
    if outcome["text"] is None:
        outcome["error"] = "the succeeded result's message has no text"
    return outcome
