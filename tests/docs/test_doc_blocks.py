# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Every `python` and `bash` block in README.md, docs/ and the docstrings of src/ runs against a loopback llmock server.

A page's blocks run in order in one namespace, the way a reader types them, with `AIMLAPI_BASE_URL` pointing at
llmock and a dummy key. Printed output is checked wherever the page shows it (`# -> ...` comments and `output`
blocks), so a page that lies fails here. CONTRIBUTING.md describes the markers.
"""

import os
import re
import sys
from pathlib import Path

import pytest

from tests.support import LLMock

from .blocks import Block, docstring_blocks, markdown_blocks
from .runner import checkout_view, run_bash, run_python

pytestmark = pytest.mark.loopback

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
MODULES = sorted((ROOT / "src").rglob("*.py"))
DUMMY_KEY = "sk-docs-dummy-key"


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# A page whose examples need a server llmock cannot play (the media endpoints, a server that reports cost) says which
# test module runs its blocks instead: `<!-- blocks-run-by: tests/test_media_docs.py -->`.
_RUN_BY = re.compile(r"<!--[ \t]*blocks-run-by:[ \t]*(?P<module>\S+)[ \t]*-->")


def _run_elsewhere(page: Path, text: str) -> bool:
    marker = _RUN_BY.search(text)
    if marker is None:
        return False
    module = ROOT / marker.group("module")
    if not module.is_file() or page.name not in module.read_text():
        raise ValueError(f"{_relative(page)} says {marker.group('module')} runs its blocks, but that module does not")
    return True


def _page_cases() -> list:
    cases = []
    for page in PAGES:
        text = page.read_text()
        if _run_elsewhere(page, text):
            continue
        blocks = markdown_blocks(text, _relative(page))
        if any(block.runs for block in blocks):
            cases.append(pytest.param(blocks, id=_relative(page)))
    return cases


def _docstring_cases() -> list:
    return [
        pytest.param(block, id=block.where)
        for module in MODULES
        for block in docstring_blocks(module, _relative(module))
        if block.runs
    ]


@pytest.fixture
def reader(llmock_server: LLMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A reader's shell: a copy-like view of the repository as working directory, llmock as the API, a dummy key."""
    monkeypatch.chdir(checkout_view(ROOT, tmp_path))
    monkeypatch.setenv("AIMLAPI_API_KEY", DUMMY_KEY)
    monkeypatch.setenv("AIMLAPI_BASE_URL", llmock_server.url)
    monkeypatch.setenv("NO_COLOR", "1")
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path}


def _run(block: Block, namespace: dict, server: LLMock, env: dict[str, str]) -> None:
    if block.behaviors:
        server.reset()
        server.scenario(*block.behaviors)
    if block.language == "python":
        run_python(block, namespace)
    else:
        run_bash(block, cwd=Path.cwd(), env=env)


@pytest.mark.parametrize("blocks", _page_cases())
def test_every_block_of_the_page_runs(blocks: list[Block], llmock_server: LLMock, reader: dict[str, str]) -> None:
    namespace: dict = {"__name__": "__main__"}
    for block in blocks:
        if block.runs:
            _run(block, namespace, llmock_server, reader)


@pytest.mark.parametrize("block", _docstring_cases())
def test_docstring_example_runs(block: Block, llmock_server: LLMock, reader: dict[str, str]) -> None:
    _run(block, {"__name__": "__main__"}, llmock_server, reader)
