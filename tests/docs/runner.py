# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Runs the blocks `blocks.py` reads: Python statement by statement in one namespace, bash in a subprocess."""

import ast
import io
import os
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

from .blocks import Block, declared_warnings, expected_outputs, matches


class DocLiesError(AssertionError):
    """A block printed something other than what its page says it prints."""


@contextmanager
def warnings_as_declared(block: Block) -> Iterator[None]:
    """
    Checks that a block emits each warning it declares (`# SomeWarning: text`), and keeps those out of the test
    summary; any other warning is passed on as it was emitted, so nothing the block did not announce is hidden.
    """
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recording:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                caught = list(recording)
    except BaseException:
        _pass_on(caught)  # the block failed: its own error is the news, and every warning goes on as it was
        raise
    unmatched = list(caught)
    for category, text in declared_warnings(block.code):
        found = next(
            (
                seen
                for seen in unmatched
                if seen.category.__name__ == category and matches(f"{text}...", str(seen.message))
            ),
            None,
        )
        if found is None:
            _pass_on(unmatched)
            emitted = "; ".join(f"{seen.category.__name__}: {seen.message}" for seen in caught) or "none"
            raise DocLiesError(
                f"{block.where}: the block says it warns\n    {category}: {text}\nbut it emitted {emitted}"
            )
        unmatched.remove(found)
    _pass_on(unmatched)


def _pass_on(caught: list[warnings.WarningMessage]) -> None:
    """Emits recorded warnings again, now that the caller's filters (pytest's summary) are back in place."""
    for seen in caught:
        warnings.warn_explicit(seen.message, seen.category, seen.filename, seen.lineno, source=seen.source)


def run_python(block: Block, namespace: dict[str, Any]) -> str:
    """
    Runs a Python block in `namespace` and returns what it printed.

    Each top-level statement runs on its own so a `# -> expected` comment is checked against that statement's own
    output (or, for an expression that prints nothing, its repr). Line numbers in tracebacks are the page's. A
    warning the block declares (`# SomeWarning: text`) must be emitted; see `warnings_as_declared`.
    """
    with warnings_as_declared(block):
        return _run_python_statements(block, namespace)


def _run_python_statements(block: Block, namespace: dict[str, Any]) -> str:
    tree = ast.parse(block.code, filename=block.source)
    expected = expected_outputs(block.code)
    printed = io.StringIO()
    for statement in tree.body:
        lines = range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
        wanted = [expected[line] for line in lines if line in expected]
        first_line = statement.lineno
        ast.increment_lineno(statement, block.line - 1)
        output = io.StringIO()
        value: Any = None
        with redirect_stdout(output):
            if isinstance(statement, ast.Expr):
                value = eval(compile(ast.Expression(statement.value), block.source, "eval"), namespace)  # noqa: S307
            else:
                exec(compile(ast.Module(body=[statement], type_ignores=[]), block.source, "exec"), namespace)  # noqa: S102
        printed.write(output.getvalue())
        if not wanted:
            continue
        actual = output.getvalue()
        if not actual.strip() and isinstance(statement, ast.Expr) and value is not None:
            actual = repr(value)
        if not matches("\n".join(wanted), actual):
            raise DocLiesError(
                f"{block.source}:{block.line + first_line - 1}: the page says this prints\n"
                f"    {chr(10).join(wanted)}\nbut it printed\n    {actual.strip() or '(nothing)'}"
            )
    if block.expected_output is not None and not matches(block.expected_output, printed.getvalue()):
        raise DocLiesError(
            f"{block.where}: the output block after this code says\n{block.expected_output}\n"
            f"but the code printed\n{printed.getvalue() or '(nothing)'}"
        )
    return printed.getvalue()


def run_bash(block: Block, *, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    """Runs a bash block with `-e -o pipefail`; it must exit 0 and print its output block, if it has one."""
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{block.where}: the bash block exited {result.returncode}\n--- block\n{block.code}"
            f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
        )
    if block.expected_output is not None and not matches(block.expected_output, result.stdout):
        raise DocLiesError(
            f"{block.where}: the output block after this code says\n{block.expected_output}\n"
            f"but it printed\n{result.stdout or '(nothing)'}--- stderr\n{result.stderr}"
        )
    return result.stdout


def checkout_view(root: Path, directory: Path) -> Path:
    """A directory that looks like the repository root (links to its entries), so blocks may write files there."""
    for entry in root.iterdir():
        if not entry.name.startswith("."):
            os.symlink(entry, directory / entry.name)
    return directory
