# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""`benchmarks/floor.py` runs on a small stream and prints its table. No timing is asserted: only its shape."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.loopback

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("busy", [[], ["--busy-us", "5"]], ids=["idle readers", "busy readers"])
def test_the_floor_command_prints_every_contender_against_its_baseline(busy: list[str]) -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "floor.py"), "--rounds", "1", "--words", "40", *busy],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    rows = {
        cells[0]: cells[1:]
        for cells in ([cell.strip() for cell in line.strip("|").split("|")] for line in completed.stdout.splitlines())
        if len(cells) == 3 and cells[0] in {"sdk", "floor", "sdk_async", "floor_async"}
    }
    assert set(rows) == {"sdk", "floor", "sdk_async", "floor_async"}
    assert rows["sdk"][1] == rows["sdk_async"][1] == "1 (baseline)"
    assert rows["floor"][1].endswith("x") and rows["floor_async"][1].endswith("x")
    assert float(rows["floor"][0]) > 0
    assert "async floor less sync floor: " in completed.stdout
    # The spin is named in the heading when asked for, and left out of the floor's figures, which stay positive.
    assert ("spinning 5 us per piece (left out)" in completed.stdout) == bool(busy)
