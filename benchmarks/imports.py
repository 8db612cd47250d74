# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Import time of the package against Haystack's own OpenAI chat generator, each in fresh interpreters.

Each sample is one new `python -c ...` process that times its own imports (wall and CPU, with `time.perf_counter`
and `time.process_time` around the import statements), so interpreter start-up is left out. Rounds interleave the
contenders, and the ratio to Haystack's generator is taken per round.

Usage example:
```python
result = run_import_benchmark(rounds=15)
print(result["summary"]["ratios"]["aimlapi"]["wall_ms"]["median"])
```
"""

import compileall
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from measure import Sample, run_rounds, summarize

IMPORTS = {
    "openai": "import openai",
    "haystack": "import haystack\nfrom haystack.components.generators.chat import OpenAIChatGenerator",
    "aimlapi": "from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator",
}
LABELS = {
    "openai": "`import openai`",
    "haystack": "`import haystack` + Haystack's `OpenAIChatGenerator`",
    "aimlapi": "`AIMLAPIChatGenerator`",
}

_TIMER = """
import time
_cpu, _wall = time.process_time(), time.perf_counter()
{imports}
_cpu, _wall = time.process_time() - _cpu, time.perf_counter() - _wall
import json, sys
sys.stdout.write(json.dumps({{"wall_ms": _wall * 1000, "cpu_ms": _cpu * 1000}}))
"""


def _measure(statement: str) -> Callable[[], Sample]:
    code = _TIMER.format(imports=statement)

    def sample() -> Sample:
        completed = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
        )
        if completed.returncode != 0:
            raise RuntimeError(f"importing failed:\n{statement}\n{completed.stderr}")
        figures: Sample = json.loads(completed.stdout)
        return figures

    return sample


def _write_bytecode() -> None:
    """
    Bring every contender's bytecode up to date first, as installing a package does. Otherwise a module edited since
    its last import is compiled from source in every sample, and where `PYTHONDONTWRITEBYTECODE` is set (as on some
    CI machines and containers) that is every sample of the run: the figures would time the compiler, not an import.
    """
    for package in ("haystack_integrations", "haystack", "openai"):
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec is not None else []:
            compileall.compile_dir(location, quiet=1)


def run_import_benchmark(*, rounds: int, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Import each contender in `rounds` fresh interpreters per contender; medians and per-round ratios."""
    _write_bytecode()
    contenders = {name: _measure(statement) for name, statement in IMPORTS.items()}
    for contender in contenders.values():  # warm the file system's caches
        contender()
    samples = run_rounds(
        contenders, rounds=rounds, progress=None if progress is None else lambda s: progress(f"import: {s}")
    )
    summary = summarize(samples, baseline="haystack")
    return {
        "name": "import",
        "title": "Import time",
        "description": "A fresh interpreter per sample imports the contender; wall and CPU time of the imports "
        "alone. Ratios are to Haystack's `OpenAIChatGenerator` import.",
        "settings": {"rounds": rounds},
        "summary": summary,
        "contender_labels": LABELS,
        "statements": IMPORTS,
    }
