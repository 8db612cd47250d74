# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The reader and runner of doc blocks: a page that lies must fail, and the markers must mean what they say."""

import textwrap
from pathlib import Path

import pytest

from .blocks import docstring_blocks, markdown_blocks, matches
from .runner import DocLiesError, run_bash, run_python

PAGE = textwrap.dedent(
    """\
    # Title

    ```python
    x = 40 + 2
    print(x)  # -> 42
    ```

    ```output
    42
    ```

    <!-- not-run: installs from the package index -->
    ```bash
    pip install something
    ```

    <!-- llmock: {"type": "reply", "text": "hello"} -->
    ```bash
    echo hi
    ```

    - a list item:

      ```python
      y = x + 1
      ```

    ```console
    $ not run
    ```
    """
)


def test_blocks_are_read_with_their_markers_and_lines() -> None:
    python, pip, echo, indented, console = markdown_blocks(PAGE, "page.md")
    assert (python.language, python.line, python.expected_output) == ("python", 4, "42\n")
    assert python.runs
    assert pip.not_run == "installs from the package index"
    assert not pip.runs
    assert echo.behaviors == [{"type": "reply", "text": "hello"}]
    assert echo.runs
    assert indented.code == "y = x + 1\n"
    assert indented.line == 25
    assert console.language == "console"
    assert not console.runs


def test_a_not_run_marker_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        markdown_blocks("<!-- not-run: -->\n```bash\nls\n```\n", "page.md")


def test_an_unclosed_block_is_an_error() -> None:
    with pytest.raises(ValueError, match="never closed"):
        markdown_blocks("```python\nprint(1)\n", "page.md")


def test_a_marker_applies_only_to_the_next_block() -> None:
    page = "<!-- not-run: a reason -->\n\n```bash\nls\n```\ntext\n\n```bash\nls\n```\n"
    first, second = markdown_blocks(page, "p.md")
    assert first.not_run == "a reason"
    assert second.not_run is None


def test_a_wrong_arrow_comment_fails() -> None:
    (block,) = markdown_blocks("```python\nprint(1 + 1)  # -> 3\n```\n", "page.md")
    with pytest.raises(DocLiesError, match=r"page.md:2: the page says this prints\n    3\nbut it printed\n    2"):
        run_python(block, {})


def test_arrow_comments_check_expressions_by_repr_and_allow_ellipsis() -> None:
    code = "```python\n{'a': 1, 'b': [2, 3]}  # -> {'a': 1, ...}\nprint('long line here')  # -> long ... here\n```\n"
    (block,) = markdown_blocks(code, "page.md")
    assert run_python(block, {}) == "long line here\n"


def test_an_arrow_inside_a_string_is_not_a_check() -> None:
    (block,) = markdown_blocks('```python\ntext = "# -> not a check"\nprint(text)\n```\n', "page.md")
    assert run_python(block, {}) == "# -> not a check\n"


def test_a_wrong_output_block_fails() -> None:
    (block,) = markdown_blocks("```python\nprint('Paris')\n```\n\n```output\nLyon\n```\n", "page.md")
    with pytest.raises(DocLiesError, match="the output block"):
        run_python(block, {})


def test_blocks_of_a_page_share_one_namespace() -> None:
    first, second = markdown_blocks("```python\nx = 2\n```\n\n```python\nprint(x * 3)  # -> 6\n```\n", "page.md")
    namespace: dict = {}
    run_python(first, namespace)
    assert run_python(second, namespace) == "6\n"


def test_tracebacks_point_at_the_page_line() -> None:
    (block,) = markdown_blocks("# Title\n\n```python\nx = 1\nraise KeyError('cost')\n```\n", "page.md")
    with pytest.raises(KeyError) as caught:
        run_python(block, {})
    assert caught.traceback[-1].lineno + 1 == 5  # pytest counts lines from 0


def test_a_failing_bash_block_fails(tmp_path: Path) -> None:
    (block,) = markdown_blocks("```bash\ntrue\nfalse\necho never\n```\n", "page.md")
    with pytest.raises(AssertionError, match="exited 1"):
        run_bash(block, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})


def test_bash_output_is_checked(tmp_path: Path) -> None:
    (block,) = markdown_blocks("```bash\necho one; echo two\n```\n```output\none\nthree\n```\n", "page.md")
    with pytest.raises(DocLiesError):
        run_bash(block, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert matches("one\n...\n", "one\ntwo\n")


def test_docstring_blocks_keep_their_line_in_the_module(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        '"""Module."""\n\n\nclass Thing:\n    """\n    A thing.\n\n    ```python\n    print(1)\n    ```\n    """\n'
    )
    (block,) = docstring_blocks(module, "module.py")
    assert (block.line, block.code) == (9, "print(1)\n")
    assert module.read_text().splitlines()[block.line - 1].strip() == "print(1)"
