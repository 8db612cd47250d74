# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Build the API reference from the docstrings with pydoc-markdown, one Markdown page per component family.

Usage, from the repository root, in an environment with the docs extra installed (`pip install -e ".[docs]"`):

    python tools/build_api_reference.py                      # writes build/api-reference/*.md
    python tools/build_api_reference.py --output-dir /tmp/api

Modules are found, not listed: every module under src/haystack_integrations whose name does not start with an
underscore is documented, so a new component appears without editing this file. The pages are build output, not
committed. The exit status is non-zero when pydoc-markdown fails or a page comes out without a documented class or
function.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"
PACKAGE = SOURCE / "haystack_integrations"


def page_of(module: str) -> str:
    """The page a module belongs to: its component family (`generators`, `embedders`, ...), or its top package."""
    parts = module.split(".")
    if parts[1] == "components" and len(parts) > 2:
        return parts[2]
    return parts[1]


def public_modules() -> dict[str, list[str]]:
    """Every public module, grouped by page; a package counts through its `__init__`."""
    pages: dict[str, list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(SOURCE).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if any(part.startswith("_") for part in parts) or len(parts) < 2:
            continue
        module = ".".join(parts)
        pages[page_of(module)].append(module)
    return dict(pages)


def render(page: str, modules: list[str], output: Path, pydoc_markdown: str) -> Path:
    """Runs pydoc-markdown for one page and returns the file it wrote."""
    target = output / f"{page}.md"
    config = {
        "loaders": [{"type": "python", "search_path": [str(SOURCE)], "modules": modules}],
        "processors": [
            {"type": "filter", "documented_only": True, "skip_empty_modules": True},
            {"type": "smart"},
            {"type": "crossref"},
        ],
        "renderer": {
            "type": "markdown",
            "filename": str(target),
            "render_toc": True,
            "descriptive_class_title": False,
            "add_method_class_prefix": True,
        },
    }
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as file:
        json.dump(config, file)  # JSON is YAML, and needs no YAML library here
    try:
        subprocess.run([pydoc_markdown, file.name], check=True, cwd=ROOT)  # noqa: S603
    finally:
        Path(file.name).unlink()
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", type=Path, default=ROOT / "build" / "api-reference")
    args = parser.parse_args()

    pydoc_markdown = shutil.which("pydoc-markdown", path=str(Path(sys.executable).parent)) or shutil.which(
        "pydoc-markdown"
    )
    if pydoc_markdown is None:
        print('error: pydoc-markdown is not installed: pip install -e ".[docs]"', file=sys.stderr)
        return 2
    args.output_dir.mkdir(parents=True, exist_ok=True)
    problems = []
    for page, modules in sorted(public_modules().items()):
        try:
            target = render(page, modules, args.output_dir, pydoc_markdown)
        except subprocess.CalledProcessError as error:
            problems.append(f"{page}: pydoc-markdown exited {error.returncode}")
            continue
        text = target.read_text() if target.exists() else ""
        if "\n## " not in text:
            problems.append(f"{page}: {target} documents no class or function")
            continue
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {len(modules)} modules")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
