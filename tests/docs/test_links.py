# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Every internal link of the README, CONTRIBUTING.md, docs/ and benchmarks/ leads to a file, and to a heading there."""

import re
from pathlib import Path

import pytest

from .blocks import markdown_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(
    {
        *(ROOT / name for name in ("README.md", "CONTRIBUTING.md") if (ROOT / name).exists()),
        *(ROOT / "docs").rglob("*.md"),
        *(ROOT / "benchmarks").glob("*.md"),
    }
)
_INLINE = re.compile(r"(?<!\!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<target>\S+?)>?(?:\s+.*)?$", re.MULTILINE)
_HTML = re.compile(r"<a\s[^>]*\b(?:id|name)=\"(?P<anchor>[^\"]+)\"")
_EXTERNAL = ("http://", "https://", "mailto:", "ftp://")


def _prose(text: str) -> str:
    """The page without its code: fenced blocks and inline code spans, where a `](...)` is not a link."""
    lines = text.splitlines()
    for block in markdown_blocks(text, "page"):
        end = block.line - 1 + len(block.code.splitlines())
        for index in range(block.line - 1, min(end, len(lines))):
            lines[index] = ""
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", "\n".join(lines))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = page.read_text()
    found: set[str] = set(_HTML.findall(text))
    seen: dict[str, int] = {}
    for line in _prose(text).splitlines():
        match = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match[1])
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    prose = _prose(page.read_text())
    return [match["target"] for pattern in (_INLINE, _IMAGE, _REFERENCE) for match in pattern.finditer(prose)]


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for target in links(page):
        if target.startswith(_EXTERNAL):
            continue
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            problems.append(f"{target}: no such file {_shown(destination, root)}")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            problems.append(f"{target}: no heading with the anchor #{anchor} in {_shown(destination, root)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=[page.relative_to(ROOT).as_posix() for page in PAGES])
def test_internal_links_resolve(page: Path) -> None:
    assert broken_links(page) == []


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    reachable: set[Path] = set()
    todo = [ROOT / "README.md"]
    while todo:
        page = todo.pop()
        if page in reachable or page.suffix != ".md" or not page.exists():
            continue
        reachable.add(page)
        for target in links(page):
            if not target.startswith(_EXTERNAL) and target.partition("#")[0]:
                todo.append((page.parent / target.partition("#")[0]).resolve())
    assert sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md") if p not in reachable) == []


def test_the_checker_finds_a_broken_file_and_a_broken_anchor(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## Some heading\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n[ok](other.md#some-heading) [self](#title) [web](https://example.com)\n"
        "[missing](nowhere.md) [bad anchor](other.md#no-such-heading)\n\n```python\nx = '[not](a-link.md)'\n```\n"
        "`[not](code.md)`\n"
    )
    problems = broken_links(page, root=tmp_path)
    assert len(problems) == 2
    assert problems[0].startswith("nowhere.md: no such file")
    assert problems[1].startswith("other.md#no-such-heading: no heading")


def test_slugs_follow_githubs_rules() -> None:
    assert slug("Migrating from 3.0.0") == "migrating-from-300"
    assert slug("Command line: `aimlapi-haystack`") == "command-line-aimlapi-haystack"
    assert slug("AI/ML API's own parameters") == "aiml-apis-own-parameters"
