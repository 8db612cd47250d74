# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The command sits above the components, which sit above common/: imports only ever point down."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "haystack_integrations"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    ("floor", "above"),
    [
        ("common", ("haystack_integrations.components", "haystack_integrations.cli")),
        ("components", ("haystack_integrations.cli",)),
    ],
)
def test_no_import_points_up(floor: str, above: tuple[str, ...]) -> None:
    modules = sorted((SRC / floor).rglob("*.py"))
    assert modules, f"no modules under {floor}/"
    upward = {
        f"{path.relative_to(SRC)}: {name}"
        for path in modules
        for name in imported_modules(path)
        if name.startswith(above)
    }
    assert not upward, f"imports from {floor}/ up into {above}: {sorted(upward)}"


def test_the_command_is_not_in_common() -> None:
    assert not list((SRC / "common").rglob("cli.py"))
    assert (SRC / "cli" / "aimlapi" / "__main__.py").is_file()
