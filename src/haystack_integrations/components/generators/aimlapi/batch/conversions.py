# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Haystack conversations to Batch API requests (Anthropic Messages), and batch results back to `ChatMessage`s."""

from collections.abc import Mapping
from typing import Any

from haystack.dataclasses import ChatMessage, ChatRole

from haystack_integrations.common.aimlapi import COST_META_KEY, PROVIDER_FINISH_REASON_META_KEY, normalize_finish_reason
from haystack_integrations.common.aimlapi.batches import MAX_BATCH_REQUESTS, custom_id_for
from haystack_integrations.common.aimlapi.cost import usage_with_cost

# Request fields the component sets itself.
COMPONENT_OWNED_KEYS = ("model", "messages")


def check_conversations(messages: Any) -> list[list[ChatMessage]]:
    """The conversations of one batch, each a list of `ChatMessage` (a str is one user message)."""
    if isinstance(messages, str) or not isinstance(messages, list | tuple):
        raise TypeError(
            "messages must be a list of conversations, each a list of ChatMessage or a str, got "
            f"{type(messages).__name__}. For one conversation, wrap it: run(messages=[conversation])."
        )
    if not messages:
        raise ValueError("messages is empty. Pass at least one conversation, e.g. [[ChatMessage.from_user('Hi')]].")
    if len(messages) > MAX_BATCH_REQUESTS:
        raise ValueError(
            f"A batch holds at most {MAX_BATCH_REQUESTS:,} requests, got {len(messages):,}. Split the conversations "
            "over several runs."
        )
    conversations = []
    for position, conversation in enumerate(messages):
        if isinstance(conversation, str):
            if not conversation.strip():
                raise ValueError(f"messages[{position}] is an empty string. Pass the text of the user's message.")
            conversations.append([ChatMessage.from_user(conversation)])
            continue
        if isinstance(conversation, ChatMessage):
            raise TypeError(
                f"messages[{position}] is a single ChatMessage; each entry must be a whole conversation. "
                "Wrap it: [message]."
            )
        if not isinstance(conversation, list | tuple) or not conversation:
            raise TypeError(f"messages[{position}] must be a non-empty list of ChatMessage or a str.")
        for index, message in enumerate(conversation):
            if not isinstance(message, ChatMessage):
                raise TypeError(
                    f"messages[{position}][{index}] is a {type(message).__name__}, not a ChatMessage. Build it with "
                    "ChatMessage.from_user(...), ChatMessage.from_system(...) and so on."
                )
        conversations.append(list(conversation))
    return conversations


def _content(message: ChatMessage, where: str) -> list[dict[str, Any]]:
    if message.tool_calls or message.tool_call_results:
        raise ValueError(
            f"{where} holds tool calls or tool results, which AIMLAPIBatchChatGenerator does not send yet. Send "
            "conversations with tools through AIMLAPIChatGenerator."
        )
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text} for text in message.texts if text]
    for image in message.images:
        blocks.append(
            {
                "type": "image",
                "source": {"type": "base64", "media_type": image.mime_type or "image/png", "data": image.base64_image},
            }
        )
    if not blocks:
        raise ValueError(f"{where} has no text or image to send.")
    return blocks


def batch_request(
    conversation: list[ChatMessage], position: int, model: str, generation_kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """One request of the batch: system messages become Anthropic's `system`, the rest its `messages`."""
    system_parts: list[str] = []
    turns: list[dict[str, Any]] = []
    for index, message in enumerate(conversation):
        where = f"messages[{position}][{index}]"
        if message.role == ChatRole.SYSTEM:
            system_parts.append(message.text or "")
            continue
        if message.role not in (ChatRole.USER, ChatRole.ASSISTANT):
            raise ValueError(f"{where} has role {message.role.value!r}; the Batch API takes user and assistant turns.")
        turns.append({"role": message.role.value, "content": _content(message, where)})
    if not turns:
        raise ValueError(f"messages[{position}] has no user message, only system messages.")
    params: dict[str, Any] = {**generation_kwargs, "model": model, "messages": turns}
    if system_parts:
        if "system" in generation_kwargs:
            raise ValueError(
                f"messages[{position}] has a system message and generation_kwargs sets 'system' too: use one of them."
            )
        params["system"] = "\n\n".join(system_parts)
    return {"custom_id": custom_id_for(position), "params": params}


def reply_from_result(outcome: Mapping[str, Any], position: int, batch_id: str) -> ChatMessage:
    """A succeeded request's reply, with meta as `AIMLAPIChatGenerator` gives it, plus the batch and custom ids."""
    usage = outcome.get("usage") or {}
    input_tokens = usage.get("input_tokens")
    output_tokens = usage.get("output_tokens")
    haystack_usage: dict[str, Any] = {}
    if isinstance(input_tokens, int) and isinstance(output_tokens, int):
        haystack_usage = {
            "prompt_tokens": input_tokens,
            "completion_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
    meta: dict[str, Any] = {
        "model": outcome.get("model"),
        "index": 0,
        "finish_reason": normalize_finish_reason(outcome.get("stop_reason")),
        PROVIDER_FINISH_REASON_META_KEY: outcome.get("stop_reason"),
        "usage": usage_with_cost(haystack_usage, outcome.get("cost")),
        "batch_id": batch_id,
        "custom_id": custom_id_for(position),
    }
    if outcome.get("cost"):
        meta[COST_META_KEY] = outcome["cost"]
    return ChatMessage.from_assistant(outcome.get("text") or "", meta=meta)
