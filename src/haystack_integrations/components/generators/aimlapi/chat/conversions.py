# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API chat responses and stream chunks, turned into Haystack's `ChatMessage` and `StreamingChunk`.

Haystack's OpenAI converters drop reasoning (`reasoning_content`, `reasoning`, `reasoning_details`), leave
upstream finish reasons raw, skip tool calls whose arguments are not JSON without a trace in the reply, lose
AI/ML API's cost block, and concatenate a tool name that an upstream repeats in every delta. These converters do
all of that right in one pass over the data.
"""

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from haystack import logging
from haystack.dataclasses import (
    ChatMessage,
    ComponentInfo,
    ReasoningContent,
    StreamingChunk,
    ToolCall,
    ToolCallDelta,
)

from haystack_integrations.common.aimlapi import (
    COST_META_KEY,
    PROVIDER_FINISH_REASON_META_KEY,
    StreamInterruptedError,
    cost_from_body,
    error_body_status,
    error_message_from_body,
    normalize_finish_reason,
)
from haystack_integrations.common.aimlapi.errors import redact
from haystack_integrations.common.aimlapi.upstream import STREAM_CONNECTION_ERRORS, STREAM_TIMEOUT_ERRORS
from haystack_integrations.common.aimlapi.upstream import parse_tool_call_arguments as _parse_openai_tool_call_arguments
from haystack_integrations.common.aimlapi.upstream import serialize_object as _serialize_object

logger = logging.getLogger(__name__)

INVALID_TOOL_CALLS_META_KEY = "invalid_tool_calls"
"""Reply meta key listing tool calls whose arguments were not valid JSON, with the raw arguments kept."""

REASONING_DETAILS_KEY = "reasoning_details"
"""`ReasoningContent.extra` key holding the upstream's `reasoning_details`, sent back in later turns."""

# Keys of `reasoning_details` entries that carry readable text, by entry type.
_READABLE_DETAIL_KEYS = ("text", "summary")


def _reasoning_text_from_details(details: list[Any]) -> str:
    parts = []
    for detail in details:
        if isinstance(detail, dict):
            for key in _READABLE_DETAIL_KEYS:
                value = detail.get(key)
                if isinstance(value, str) and value:
                    parts.append(value)
                    break
    return "".join(parts)


# Keys of a streamed `reasoning_details` fragment whose values continue the entry it belongs to.
_CONCATENATED_DETAIL_KEYS = ("text", "summary", "data")


def _merge_reasoning_details(merged: list[Any], fragments: list[Any]) -> None:
    """
    Add streamed `reasoning_details` fragments to `merged`, joining those that continue an entry.

    Upstreams stream an entry in pieces that share its `index` (and `type`): the text arrives a fragment at a time
    and the signature in a later one. Sent back in a later turn, the entry must be whole, as a non-streamed reply
    gives it. Fragments without an `index` are separate entries.
    """
    for fragment in fragments:
        if not isinstance(fragment, dict) or fragment.get("index") is None:
            merged.append(fragment)
            continue
        entry = next(
            (
                item
                for item in merged
                if isinstance(item, dict)
                and item.get("index") == fragment["index"]
                and item.get("type") == fragment.get("type", item.get("type"))
            ),
            None,
        )
        if entry is None:
            merged.append(dict(fragment))
            continue
        for key, value in fragment.items():
            if key in _CONCATENATED_DETAIL_KEYS and isinstance(value, str) and isinstance(entry.get(key), str):
                entry[key] += value
            elif value is not None:
                entry[key] = value


def _reasoning_from_fields(fields: dict[str, Any] | None) -> ReasoningContent | None:
    """Reasoning from a message's extra fields: `reasoning_content`, or `reasoning` plus `reasoning_details`."""
    if not fields:
        return None
    text = fields.get("reasoning_content") or fields.get("reasoning")
    details = fields.get(REASONING_DETAILS_KEY)
    if not isinstance(details, list) or not details:
        details = None
    if not isinstance(text, str) or not text:
        text = _reasoning_text_from_details(details) if details else ""
    if not text and not details:
        return None
    return ReasoningContent(reasoning_text=text, extra={REASONING_DETAILS_KEY: details} if details else {})


def _invalid_tool_call(call_id: str | None, name: str, arguments: str, error: Exception) -> dict[str, Any]:
    logger.warning(
        "The model returned tool call arguments that are not valid JSON. The call is left out of the reply's "
        "tool_calls and kept, with its raw arguments, in meta['{key}']. Tool call id: {call_id}, tool: {tool_name}, "
        "arguments: {arguments}",
        key=INVALID_TOOL_CALLS_META_KEY,
        call_id=call_id,
        tool_name=name,
        arguments=arguments,
    )
    return {"id": call_id, "tool_name": name, "arguments": arguments, "error": str(error)}


def _reply_meta(
    *, model: str | None, index: int, raw_finish_reason: str | None, usage: Any, cost: dict[str, Any] | None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "model": model,
        "index": index,
        "finish_reason": normalize_finish_reason(raw_finish_reason),
        PROVIDER_FINISH_REASON_META_KEY: raw_finish_reason,
        "usage": usage,
    }
    if cost is not None:
        meta[COST_META_KEY] = cost
    return meta


def convert_completion_to_message(completion: Any, choice: Any) -> ChatMessage:
    """One choice of a non-streamed `ChatCompletion` (or `ParsedChatCompletion`) as an assistant `ChatMessage`."""
    message = choice.message
    tool_calls: list[ToolCall] = []
    invalid_tool_calls: list[dict[str, Any]] = []
    for openai_call in message.tool_calls or ():
        function = getattr(openai_call, "function", None)
        if function is None:
            # A custom (non-function) tool call has no place in Haystack's ToolCall: keep it where it can be seen.
            call_type = getattr(openai_call, "type", None)
            custom = getattr(openai_call, "custom", None)
            raw_input = getattr(custom, "input", None)
            logger.warning(
                "The model returned a tool call of type {type}, which Haystack's ToolCall cannot hold. It is left out "
                "of the reply's tool_calls and kept in meta['{key}'].",
                type=call_type,
                key=INVALID_TOOL_CALLS_META_KEY,
            )
            invalid_tool_calls.append(
                {
                    "id": openai_call.id,
                    "tool_name": getattr(custom, "name", None),
                    "arguments": raw_input
                    if isinstance(raw_input, str)
                    else json.dumps(_serialize_object(openai_call)),
                    "error": f"a tool call of type {call_type!r}, not a function call",
                }
            )
            continue
        try:
            arguments = _parse_openai_tool_call_arguments(function.arguments)
        except json.JSONDecodeError as error:
            invalid_tool_calls.append(_invalid_tool_call(openai_call.id, function.name, function.arguments, error))
            continue
        tool_calls.append(ToolCall(id=openai_call.id, tool_name=function.name, arguments=arguments))

    meta = _reply_meta(
        model=completion.model,
        index=choice.index,
        raw_finish_reason=choice.finish_reason,
        usage=_serialize_object(completion.usage),
        cost=cost_from_body(completion.model_extra),
    )
    if choice.logprobs:
        meta["logprobs"] = _serialize_object(choice.logprobs)
    if getattr(message, "refusal", None):
        meta["refusal"] = message.refusal
    if invalid_tool_calls:
        meta[INVALID_TOOL_CALLS_META_KEY] = invalid_tool_calls
    return ChatMessage.from_assistant(
        text=message.content,
        tool_calls=tool_calls,
        reasoning=_reasoning_from_fields(message.model_extra),
        meta=meta,
    )


class _ToolCallState:
    __slots__ = ("arguments", "block_index", "id", "name")

    def __init__(self, block_index: int) -> None:
        self.block_index = block_index
        self.id: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []


class StreamAssembler:
    """
    Turns `ChatCompletionChunk`s into `StreamingChunk`s as they arrive, and the whole stream into one reply.

    Robust to the ways AI/ML API's upstreams chunk a stream: chunks without `delta`, empty `choices` anywhere, usage
    and cost on any chunk, ids and tool names repeated in (or missing from) later deltas of the same tool call, and
    the finish reason on any chunk. Every chunk received yields at least one `StreamingChunk`, so a callback sees
    everything, including the usage-only chunk at the end.

    Content blocks are numbered in `StreamingChunk.index` in the order they start (reasoning, text, each tool call),
    and the first chunk of each block has `start=True`.
    """

    def __init__(self, component_info: ComponentInfo | None = None, secrets: tuple[str, ...] = ()) -> None:
        self.component_info = component_info
        # Values never to repeat in an error's text (the API key, which a server may quote back).
        self.secrets = secrets
        self.chunks_received = 0
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._reasoning_details: list[Any] = []
        self._tool_calls: dict[int, _ToolCallState] = {}
        self._block_key: object = None
        self._block_index = -1
        self._model: str | None = None
        self._raw_finish_reason: str | None = None
        self._usage: Any = None
        self._cost: dict[str, Any] | None = None
        self._first_received_at: str | None = None
        self._logprobs: list[Any] = []

    def _block(self, key: object) -> tuple[int, bool]:
        """The index of the content block `key` belongs to, and whether this chunk starts it."""
        if key == self._block_key:
            return self._block_index, False
        self._block_key = key
        self._block_index += 1
        return self._block_index, True

    def add(self, chunk: Any) -> list[StreamingChunk]:
        """Record `chunk` and return what the streaming callback should see of it."""
        extra = chunk.model_extra
        status = error_body_status(extra) if extra and not chunk.choices else None
        if status is not None:
            # An error in AI/ML API's own shape, sent as an event of a stream that had already begun with a 200.
            # The SDK raises only for OpenAI's `{"error": ...}` shape and would pass this one on as an empty chunk.
            message = error_message_from_body(extra) or "no message"
            raise self._error(
                "error",
                f"The stream broke after {self.chunks_received} chunk(s): the server sent an error "
                f"(status {status}: {message}).",
            )
        self.chunks_received += 1
        received_at = datetime.now().isoformat()  # noqa: DTZ005  # the same clock Haystack's own chunks use
        if self._first_received_at is None:
            self._first_received_at = received_at
        if chunk.model:
            self._model = chunk.model
        usage = _serialize_object(chunk.usage) if chunk.usage is not None else None
        if usage is not None:
            self._usage = usage
        cost = cost_from_body(extra) if extra else None
        if cost is not None:
            self._cost = cost

        meta: dict[str, Any] = {"model": chunk.model, "received_at": received_at}
        if usage is not None:
            meta["usage"] = usage
        if cost is not None:
            meta[COST_META_KEY] = cost

        if not chunk.choices:
            return [StreamingChunk(content="", meta=meta, component_info=self.component_info)]

        choice = chunk.choices[0]
        meta["index"] = choice.index
        raw_finish_reason = choice.finish_reason
        finish_reason = None
        if raw_finish_reason:
            meta["finish_reason"] = raw_finish_reason
            # The first finish reason is the reply's. Claude routes follow theirs (`max_tokens`, `tool_use`, ...)
            # with one more chunk that says "stop", which must not turn a cut-off reply into a complete one.
            if self._raw_finish_reason is None:
                self._raw_finish_reason = raw_finish_reason
                finish_reason = normalize_finish_reason(raw_finish_reason)
        if getattr(choice, "logprobs", None):
            logprobs = _serialize_object(choice.logprobs)
            self._logprobs.append(logprobs)
            meta["logprobs"] = logprobs

        out: list[StreamingChunk] = []
        delta = getattr(choice, "delta", None)
        if delta is not None:
            delta_extra = delta.model_extra
            if delta_extra:
                reasoning_text = delta_extra.get("reasoning_content") or delta_extra.get("reasoning")
                details = delta_extra.get(REASONING_DETAILS_KEY)
                if isinstance(details, list) and details:
                    _merge_reasoning_details(self._reasoning_details, details)
                    if not reasoning_text:
                        reasoning_text = _reasoning_text_from_details(details)
                if isinstance(reasoning_text, str) and reasoning_text:
                    self._reasoning.append(reasoning_text)
                    index, start = self._block("reasoning")
                    out.append(
                        StreamingChunk(
                            content="",
                            meta=meta,
                            component_info=self.component_info,
                            index=index,
                            start=start,
                            reasoning=ReasoningContent(reasoning_text=reasoning_text),
                        )
                    )
            if delta.content:
                self._text.append(delta.content)
                index, start = self._block("text")
                out.append(
                    StreamingChunk(
                        content=delta.content, meta=meta, component_info=self.component_info, index=index, start=start
                    )
                )
            if delta.tool_calls:
                out.append(self._tool_call_chunk(delta.tool_calls, meta))

        if not out:
            out.append(StreamingChunk(content="", meta=meta, component_info=self.component_info))
        # The finish reason belongs to the last thing this chunk carried.
        if finish_reason is not None:
            out[-1] = replace(out[-1], finish_reason=finish_reason)
        return out

    def _tool_call_chunk(self, deltas: list[Any], meta: dict[str, Any]) -> StreamingChunk:
        tool_call_deltas = []
        start = False
        first_block_index: int | None = None
        for delta in deltas:
            position = delta.index if delta.index is not None else 0
            state = self._tool_calls.get(position)
            is_new = state is None
            if state is None:
                block_index, _ = self._block(("tool", position))
                state = self._tool_calls[position] = _ToolCallState(block_index)
                start = True
            else:
                self._block_key = ("tool", position)  # a later delta of an earlier call continues its block
            if first_block_index is None:
                first_block_index = state.block_index
            function = delta.function
            # Upstreams differ: some send the id and name once, some repeat them in every delta. Keep the first,
            # and show the callback each only once, as OpenAI itself streams them.
            new_id = delta.id if delta.id and state.id is None else None
            if new_id:
                state.id = new_id
            name = function.name if function is not None else None
            new_name = name if name and state.name is None else None
            if new_name:
                state.name = new_name
            arguments = function.arguments if function is not None and function.arguments else None
            if arguments:
                state.arguments.append(arguments)
            if is_new or new_id or new_name or arguments:
                tool_call_deltas.append(
                    ToolCallDelta(index=position, id=new_id, tool_name=new_name, arguments=arguments)
                )
        if not tool_call_deltas:
            return StreamingChunk(content="", meta=meta, component_info=self.component_info)
        return StreamingChunk(
            content="",
            meta=meta,
            component_info=self.component_info,
            index=first_block_index,
            start=start,
            tool_calls=tool_call_deltas,
        )

    def _message(self) -> ChatMessage:
        tool_calls: list[ToolCall] = []
        invalid_tool_calls: list[dict[str, Any]] = []
        for position in sorted(self._tool_calls):
            state = self._tool_calls[position]
            raw_arguments = "".join(state.arguments)
            name = state.name or ""
            try:
                arguments = _parse_openai_tool_call_arguments(raw_arguments)
            except json.JSONDecodeError as error:
                invalid_tool_calls.append(_invalid_tool_call(state.id, name, raw_arguments, error))
                continue
            tool_calls.append(ToolCall(id=state.id, tool_name=name, arguments=arguments))

        reasoning = None
        if self._reasoning or self._reasoning_details:
            reasoning = ReasoningContent(
                reasoning_text="".join(self._reasoning),
                extra={REASONING_DETAILS_KEY: self._reasoning_details} if self._reasoning_details else {},
            )
        meta = _reply_meta(
            model=self._model,
            index=0,
            raw_finish_reason=self._raw_finish_reason,
            usage=self._usage,
            cost=self._cost,
        )
        meta["completion_start_time"] = self._first_received_at
        if self._logprobs:
            meta["logprobs"] = self._logprobs
        if invalid_tool_calls:
            meta[INVALID_TOOL_CALLS_META_KEY] = invalid_tool_calls
        return ChatMessage.from_assistant(
            text="".join(self._text) or None, tool_calls=tool_calls, reasoning=reasoning, meta=meta
        )

    def interrupted(self, error: BaseException) -> StreamInterruptedError:
        """The error to raise when reading the stream failed with `error`, carrying what was received."""
        if isinstance(error, STREAM_TIMEOUT_ERRORS):
            reason, what = "timeout", "no data arrived within the timeout"
        elif isinstance(error, STREAM_CONNECTION_ERRORS):
            reason, what = "disconnect", f"the connection failed ({type(error).__name__}: {error})"
        elif isinstance(error, ValueError):
            reason, what = "malformed", f"a chunk could not be parsed as JSON ({error})"
        else:
            # The SDK raises a bare APIError for an error event the server sends in the middle of a stream.
            reason, what = "error", f"the server sent an error ({error})"
        return self._error(reason, f"The stream broke after {self.chunks_received} chunk(s): {what}.")

    def _error(self, reason: str, message: str) -> StreamInterruptedError:
        partial = self._message() if self.chunks_received else None
        return StreamInterruptedError(
            redact(message, self.secrets), reason=reason, partial_reply=partial, chunks_received=self.chunks_received
        )

    def finish(self) -> ChatMessage:
        """The assembled reply. Raises `StreamInterruptedError` if the stream never said it was complete."""
        if self._raw_finish_reason is None:
            raise self._error(
                "truncated",
                f"The stream ended after {self.chunks_received} chunk(s) without a finish reason, so the reply is "
                "incomplete. The partial reply is in this error's `partial_reply`.",
            )
        return self._message()
