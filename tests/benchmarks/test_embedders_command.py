# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The benchmark command of docs/embedders.md runs and prints the table the page shows, on a small workload.

The page's own run takes about a minute, so tests/docs shows it without running it; here the same command runs with
flags that shrink the workload (64 documents of 64 dimensions, 5 ms server latency). No timing is asserted: only that
the command works and prints the page's columns, contenders and targets.
"""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.blocks import markdown_blocks

pytestmark = pytest.mark.loopback

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "embedders.md"
SMALL = ["--documents", "64", "--dimensions", "64", "--latency-ms", "5"]


def _table_rows(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]


def test_the_pages_benchmark_command_prints_the_pages_table() -> None:
    text = PAGE.read_text()
    [block] = [block for block in markdown_blocks(text, "docs/embedders.md") if "benchmarks/embedders.py" in block.code]
    assert block.not_run is not None and "tests/benchmarks/test_embedders_command.py" in block.not_run
    command = shlex.split(block.code.strip())
    assert command[:2] == ["python", "benchmarks/embedders.py"]

    completed = subprocess.run(
        [sys.executable, *command[1:], *SMALL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr

    printed = _table_rows(completed.stdout)
    shown = _table_rows(text.split(block.code, 1)[1].split("\n\n", 2)[1])  # the table right after the block
    assert printed[0] == shown[0]  # the same columns
    assert [row[0] for row in printed[2:]] == [row[0] for row in shown[2:]]  # the same contenders, in order
    repeats = command[command.index("--repeats") + 1]
    assert f"64 documents, 2 batches of 32, 64 dimensions, 5 ms server latency per request, median of {repeats}" in (
        completed.stdout
    )
    targets = [line.rsplit(":", 1)[0] for line in completed.stdout.splitlines() if line.startswith("- ")]
    assert targets and all(f"\n{target}: met" in text or f"\n{target}: NOT met" in text for target in targets)
