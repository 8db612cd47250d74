# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Every Python block of docs/cost.md runs as written (none of them sends a request)."""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).parent.parent / "docs" / "cost.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def test_the_page_has_code():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_code_block_runs(block):
    exec(compile(block, str(DOC), "exec"), {})  # noqa: S102
