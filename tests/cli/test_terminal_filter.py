# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Text made safe for a terminal: what is removed, what stays, and chunk boundaries anywhere."""

import json
import random
import unicodedata

import pytest

from haystack_integrations.cli.aimlapi.output import TerminalFilter, json_line, models_table, one_line, terminal_safe
from haystack_integrations.common.aimlapi.catalogue import models_from_body


@pytest.mark.parametrize(
    ("received", "visible"),
    [
        ("plain text, ünïcödé ☕\n\ttabbed", "plain text, ünïcödé ☕\n\ttabbed"),
        ("a\x1b]0;title\x07b", "ab"),  # OSC ended by BEL
        ("a\x1b]2;title\x1b\\b", "ab"),  # OSC ended by ESC \
        ("a\x1b]52;c;aGVsbG8=\x07b", "ab"),  # clipboard write
        ("a\x1b[2J\x1b[3J\x1b[Hb", "ab"),  # clear screen and scrollback, cursor home
        ("a\x1b[38;5;196mb\x1b[0m", "ab"),  # colours
        ("a\x1b[?1049hb", "ab"),  # alternate screen (private parameter)
        ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),  # DCS (sixel)
        ("a\x1b_payload\x1b\\b", "ab"),  # APC
        ("a\x1bcb", "ab"),  # full reset
        ("a\x1b(Bb", "ab"),  # character set, with an intermediate byte
        ("a\x9b31mb\x9d0;t\x9cc", "abc"),  # 8-bit CSI and OSC ... ST
        ("a\rb\x08c\x07d\x00e\x7ff", "abcdef"),  # CR, BS, BEL, NUL, DEL
        ("a\x1b]0;never ends\nnext line", "a\nnext line"),  # an unended string hides at most one line
        ("a\x1b[12\nb", "a\nb"),  # a control sequence broken by a newline
        ("a\x1b\x1b[1mb", "ab"),  # ESC ESC
        ("trailing\x1b", "trailing"),
    ],
)
def test_what_a_terminal_gets(received: str, visible: str) -> None:
    assert terminal_safe(received) == visible


SAMPLE = "Hi\x1b]0;title\x07 there\x1b[2J\n\x9b1m\tok\x1b]52;c;eA==\x1b\\ end\x1bc!"


@pytest.mark.parametrize("cut", range(len(SAMPLE) + 1))
def test_a_sequence_split_between_chunks_is_removed_all_the_same(cut: int) -> None:
    screen = TerminalFilter()
    assert screen.feed(SAMPLE[:cut]) + screen.feed(SAMPLE[cut:]) == "Hi there\n\tok end!"


def test_one_character_at_a_time() -> None:
    screen = TerminalFilter()
    assert "".join(screen.feed(character) for character in SAMPLE) == "Hi there\n\tok end!"


def test_one_line_collapses_line_breaks_after_removing_sequences() -> None:
    assert one_line("Error:\x1b[31m bad\r\n\n gateway \x1b]0;t\x07\t") == "Error: bad gateway"


def test_json_for_a_terminal_escapes_del_c1_and_line_separators_and_means_the_same() -> None:
    document = {"text": "a\x9b2J\x7f\u2028b\x1b"}
    line = json_line(document, for_terminal=True)
    assert not any(character in line for character in "\x9b\x7f\u2028\x1b")
    assert json.loads(line) == document
    assert json_line(document, for_terminal=False) == json.dumps(document, ensure_ascii=False)


def test_models_table_for_a_terminal_keeps_each_model_on_one_clean_line() -> None:
    models = models_from_body([{"id": "evil\x1b]0;t\x07/model\nsecond-line", "info": {"contextLength": 10}}])
    table = models_table(models, for_terminal=True).splitlines()
    assert len(table) == 2
    assert table[1].startswith("evil/model second-line")
    assert "\x1b" not in "".join(table)


# Characters that matter to the filter, and a few that do not.
ALPHABET = "\x1b\x07\x9b\x9c\x9d\x90\x08\r\n\t[]P_^X\\;0123m?@~ aé☕\x7f\x00"


@pytest.mark.parametrize("seed", range(40))
def test_random_text_never_leaves_a_control_character_whatever_the_chunking(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  # reproducible test data, not secrets
    text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60)))
    whole = terminal_safe(text)

    assert not [character for character in whole if unicodedata.category(character) == "Cc" and character not in "\n\t"]
    assert whole.count("\n") <= text.count("\n")  # newlines are kept or dropped, never made up
    cuts = sorted(rng.sample(range(len(text) + 1), k=min(3, len(text) + 1)))
    screen = TerminalFilter()
    pieces = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    streamed = "".join(screen.feed(piece) for piece in pieces)
    assert streamed == whole
