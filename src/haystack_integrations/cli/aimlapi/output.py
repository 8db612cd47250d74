# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
r"""
What the command writes: replies as they stream, one-line summaries, model tables, and text made safe for a
terminal.

```python
from haystack_integrations.cli.aimlapi.output import TerminalFilter

screen = TerminalFilter()
assert screen.feed("Hi\x1b]0;new ti") + screen.feed("tle\x07 there\n") == "Hi there\n"
```
"""

import json
import os
import re
from collections.abc import Sequence
from typing import IO, Any

from haystack_integrations.common.aimlapi.catalogue import ModelInfo

_DIM = "\033[2m"
_RESET = "\033[0m"
_REASONING_PREFIX = "[reasoning] "

_ESC = "\x1b"
_BEL = "\x07"
# 8-bit forms of the 7-bit introducers below (ECMA-48 C1): CSI, and the string introducers DCS, SOS, OSC, PM, APC.
_C1_CSI = "\x9b"
_C1_STRINGS = frozenset("\x90\x98\x9d\x9e\x9f")
_C1_ST = "\x9c"
# After ESC: `[` opens a control sequence; `]`, `P`, `X`, `^`, `_` open a string (OSC, DCS, SOS, PM, APC).
_STRING_OPENERS = frozenset("]PX^_")
_KEPT_CONTROLS = frozenset("\n\t")

# States of the filter.
_TEXT, _AFTER_ESC, _ESC_INTERMEDIATE, _CONTROL_SEQUENCE, _STRING, _STRING_AFTER_ESC = range(6)


def _is_control(character: str) -> bool:
    code = ord(character)
    return code < 0x20 or 0x7F <= code <= 0x9F


def is_terminal(stream: IO[str]) -> bool:
    """Whether `stream` is a terminal (text written to it is interpreted, not stored)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class TerminalFilter:
    """
    Removes control characters and escape sequences from text on its way to a terminal, keeping newlines and tabs.

    A model's reply is text from the network. Written to a terminal as is, a few bytes could retitle the window
    (OSC 0), clear the screen (CSI 2J), move the cursor to overwrite what was shown (CR, CSI H), or write to the
    clipboard (OSC 52). The filter keeps state between calls, because a stream can split a sequence across chunks.
    A string sequence (OSC, DCS, ...) that never ends is cut off at the next newline, so it can hide at most the
    rest of one line.
    """

    def __init__(self) -> None:
        self._state = _TEXT

    def feed(self, text: str) -> str:
        """
        The visible part of `text`.

        :param text: The next piece of text, as it arrived.
        :returns: `text` without control characters and escape sequences.
        """
        kept: list[str] = []
        for character in text:
            self._step(character, kept)
        return "".join(kept)

    def _step(self, character: str, kept: list[str]) -> None:
        state = self._state
        if state == _TEXT:
            if character == _ESC:
                self._state = _AFTER_ESC
            elif character == _C1_CSI:
                self._state = _CONTROL_SEQUENCE
            elif character in _C1_STRINGS:
                self._state = _STRING
            elif character in _KEPT_CONTROLS or not _is_control(character):
                kept.append(character)
            return
        if state == _AFTER_ESC:
            if character == "[":
                self._state = _CONTROL_SEQUENCE
            elif character in _STRING_OPENERS:
                self._state = _STRING
            elif " " <= character <= "/":
                self._state = _ESC_INTERMEDIATE
            elif "0" <= character <= "~":
                self._state = _TEXT  # a two-character sequence (ESC c resets the terminal, ESC 7 saves the cursor)
            else:
                self._abort(character, kept)
            return
        if state == _ESC_INTERMEDIATE:
            if "0" <= character <= "~":
                self._state = _TEXT
            elif not " " <= character <= "/":
                self._abort(character, kept)
            return
        if state == _CONTROL_SEQUENCE:
            if "@" <= character <= "~":
                self._state = _TEXT  # the final byte
            elif not " " <= character <= "?":
                self._abort(character, kept)
            return
        if state == _STRING:
            if character in (_BEL, _C1_ST):
                self._state = _TEXT
            elif character == _ESC:
                self._state = _STRING_AFTER_ESC
            elif character == "\n":
                self._abort(character, kept)
            return
        # _STRING_AFTER_ESC: ESC \\ ends the string; ESC and anything else ends it and starts a new sequence.
        if character == "\\":
            self._state = _TEXT
        else:
            self._state = _AFTER_ESC
            self._step(character, kept)

    def _abort(self, character: str, kept: list[str]) -> None:
        """A sequence broken off by a character that cannot be part of it: drop the sequence, treat it as text."""
        self._state = _TEXT
        self._step(character, kept)


def terminal_safe(text: str) -> str:
    """
    `text` without control characters and escape sequences (an unfinished one at the end is dropped too).

    :param text: Text from the network.
    :returns: The visible part, with newlines and tabs.
    """
    return TerminalFilter().feed(text)


_WHITESPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    """
    `text` as one line that is safe on a terminal: escape sequences and controls removed, runs of whitespace
    (line breaks included) made one space. Error messages quote what a server said, and a server can say anything.

    :param text: A message, perhaps quoting a server.
    :returns: The message on one line.
    """
    return _WHITESPACE.sub(" ", terminal_safe(text)).strip()


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def json_line(document: Any, *, for_terminal: bool) -> str:
    """
    `document` as one line of JSON, with non-ASCII text kept readable.

    `json.dumps` escapes C0 controls (ESC among them) but not DEL or the C1 range (`\\x9b` is CSI on some
    terminals), so for a terminal those are escaped too: the JSON means the same, and nothing in it is interpreted.

    :param document: What to print.
    :param for_terminal: Whether the line goes to a terminal.
    :returns: The JSON text, without a newline.
    """
    text = json.dumps(document, ensure_ascii=False, default=str)
    if for_terminal:
        text = _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return text


def use_color(stream: IO[str]) -> bool:
    """Whether to colour what goes to `stream`: a terminal, unless `NO_COLOR` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def dimmed(text: str, *, color: bool) -> str:
    """
    `text` dimmed with ANSI codes when `color` is on, else as is.

    :param text: Our own text (never a server's: that goes through `one_line` or a `TerminalFilter` first).
    :param color: Whether the stream takes colour (`use_color`).
    """
    return f"{_DIM}{text}{_RESET}" if color else text


class ReplyPrinter:
    """
    Writes a reply to the terminal as it streams: text on `out`, reasoning on `err`.

    Reasoning goes to stderr so that stdout carries only the answer (`chat ... > answer.txt` works). It is dimmed
    when stderr is a terminal and `NO_COLOR` is unset, otherwise each of its lines starts with `[reasoning] `.
    What goes to a terminal passes through a `TerminalFilter`; what goes to a pipe or a file is written as received.

    :param out: Where the text goes (stdout).
    :param err: Where reasoning goes (stderr).
    :param show_reasoning: `False` drops reasoning.
    """

    def __init__(self, out: IO[str], err: IO[str], *, show_reasoning: bool = True) -> None:
        self.out = out
        self.err = err
        self.show_reasoning = show_reasoning
        self.color = use_color(err)
        self._out_filter = TerminalFilter() if is_terminal(out) else None
        self._err_filter = TerminalFilter() if is_terminal(err) else None
        self._in_reasoning = False
        self._reasoning_line_start = True
        self._text_ends_with_newline = True
        self._wrote_text = False

    def reasoning(self, text: str) -> None:
        """Shows a piece of reasoning."""
        if not self.show_reasoning or not text:
            return
        if self._err_filter is not None:
            text = self._err_filter.feed(text)
            if not text:
                return
        if not self._in_reasoning:
            self._in_reasoning = True
            self._reasoning_line_start = True
            if self.color:
                self.err.write(_DIM)
        if self.color:
            self.err.write(text)
            self._reasoning_line_start = text.endswith("\n")
        else:
            for line in text.splitlines(keepends=True):
                if self._reasoning_line_start:
                    self.err.write(_REASONING_PREFIX)
                self.err.write(line)
                self._reasoning_line_start = line.endswith("\n")
        self.err.flush()

    def _end_reasoning(self) -> None:
        if not self._in_reasoning:
            return
        self._in_reasoning = False
        if self.color:
            self.err.write(_RESET)
        if not self._reasoning_line_start:
            self.err.write("\n")
        self.err.flush()

    def text(self, text: str) -> None:
        """Shows a piece of the answer."""
        if self._out_filter is not None:
            text = self._out_filter.feed(text)
        if not text:
            return
        self._end_reasoning()
        self.out.write(text)
        self.out.flush()
        self._wrote_text = True
        self._text_ends_with_newline = text.endswith("\n")

    def chunk(self, chunk: Any) -> None:
        """A streaming callback: shows what a `StreamingChunk` carries."""
        reasoning = getattr(chunk, "reasoning", None)
        if reasoning is not None:
            self.reasoning(reasoning.reasoning_text)
        self.text(chunk.content)

    def finish(self) -> None:
        """Ends the reply with a newline, so the shell prompt starts on its own line."""
        self._end_reasoning()
        if self._wrote_text and not self._text_ends_with_newline:
            self.out.write("\n")
            self.out.flush()
            self._text_ends_with_newline = True


# --- formatting ---------------------------------------------------------------------------------------------------


def _or_unknown(value: Any) -> str:
    return "?" if value is None else str(value)


def _format_usd(value: Any) -> str:
    return f"${value:.6f}" if isinstance(value, int | float) else "$?"


def summary_line(meta: dict[str, Any]) -> str:
    """One line about a reply: model, finish reason, token usage and cost."""
    parts = [f"model: {meta.get('model') or '?'}", f"finish: {meta.get('finish_reason') or '?'}"]
    usage = meta.get("usage") or {}
    if usage:
        prompt, completion, total = (usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens"))
        tokens = f"tokens: {_or_unknown(prompt)} in, {_or_unknown(completion)} out"
        details = usage.get("completion_tokens_details") or {}
        reasoning_tokens = details.get("reasoning_tokens") if isinstance(details, dict) else None
        if reasoning_tokens:
            tokens += f" ({reasoning_tokens} reasoning)"
        if total is not None:
            tokens += f", {total} total"
        parts.append(tokens)
    else:
        parts.append("tokens: not reported")
    cost = meta.get("cost")
    if cost:
        parts.append(f"cost: {cost.get('credits_used', '?')} credits ({_format_usd(cost.get('usd_spent'))})")
    else:
        parts.append("cost: not reported")
    return " | ".join(parts)


def _price_text(model: ModelInfo) -> str:
    pricing = model.pricing
    if pricing is None:
        return "-"
    if pricing.input is not None or pricing.output is not None:
        text = f"{_or_unknown(pricing.input)} / {_or_unknown(pricing.output)}"
    else:
        text = ", ".join(
            f"{key}={value}" for key, value in pricing.raw.items() if key != "unit" and isinstance(value, int | float)
        )
    return f"{text} {pricing.unit}".strip() if pricing.unit else text or "-"


def models_table(models: Sequence[ModelInfo], *, show_pricing: bool = False, for_terminal: bool = False) -> str:
    """
    The models as an aligned text table, one per line, under a header.

    :param models: The rows.
    :param show_pricing: Add a price column.
    :param for_terminal: Make every cell one line without escape sequences (the catalogue is text from the network).
    :returns: The table, without a final newline.
    """
    header = ["ID", "KIND", "DEVELOPER", "CONTEXT", "CAPABILITIES"]
    if show_pricing:
        header.append("PRICE (IN / OUT)")
    rows = [header]
    for model in models:
        row = [
            model.id,
            model.kind or "-",
            model.developer or "-",
            str(model.context_length) if model.context_length else "-",
            ",".join(sorted(model.capabilities)) or "-",
        ]
        if show_pricing:
            row.append(_price_text(model))
        rows.append([one_line(cell) or "-" for cell in row] if for_terminal else row)
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if header[i] == "CONTEXT" else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
