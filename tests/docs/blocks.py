# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Code blocks read from Markdown pages and from docstrings, with the markers that say how each one is run.

A fenced block's language decides what happens to it:

- `python` (or `py`) runs in the page's namespace, block after block, so a page reads like one session;
- `bash` (or `sh`, `shell`) runs with `bash -e -o pipefail`;
- `output` right after a `python` or `bash` block is what that block must print (`...` matches any text);
- anything else (`console`, `text`, `json`, `yaml`, ...) is shown, not run.

A line of Python ending in `# -> expected` must print `expected` (or, if it is an expression, have that repr).
A comment `# SomeWarning: text` says the block emits that warning, its message starting with `text`; the warning is
then caught and checked instead of reaching the test summary.
An HTML comment on the line(s) just above a fence changes how it runs:

- `<!-- not-run: reason -->` shows the block without running it; the reason is required;
- `<!-- llmock: {...} -->` or `<!-- llmock: [{...}, ...] -->` gives the loopback server these behaviours first.
"""

import ast
import dataclasses
import inspect
import io
import json
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNABLE = {"python": "python", "py": "python", "bash": "bash", "sh": "bash", "shell": "bash"}
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
_MARKER = re.compile(r"^[ \t]*<!--[ \t]*(?P<name>not-run|llmock)[ \t]*:(?P<value>.*?)-->[ \t]*$")
_EXPECTED = re.compile(r"#\s*->\s?(?P<expected>.*)$")
_DECLARED_WARNING = re.compile(r"#\s*(?P<category>[A-Z]\w*Warning):\s?(?P<text>.*)$")


@dataclass
class Block:
    """One fenced code block: where it is, its language, its text, and what its markers ask for."""

    source: str
    line: int  # 1-based line of the first line of code (the line after the opening fence)
    language: str
    code: str
    not_run: str | None = None
    behaviors: list[dict[str, Any]] = field(default_factory=list)
    expected_output: str | None = None

    @property
    def runs(self) -> bool:
        return self.language in ("python", "bash") and self.not_run is None

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def _markers(pending: list[tuple[str, str, int]], source: str) -> tuple[str | None, list[dict[str, Any]]]:
    not_run: str | None = None
    behaviors: list[dict[str, Any]] = []
    for name, value, line in pending:
        if name == "not-run":
            if not value.strip():
                raise ValueError(f"{source}:{line}: `<!-- not-run: ... -->` needs a reason after the colon")
            not_run = value.strip()
        else:
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as error:
                raise ValueError(f"{source}:{line}: `<!-- llmock: ... -->` is not JSON: {error}") from error
            behaviors.extend(parsed if isinstance(parsed, list) else [parsed])
    return not_run, behaviors


def markdown_blocks(text: str, source: str) -> list[Block]:
    """Every fenced block of a Markdown text, in order, `output` blocks attached to the block they follow."""
    blocks: list[Block] = []
    lines = text.splitlines()
    pending: list[tuple[str, str, int]] = []  # markers seen since the last non-blank line
    previous_was_block = False
    index = 0
    while index < len(lines):
        line = lines[index]
        marker = _MARKER.match(line)
        opening = _FENCE.match(line)
        if marker:
            pending.append((marker["name"], marker["value"], index + 1))
            index += 1
            continue
        if not opening:
            if line.strip():
                pending.clear()
                previous_was_block = False
            index += 1
            continue
        indent, fence = len(opening["indent"].expandtabs()), opening["fence"]
        language = (opening["info"].split() or [""])[0].lower().strip("{}.")
        body: list[str] = []
        index += 1
        start = index + 1
        while index < len(lines):
            closing = _FENCE.match(lines[index])
            if _closes(closing, fence):
                break
            body.append(_dedent(lines[index], indent))
            index += 1
        else:
            raise ValueError(f"{source}:{start - 1}: a code block opened here is never closed")
        index += 1  # past the closing fence
        code = "\n".join(body) + "\n"
        not_run, behaviors = _markers(pending, source)
        pending.clear()
        if language == "output" and previous_was_block and blocks:
            blocks[-1].expected_output = code
            previous_was_block = False
            continue
        blocks.append(Block(source, start, RUNNABLE.get(language, language), code, not_run, behaviors))
        previous_was_block = True
    return blocks


def _closes(closing: re.Match[str] | None, fence: str) -> bool:
    """A closing fence has no info string and at least as many of the opening fence's characters."""
    if closing is None or closing["info"]:
        return False
    return closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence)


def _dedent(line: str, indent: int) -> str:
    """Removes up to `indent` leading spaces: the fence's own indentation inside a list item."""
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(stripped, indent) :]


def docstring_blocks(path: Path, source: str) -> list[Block]:
    """The fenced blocks in every docstring of a Python module: module, class, function and method."""
    tree = ast.parse(path.read_text(), filename=str(path))
    blocks: list[Block] = []
    documented = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    nodes = [tree, *(node for node in ast.walk(tree) if isinstance(node, documented))]
    for node in nodes:
        docstring = ast.get_docstring(node, clean=False)
        if not docstring:
            continue
        first = node.body[0]
        # cleandoc drops the common indentation; the block's line in the file is recovered from the docstring's.
        cleaned = inspect.cleandoc(docstring)
        offset = first.lineno - 1 + _leading_lines(docstring)
        for block in markdown_blocks(cleaned, source):
            block.line += offset
            blocks.append(block)
    return sorted(blocks, key=lambda block: block.line)


def _leading_lines(docstring: str) -> int:
    """How many lines `inspect.cleandoc` removed from the top of a docstring (blank lines after the quotes)."""
    lines = docstring.expandtabs().split("\n")
    count = 0
    if lines and not lines[0].strip():
        count = 1
        for line in lines[1:]:
            if line.strip():
                break
            count += 1
    return count


def expected_outputs(code: str) -> dict[int, str]:
    """The text after each `# -> ` comment of a Python block, by line (1-based); only real comments count."""
    found: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            match = _EXPECTED.match(token.string)
            if match:
                found[token.start[0]] = match["expected"].strip()
    return found


def declared_warnings(code: str) -> list[tuple[str, str]]:
    """
    The warnings a Python block says it emits: `(category name, start of the message)` for each comment
    `# SomeWarning: text`. Only the comment's first line counts, as the lines after it may show what only the real
    API says (a suggestion from its full catalogue).
    """
    found: list[tuple[str, str]] = []
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            match = _DECLARED_WARNING.match(token.string)
            if match:
                found.append((match["category"], match["text"].strip()))
    return found


def matches(expected: str, actual: str) -> bool:
    """Whether `actual` is `expected`, where `...` in `expected` stands for any text (also across lines)."""
    normalize = lambda text: "\n".join(line.rstrip() for line in text.strip().splitlines())  # noqa: E731
    pattern = re.escape(normalize(expected)).replace(re.escape("..."), r"[\s\S]*?")
    return re.fullmatch(pattern, normalize(actual)) is not None


def with_paths(block: Block, **paths: Path) -> Block:
    """
    `block` with each quoted file name it reads or writes (`"chunks.parquet"`) replaced by an absolute path, so that
    it runs unchanged but for where its files are. Fails, naming the block, when it no longer names one of them.
    """
    code = block.code
    for name, path in paths.items():
        assert f'"{name}"' in code, f"{block.where} no longer reads or writes {name!r}"
        code = code.replace(f'"{name}"', repr(str(path)))
    return dataclasses.replace(block, code=code)
