# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The package imports `openai` before `haystack`: in that order importing the chat generator takes some 6,000 fewer
page faults (see `haystack_integrations/common/aimlapi/__init__.py` and the import benchmark in `benchmarks/`).
Timing is never asserted here, only the order, which an innocent reordering of imports would undo.
"""

import json
import subprocess
import sys

import pytest

_RECORD_ORDER = """
import json, sys

class Recorder:
    seen = []

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top not in self.seen:
            self.seen.append(top)
        return None

sys.meta_path.insert(0, Recorder())
import {module}
print(json.dumps(Recorder.seen))
"""


@pytest.mark.parametrize(
    "module",
    [
        "haystack_integrations.common.aimlapi",
        "haystack_integrations.components.generators.aimlapi",
        "haystack_integrations.components.embedders.aimlapi",
        "haystack_integrations.components.converters.aimlapi",
        "haystack_integrations.components.audio.aimlapi",
        "haystack_integrations.components.agents.aimlapi",
        "haystack_integrations.ray.aimlapi",
        "haystack_integrations.cli.aimlapi",
    ],
)
def test_openai_is_imported_before_haystack(module: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", _RECORD_ORDER.format(module=module)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    order = json.loads(completed.stdout.splitlines()[-1])
    assert "openai" in order and "haystack" in order, order
    assert order.index("openai") < order.index("haystack"), order
