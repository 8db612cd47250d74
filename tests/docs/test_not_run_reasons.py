# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
A block of README.md, docs/ or a docstring that is shown without being run names what covers it, and that exists.

`<!-- not-run: reason -->` must name a test module (which must mention the page or module), a test folder, or
`.ci/run`, so a block cannot quietly stop being checked when the test that covered it is renamed or removed.
"""

import re
import shlex
from pathlib import Path

import pytest

from .blocks import Block, docstring_blocks, markdown_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
MODULES = sorted((ROOT / "src").rglob("*.py"))
_NAMED = re.compile(r"(?<![\w/.])(?P<path>tests/[\w/.-]*\w|\.ci/run)")


def _not_run_blocks() -> list:
    pages = [(page, markdown_blocks(page.read_text(), page.relative_to(ROOT).as_posix())) for page in PAGES]
    modules = [(module, docstring_blocks(module, module.relative_to(ROOT).as_posix())) for module in MODULES]
    return [
        pytest.param(source, block, id=block.where)
        for source, blocks in [*pages, *modules]
        for block in blocks
        if block.not_run is not None
    ]


@pytest.mark.parametrize(("page", "block"), _not_run_blocks())
def test_a_not_run_reason_names_what_covers_the_block(page: Path, block: Block) -> None:
    assert block.not_run is not None
    named = [match["path"] for match in _NAMED.finditer(block.not_run)]
    assert named, f"{block.where}: the reason names no test module and no CI step: {block.not_run!r}"
    for path in named:
        target = ROOT / path
        assert target.exists(), f"{block.where}: the reason names {path}, which does not exist"
        if target.is_file() and path.startswith("tests/"):
            assert page.name in target.read_text(), f"{block.where}: {path} does not mention {page.name}"


def test_the_ci_docs_step_runs_the_api_reference_commands() -> None:
    page = ROOT / "docs" / "api-reference.md"
    [block] = [block for block in markdown_blocks(page.read_text(), "docs/api-reference.md") if block.not_run]
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line.split("#", 1)[0].strip() for line in block.code.splitlines() if line.strip()]
    assert len(commands) == 2
    run = _ci_commands(ci)
    for command in commands:
        words = [word for word in shlex.split(command) if word != "-q"]
        assert any(line[: len(words)] == words for line in run), f"{block.where}: .ci/run does not run {command!r}"


def _ci_commands(script: str) -> list[list[str]]:
    """The words of each command line of a shell script, quiet flags left out (a page shows the plain command)."""
    lines = []
    for line in script.splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # a line continued or quoted across lines: not one of the simple commands looked for
            continue
        lines.append([word for word in words if word != "-q"])
    return lines
