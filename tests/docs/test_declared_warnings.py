# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""A block that warns on purpose says so (`# SomeWarning: text`); the runner checks the warning and keeps it."""

import warnings
from pathlib import Path

import pytest

from .blocks import Block, declared_warnings, docstring_blocks
from .runner import DocLiesError, run_python

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "src/haystack_integrations/common/aimlapi/catalogue.py"


def _block(code: str) -> Block:
    return Block(source="page.md", line=1, language="python", code=code)


def test_the_misspelt_model_of_check_model_is_declared() -> None:
    blocks = docstring_blocks(CATALOGUE, "catalogue.py")
    warned = [declared_warnings(block.code) for block in blocks if "claude-sonet-4.5" in block.code]

    assert warned == [[("UnknownModelWarning", "'anthropic/claude-sonet-4.5' is not in the model catalogue at")]]


def test_only_a_comment_declares_a_warning() -> None:
    code = 'text = "# UserWarning: inside a string"\nprint(text)  # DeprecationWarning: old, going\n'

    assert declared_warnings(code) == [("DeprecationWarning", "old, going")]


def test_a_declared_warning_is_checked_and_kept_out_of_the_summary() -> None:
    block = _block('import warnings\nwarnings.warn("spam is off, try eggs")  # UserWarning: spam is off\n')
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        run_python(block, {})

    assert escaped == []


def test_a_declared_warning_that_never_comes_fails_the_block() -> None:
    block = _block('print("all fine")\n# UserWarning: spam is off\n')
    with pytest.raises(DocLiesError, match=r"page\.md:1: the block says it warns\n    UserWarning: spam is off\n"):
        run_python(block, {})


def test_a_warning_of_another_category_or_text_does_not_count() -> None:
    block = _block('import warnings\nwarnings.warn("eggs are off", DeprecationWarning)\n# UserWarning: spam is off\n')
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        with pytest.raises(DocLiesError, match="but it emitted DeprecationWarning: eggs are off"):
            run_python(block, {})

    assert [(seen.category, str(seen.message)) for seen in escaped] == [(DeprecationWarning, "eggs are off")]


def test_a_warning_the_block_does_not_declare_still_reaches_the_summary() -> None:
    block = _block('import warnings\nwarnings.warn("unannounced")\n')
    with pytest.warns(UserWarning, match="^unannounced$"):
        run_python(block, {})


def test_a_block_that_fails_passes_its_warnings_on_with_its_error() -> None:
    block = _block('import warnings\nwarnings.warn("before the failure")\nraise KeyError("boom")\n')
    with pytest.warns(UserWarning, match="before the failure"), pytest.raises(KeyError, match="boom"):
        run_python(block, {})
