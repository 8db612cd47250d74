# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API chat responses and stream chunks, read as decoded JSON (dicts and lists), turned into Haystack's
`ChatMessage` and `StreamingChunk`.

Haystack's OpenAI converters drop reasoning (`reasoning_content`, `reasoning`, `reasoning_details`), leave
upstream finish reasons raw, skip tool calls whose arguments are not JSON without a trace in the reply, lose
AI/ML API's cost block, and concatenate a tool name that an upstream repeats in every delta. These converters do
all of that right in one pass over the data, and check every field they read: a body that is not what the protocol
promises is refused as a whole (`ReplyShapeError`), never half read.

They read plain JSON rather than the `openai` SDK's pydantic objects, which cost far more to build than the rest of
the work together. Objects the SDK did build (a patched `create()` returned them) are read through their `to_dict()`.
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
from openai import APIConnectionError, APITimeoutError
from openai.types.chat.chat_completion import ChoiceLogprobs
from openai.types.completion_usage import CompletionTokensDetails, CompletionUsage, PromptTokensDetails

from haystack_integrations.common.aimlapi import (
    COST_META_KEY,
    PROVIDER_FINISH_REASON_META_KEY,
    StreamInterruptedError,
    cost_from_body,
    normalize_finish_reason,
)
from haystack_integrations.common.aimlapi.cost import usage_with_cost
from haystack_integrations.common.aimlapi.errors import redact
from haystack_integrations.common.aimlapi.sse import TIMEOUT_ERRORS, TRANSPORT_ERRORS, StreamErrorEvent
from haystack_integrations.common.aimlapi.tracking import REQUEST_ID_META_KEY

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


class ReplyShapeError(ValueError):
    """A response body, or a chunk of a stream, that is valid JSON but not what the protocol promises."""


def _kind(value: object) -> str:  # noqa: PLR0911
    """How a JSON value is named in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _expect(container: dict[str, Any], key: str, types: type | tuple[type, ...], where: str) -> Any:
    """`container[key]`, which must be absent, null or of `types`; `None` when absent or null."""
    value = container.get(key)
    if value is None or (isinstance(value, types) and not isinstance(value, bool)):
        return value
    raise ReplyShapeError(f"{where}.{key} is {_kind(value)}")


# The SDK's response models fill every field they define, with None when the body lacks it. Usage and logprobs are
# given that shape too, so a reply's `meta` is the same however it was read, and the same as Haystack's own.
_USAGE_FIELDS = tuple(CompletionUsage.model_fields)
_COMPLETION_DETAIL_FIELDS = tuple(CompletionTokensDetails.model_fields)
_PROMPT_DETAIL_FIELDS = tuple(PromptTokensDetails.model_fields)
_LOGPROBS_FIELDS = tuple(ChoiceLogprobs.model_fields)


def _usage(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    result = dict.fromkeys(_USAGE_FIELDS)
    result.update(usage)
    for key, fields in (
        ("completion_tokens_details", _COMPLETION_DETAIL_FIELDS),
        ("prompt_tokens_details", _PROMPT_DETAIL_FIELDS),
    ):
        details = result[key]
        if isinstance(details, dict):
            result[key] = {**dict.fromkeys(fields), **details}
    return result


def _logprobs(logprobs: dict[str, Any]) -> dict[str, Any]:
    return {**dict.fromkeys(_LOGPROBS_FIELDS), **logprobs}


def _invalid_tool_call(call_id: str | None, name: str, arguments: str, problem: str) -> dict[str, Any]:
    logger.warning(
        "The model returned a tool call that cannot be run ({problem}). The call is left out of the reply's "
        "tool_calls and kept, with its raw arguments, in meta['{key}']. Tool call id: {call_id}, tool: {tool_name}, "
        "arguments: {arguments}",
        problem=problem,
        key=INVALID_TOOL_CALLS_META_KEY,
        call_id=call_id,
        tool_name=name,
        arguments=arguments,
    )
    return {"id": call_id, "tool_name": name, "arguments": arguments, "error": problem}


def _tool_call(call_id: str | None, name: str | None, arguments: str) -> ToolCall | dict[str, Any]:
    """
    A `ToolCall`, or the entry for `meta["invalid_tool_calls"]` when the call cannot be run: its arguments are not
    JSON, or are JSON but not an object (`null`, a list, a number, a string: a tool takes keyword arguments, and a
    Haystack `ToolInvoker` would fail on them), or it names no tool.
    """
    if not name:
        return _invalid_tool_call(call_id, "", arguments, "the call names no tool")
    if not arguments:
        return ToolCall(id=call_id, tool_name=name, arguments={})
    try:
        parsed = json.loads(arguments)
    except (ValueError, RecursionError) as error:
        return _invalid_tool_call(call_id, name, arguments, f"the arguments are not valid JSON: {error}")
    if not isinstance(parsed, dict):
        return _invalid_tool_call(call_id, name, arguments, f"the arguments are {_kind(parsed)}, not a JSON object")
    return ToolCall(id=call_id, tool_name=name, arguments=parsed)


def _is_text_part(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)


def _text_content(content: Any, where: str) -> str | None:
    """
    A message's text: a string, or a list of `{"type": "text", "text": ...}` parts joined, which some
    OpenAI-compatible upstreams (Mistral's, for one) send instead of a string. Anything else is `ReplyShapeError`.
    """
    if content is None or type(content) is str:
        return content
    if isinstance(content, list) and all(_is_text_part(part) for part in content):
        return "".join(part["text"] for part in content)
    raise ReplyShapeError(f"{where}.content is {_kind(content)}")


def _arguments_text(arguments: Any, where: str) -> str:
    # Some OpenAI-compatible servers send the arguments as an object rather than as a JSON string.
    if arguments is None:
        return ""
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, dict):
        return json.dumps(arguments)
    raise ReplyShapeError(f"{where}.arguments is {_kind(arguments)}")


def _request_id(body: dict[str, Any]) -> str | None:
    """AI/ML API's id of the call (a completion's or a chunk's `id`), or `None` when it sent none usable."""
    value = body.get("id")
    return value if isinstance(value, str) and value else None


def _reply_meta(
    *,
    model: str | None,
    index: int,
    raw_finish_reason: str | None,
    usage: Any,
    cost: dict[str, Any] | None,
    request_id: str | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "model": model,
        "index": index,
        "finish_reason": normalize_finish_reason(raw_finish_reason),
        PROVIDER_FINISH_REASON_META_KEY: raw_finish_reason,
        # With the cost in `usage` as numbers, whatever sums usage (an Agent's `token_usage`) sums the spend too.
        "usage": usage_with_cost(usage, cost) if cost is not None else usage,
    }
    if cost is not None:
        meta[COST_META_KEY] = cost
    if request_id:
        meta[REQUEST_ID_META_KEY] = request_id
    return meta


def _reasoning_fields(container: dict[str, Any], where: str) -> dict[str, Any] | None:
    fields = None
    for key in ("reasoning_content", "reasoning"):
        value = _expect(container, key, str, where)
        if value is not None:
            fields = fields or {}
            fields[key] = value
    details = _expect(container, REASONING_DETAILS_KEY, list, where)
    if details is not None:
        fields = fields or {}
        fields[REASONING_DETAILS_KEY] = details
    return fields


def _message_tool_calls(raw_calls: list[Any], where: str) -> tuple[list[ToolCall], list[dict[str, Any]]]:
    tool_calls: list[ToolCall] = []
    invalid_tool_calls: list[dict[str, Any]] = []
    for position, call in enumerate(raw_calls):
        call_where = f"{where}[{position}]"
        if not isinstance(call, dict):
            raise ReplyShapeError(f"{call_where} is {_kind(call)}")
        call_id = _expect(call, "id", str, call_where)
        function = _expect(call, "function", dict, call_where)
        if function is None:
            # A custom (non-function) tool call has no place in Haystack's ToolCall: keep it where it can be seen.
            call_type = call.get("type")
            custom = call.get("custom")
            raw_input = custom.get("input") if isinstance(custom, dict) else None
            logger.warning(
                "The model returned a tool call of type {type}, which Haystack's ToolCall cannot hold. It is left out "
                "of the reply's tool_calls and kept in meta['{key}'].",
                type=call_type,
                key=INVALID_TOOL_CALLS_META_KEY,
            )
            invalid_tool_calls.append(
                {
                    "id": call_id,
                    "tool_name": custom.get("name") if isinstance(custom, dict) else None,
                    "arguments": raw_input if isinstance(raw_input, str) else json.dumps(call),
                    "error": f"a tool call of type {call_type!r}, not a function call",
                }
            )
            continue
        name = _expect(function, "name", str, f"{call_where}.function")
        arguments = _arguments_text(function.get("arguments"), f"{call_where}.function")
        result = _tool_call(call_id, name, arguments)
        if isinstance(result, ToolCall):
            tool_calls.append(result)
        else:
            invalid_tool_calls.append(result)
    return tool_calls, invalid_tool_calls


def convert_choice_to_message(completion: dict[str, Any], choice: Any, position: int) -> ChatMessage:
    """
    One choice of a non-streamed chat completion (decoded JSON) as an assistant `ChatMessage`.

    :raises ReplyShapeError: The choice is not shaped as a chat completion's choice.
    """
    where = f"choices[{position}]"
    if not isinstance(choice, dict):
        raise ReplyShapeError(f"{where} is {_kind(choice)}")
    message = choice.get("message")
    if not isinstance(message, dict):
        raise ReplyShapeError(f"{where}.message is {_kind(message)}")
    where_message = f"{where}.message"
    content = _text_content(message.get("content"), where_message)
    refusal = _expect(message, "refusal", str, where_message)
    raw_calls = _expect(message, "tool_calls", list, where_message)
    reasoning = _reasoning_from_fields(_reasoning_fields(message, where_message))
    tool_calls, invalid_tool_calls = _message_tool_calls(raw_calls or [], f"{where_message}.tool_calls")
    index = _expect(choice, "index", int, where)
    raw_finish_reason = _expect(choice, "finish_reason", str, where)
    logprobs = _expect(choice, "logprobs", dict, where)
    usage = _expect(completion, "usage", dict, "the body")

    meta = _reply_meta(
        model=_expect(completion, "model", str, "the body"),
        index=index if index is not None else position,
        raw_finish_reason=raw_finish_reason,
        usage=_usage(usage),
        cost=cost_from_body(completion),
        request_id=_request_id(completion),
    )
    if logprobs:
        meta["logprobs"] = _logprobs(logprobs)
    if refusal:
        meta["refusal"] = refusal
    if invalid_tool_calls:
        meta[INVALID_TOOL_CALLS_META_KEY] = invalid_tool_calls
    return ChatMessage.from_assistant(text=content, tool_calls=tool_calls, reasoning=reasoning, meta=meta)


def convert_completion_to_messages(completion: Any) -> list[ChatMessage]:
    """
    Every choice of a non-streamed chat completion (decoded JSON) as assistant `ChatMessage`s.

    :raises ReplyShapeError: The body is not a chat completion: not an object, `choices` missing or not a list of
        choice objects, or a field of the wrong type.
    :raises ValueError: The completion holds no choices at all.
    """
    if not isinstance(completion, dict):
        raise ReplyShapeError(f"the body is {_kind(completion)}, not a chat completion object")
    choices = completion.get("choices")
    if not isinstance(choices, list):
        raise ReplyShapeError(f"the body's choices is {_kind(choices)}, not a list")
    if not choices:
        model = completion.get("model")
        raise ValueError(
            f"AI/ML API answered with no choices (model {model!r}). The request succeeded but produced no reply; "
            "check the model id and parameters."
        )
    return [convert_choice_to_message(completion, choice, position) for position, choice in enumerate(choices)]


class _ToolCallState:
    __slots__ = ("arguments", "block_index", "id", "name", "ordinal")

    def __init__(self, ordinal: int, block_index: int) -> None:
        self.ordinal = ordinal
        self.block_index = block_index
        self.id: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []


# The fields of a chunk, of each of its choices and of a delta that are read, with the JSON type each must have when
# present and not null. Checked with `type(...) is` first, the cheap test that decoded JSON always passes; a value
# that fails it goes through `_expect`, which names it.
_CHUNK_FIELDS = (("model", str), ("usage", dict))
_CHOICE_FIELDS = (("index", int), ("finish_reason", str), ("logprobs", dict))
_DELTA_FIELDS = (("reasoning_content", str), ("reasoning", str), (REASONING_DETAILS_KEY, list))
# A delta with no other keys than these needs no check beyond its content's.
_TEXT_DELTA_KEYS = frozenset(("role", "content"))


def _check_fields(container: dict[str, Any], fields: tuple[tuple[str, type], ...], where: str) -> None:
    for key, kind in fields:
        value = container.get(key)
        if value is not None and type(value) is not kind:
            _expect(container, key, kind, where)


def _check_tool_call_deltas(calls: Any, where: str) -> None:
    if not isinstance(calls, list):
        raise ReplyShapeError(f"{where}.tool_calls is {_kind(calls)}")
    for position, call in enumerate(calls):
        call_where = f"{where}.tool_calls[{position}]"
        if not isinstance(call, dict):
            raise ReplyShapeError(f"{call_where} is {_kind(call)}")
        _expect(call, "index", int, call_where)
        _expect(call, "id", str, call_where)
        function = _expect(call, "function", dict, call_where)
        if function is not None:
            _expect(function, "name", str, f"{call_where}.function")
            _arguments_text(function.get("arguments"), f"{call_where}.function")


def _chunk_choices(chunk: Any) -> list[dict[str, Any]]:
    """The choices of a stream chunk, every field used checked first. Raises `ReplyShapeError`."""
    if type(chunk) is not dict:
        raise ReplyShapeError(f"an event held {_kind(chunk)}, not a chunk object")
    # The checks of `_CHUNK_FIELDS`, `_CHOICE_FIELDS` and `_DELTA_FIELDS`, written out for the shape nearly every chunk
    # has (a model name, no usage; one choice whose delta holds text): a stream runs them thousands of times, and
    # the loop over the field tables costs about a microsecond a chunk. Anything else goes through `_check_fields`.
    model = chunk.get("model")
    if (model is not None and type(model) is not str) or chunk.get("usage") is not None:
        _check_fields(chunk, _CHUNK_FIELDS, "the chunk")
    choices = chunk.get("choices")
    if choices is None:
        return []
    if type(choices) is not list:
        raise ReplyShapeError(f"the chunk's choices is {_kind(choices)}, not a list")
    for position, choice in enumerate(choices):
        if type(choice) is not dict:
            raise ReplyShapeError(f"choices[{position}] is {_kind(choice)}")
        index = choice.get("index")
        if (
            (index is not None and type(index) is not int)
            or choice.get("finish_reason") is not None
            or choice.get("logprobs") is not None
        ):
            _check_fields(choice, _CHOICE_FIELDS, f"choices[{position}]")
        delta = choice.get("delta")
        if delta is None:
            continue
        if type(delta) is not dict:
            raise ReplyShapeError(f"choices[{position}].delta is {_kind(delta)}")
        content = delta.get("content")
        if content is not None and type(content) is not str:
            _text_content(content, f"choices[{position}].delta")
        if not delta.keys() <= _TEXT_DELTA_KEYS:  # reasoning, tool calls, or fields of other upstreams
            _check_fields(delta, _DELTA_FIELDS, f"choices[{position}].delta")
            calls = delta.get("tool_calls")
            if calls is not None:
                _check_tool_call_deltas(calls, f"choices[{position}].delta")
    return choices


class StreamAssembler:
    """
    Turns decoded stream chunks into `StreamingChunk`s as they arrive, and the whole stream into one reply.

    Robust to the ways AI/ML API's upstreams chunk a stream: chunks without `delta`, empty `choices` anywhere, usage
    and cost on any chunk, ids and tool names repeated in (or missing from) later deltas of the same tool call,
    parallel tool calls told apart by `id` alone (no `index`, or the same one for each), and the finish reason on any
    chunk. Every chunk received yields at least one `StreamingChunk`, so a callback sees everything, including the
    usage-only chunk at the end. A chunk that is not shaped as one, and a second choice in the stream (which would
    otherwise be merged into the first), end the stream with `StreamInterruptedError(reason="malformed")`.

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
        self._calls: list[_ToolCallState] = []
        self._calls_by_index: dict[int, _ToolCallState] = {}
        self._block_key: object = None
        self._block_index = -1
        self._choice_index: int | None = None
        self._model: str | None = None
        self.request_id: str | None = None
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
        """
        Record `chunk` (one decoded event) and return what the streaming callback should see of it.

        :raises StreamInterruptedError: The chunk is not a chunk object, has a field of the wrong type, or belongs to
            a second choice; the reply received so far is in its `partial_reply`.
        """
        try:
            choices = _chunk_choices(chunk)
        except ReplyShapeError as error:
            raise self._error(
                "malformed", f"The stream broke after {self.chunks_received} chunk(s): {error}."
            ) from None
        for choice in choices:
            index = choice.get("index") or 0
            if self._choice_index is None:
                self._choice_index = index
            elif index != self._choice_index:
                raise self._error(
                    "malformed",
                    f"The stream broke after {self.chunks_received} chunk(s): it carries more than one choice "
                    f"(index {self._choice_index} and {index}), and a stream is read as one reply. Ask for one "
                    "choice (n=1), or call without a streaming callback to get several.",
                )
        self.chunks_received += 1
        received_at = datetime.now().isoformat()  # noqa: DTZ005  # the same clock Haystack's own chunks use
        if self._first_received_at is None:
            self._first_received_at = received_at
        model = chunk.get("model")
        if model:
            self._model = model
        if self.request_id is None:  # Claude routes send "" after the first chunk
            self.request_id = _request_id(chunk)
        usage = _usage(chunk.get("usage"))
        if usage is not None:
            self._usage = usage
        cost = cost_from_body(chunk) if "meta" in chunk else None
        if cost is not None:
            self._cost = cost

        meta: dict[str, Any] = {"model": model, "received_at": received_at}
        if usage is not None:
            meta["usage"] = usage
        if cost is not None:
            meta[COST_META_KEY] = cost

        if not choices:
            return [StreamingChunk(content="", meta=meta, component_info=self.component_info)]
        out: list[StreamingChunk] = []
        finish_reason = None
        for choice in choices:
            finish_reason = self._add_choice(choice, meta, out) or finish_reason
        if not out:
            out.append(StreamingChunk(content="", meta=meta, component_info=self.component_info))
        # The finish reason belongs to the last thing this chunk carried.
        if finish_reason is not None:
            out[-1] = replace(out[-1], finish_reason=finish_reason)
        return out

    def _add_choice(self, choice: dict[str, Any], meta: dict[str, Any], out: list[StreamingChunk]) -> Any:
        meta["index"] = choice.get("index") or 0
        raw_finish_reason = choice.get("finish_reason")
        finish_reason = None
        if raw_finish_reason:
            meta["finish_reason"] = raw_finish_reason
            # The first finish reason is the reply's. Claude routes follow theirs (`max_tokens`, `tool_use`, ...)
            # with one more chunk that says "stop", which must not turn a cut-off reply into a complete one.
            if self._raw_finish_reason is None:
                self._raw_finish_reason = raw_finish_reason
                finish_reason = normalize_finish_reason(raw_finish_reason)
        logprobs = choice.get("logprobs")
        if logprobs:
            logprobs = _logprobs(logprobs)
            self._logprobs.append(logprobs)
            meta["logprobs"] = logprobs

        delta = choice.get("delta")
        if not delta:
            return finish_reason
        reasoning_text = delta.get("reasoning_content") or delta.get("reasoning")
        details = delta.get(REASONING_DETAILS_KEY)
        if details:
            _merge_reasoning_details(self._reasoning_details, details)
            if not reasoning_text:
                reasoning_text = _reasoning_text_from_details(details)
        if reasoning_text:
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
        content = delta.get("content")
        if content is not None and type(content) is not str:
            content = _text_content(content, "")  # a list of text parts, checked in `_chunk_choices`
        if content:
            self._text.append(content)
            index, start = self._block("text")
            out.append(
                StreamingChunk(content=content, meta=meta, component_info=self.component_info, index=index, start=start)
            )
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            out.append(self._tool_call_chunk(tool_calls, meta))
        return finish_reason

    def _call_for(self, delta: dict[str, Any]) -> tuple[_ToolCallState, bool]:
        """
        The call a tool-call delta continues, or a new one (and whether it is new).

        OpenAI numbers parallel calls with `index`. Gemini, Ollama and vLLM routes may leave it out, or give every
        call the same one, and tell calls apart by `id` alone: there, a delta with an id other than the current
        call's starts a new call. A delta without id continues the call it names by index, or the latest one.
        """
        position = delta.get("index")
        call_id = delta.get("id") or None
        state = (
            self._calls_by_index.get(position) if position is not None else (self._calls[-1] if self._calls else None)
        )
        if state is not None and (call_id is None or state.id is None or state.id == call_id):
            return state, False
        if position is None and call_id is not None:
            # Upstreams that repeat the id in every delta: an id seen before continues that call.
            known = next((call for call in self._calls if call.id == call_id), None)
            if known is not None:
                return known, False
        block_index, _ = self._block(("tool", len(self._calls)))
        state = _ToolCallState(len(self._calls), block_index)
        self._calls.append(state)
        if position is not None:
            self._calls_by_index[position] = state
        return state, True

    def _tool_call_chunk(self, deltas: list[dict[str, Any]], meta: dict[str, Any]) -> StreamingChunk:
        tool_call_deltas = []
        start = False
        first_block_index: int | None = None
        for delta in deltas:
            state, is_new = self._call_for(delta)
            if is_new:
                start = True
            else:
                self._block_key = ("tool", state.ordinal)  # a later delta of an earlier call continues its block
            if first_block_index is None:
                first_block_index = state.block_index
            function = delta.get("function") or {}
            # Upstreams differ: some send the id and name once, some repeat them in every delta. Keep the first,
            # and show the callback each only once, as OpenAI itself streams them.
            raw_id = delta.get("id")
            new_id = raw_id if raw_id and state.id is None else None
            if new_id:
                state.id = new_id
            name = function.get("name")
            new_name = name if name and state.name is None else None
            if new_name:
                state.name = new_name
            arguments = _arguments_text(function.get("arguments"), "") or None
            if arguments:
                state.arguments.append(arguments)
            if is_new or new_id or new_name or arguments:
                tool_call_deltas.append(
                    ToolCallDelta(index=state.ordinal, id=new_id, tool_name=new_name, arguments=arguments)
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
        for state in self._calls:
            result = _tool_call(state.id, state.name, "".join(state.arguments))
            if isinstance(result, ToolCall):
                tool_calls.append(result)
            else:
                invalid_tool_calls.append(result)

        reasoning = None
        if self._reasoning or self._reasoning_details:
            reasoning = ReasoningContent(
                reasoning_text="".join(self._reasoning),
                extra={REASONING_DETAILS_KEY: self._reasoning_details} if self._reasoning_details else {},
            )
        meta = _reply_meta(
            model=self._model,
            index=self._choice_index or 0,
            raw_finish_reason=self._raw_finish_reason,
            usage=self._usage,
            cost=self._cost,
            request_id=self.request_id,
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
        if isinstance(error, StreamErrorEvent):
            status = f"status {error.status}: " if error.status is not None else ""
            reason, what = "error", f"the server sent an error ({status}{error.message})"
        elif isinstance(error, (APITimeoutError, *TIMEOUT_ERRORS)):
            reason, what = "timeout", "no data arrived within the timeout"
        elif isinstance(error, (APIConnectionError, *TRANSPORT_ERRORS)):
            # Older openai releases let the HTTP library's own errors out of a broken stream.
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
