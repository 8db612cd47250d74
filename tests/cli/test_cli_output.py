# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""How the command writes replies, reasoning, summaries and tables."""

import io

import pytest
from haystack.dataclasses import ReasoningContent, StreamingChunk

from haystack_integrations.cli.aimlapi.main import ReplyPrinter, models_table, summary_line
from haystack_integrations.common.aimlapi.catalogue import models_from_body

DIM, RESET = "\033[2m", "\033[0m"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def stream(printer: ReplyPrinter, *chunks: StreamingChunk) -> None:
    for chunk in chunks:
        printer.chunk(chunk)
    printer.finish()


REASONING_THEN_TEXT = (
    StreamingChunk(content="", index=0, start=True, reasoning=ReasoningContent(reasoning_text="First,\nthink.")),
    StreamingChunk(content="", index=0, reasoning=ReasoningContent(reasoning_text=" Done.")),
    StreamingChunk(content="Answer", index=1, start=True),
    StreamingChunk(content=" here.", index=1),
)


def test_reasoning_is_dimmed_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    out, err = Terminal(), Terminal()
    stream(ReplyPrinter(out, err), *REASONING_THEN_TEXT)

    assert err.getvalue() == f"{DIM}First,\nthink. Done.{RESET}\n"
    assert out.getvalue() == "Answer here.\n"


@pytest.mark.parametrize(
    ("no_color", "err_is_terminal"), [("1", True), (None, False)], ids=["NO_COLOR", "not-a-terminal"]
)
def test_reasoning_lines_are_prefixed_without_colour(
    monkeypatch: pytest.MonkeyPatch, no_color: str | None, err_is_terminal: bool
) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    out, err = io.StringIO(), (Terminal() if err_is_terminal else io.StringIO())
    stream(ReplyPrinter(out, err), *REASONING_THEN_TEXT)

    assert err.getvalue() == "[reasoning] First,\n[reasoning] think. Done.\n"
    assert "\033" not in err.getvalue()
    assert out.getvalue() == "Answer here.\n"


def test_hidden_reasoning_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out, err = Terminal(), Terminal()
    stream(ReplyPrinter(out, err, show_reasoning=False), *REASONING_THEN_TEXT)
    assert err.getvalue() == ""
    assert out.getvalue() == "Answer here.\n"


def test_text_that_ends_its_own_line_gets_no_extra_newline() -> None:
    out, err = io.StringIO(), io.StringIO()
    stream(ReplyPrinter(out, err), StreamingChunk(content="line\n"), StreamingChunk(content=""))
    assert out.getvalue() == "line\n"


def test_summary_line() -> None:
    meta = {
        "model": "claude-opus-4-1-20250805",
        "finish_reason": "stop",
        "usage": {"prompt_tokens": 40, "completion_tokens": 61, "total_tokens": 101},
        "cost": {"credits_used": 14310, "usd_spent": 0.007155},
    }
    assert summary_line(meta) == (
        "model: claude-opus-4-1-20250805 | finish: stop | tokens: 40 in, 61 out, 101 total "
        "| cost: 14310 credits ($0.007155)"
    )
    assert summary_line({"model": "m", "finish_reason": None, "usage": None}) == (
        "model: m | finish: ? | tokens: not reported | cost: not reported"
    )


def test_table_right_aligns_context_and_marks_missing_values() -> None:
    models = models_from_body(
        [
            {"id": "long/model-id-here", "type": "chat-completion", "info": {"contextLength": 8000}},
            {"id": "x", "info": {"contextLength": 1000000}, "features": ["openai/chat-completion.function"]},
        ]
    )
    assert models_table(models).splitlines() == [
        "ID                  KIND  DEVELOPER  CONTEXT  CAPABILITIES",
        "long/model-id-here  chat  -             8000  -",
        "x                   -     -          1000000  tools",
    ]


def test_a_terminal_gets_reasoning_and_text_without_escape_sequences(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out, err = Terminal(), Terminal()
    stream(
        ReplyPrinter(out, err),
        StreamingChunk(content="", index=0, reasoning=ReasoningContent(reasoning_text="think\x1b]0;t")),
        StreamingChunk(content="", index=0, reasoning=ReasoningContent(reasoning_text="itle\x07ing\n")),
        StreamingChunk(content="An\x1b[2Jswer\x1b]52;c;eA==", index=1, start=True),
        StreamingChunk(content="\x07\there", index=1),
    )
    assert err.getvalue() == "[reasoning] thinking\n"
    assert out.getvalue() == "Answer\there\n"


def test_a_pipe_gets_reasoning_and_text_as_received() -> None:
    out, err = io.StringIO(), io.StringIO()
    stream(
        ReplyPrinter(out, err),
        StreamingChunk(content="", index=0, reasoning=ReasoningContent(reasoning_text="a\x1b[1mb\n")),
        StreamingChunk(content="An\x1b[2Jswer", index=1, start=True),
    )
    assert err.getvalue() == "[reasoning] a\x1b[1mb\n"
    assert out.getvalue() == "An\x1b[2Jswer\n"
