# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The README's Batch API example runs, on a Batch API-shaped transport.

tests/docs marks it not-run, since llmock has no Batch API. Here the example's own code runs unchanged; only the
component it imports is built with a transport that answers like AI/ML API's Batch API.
"""

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

import haystack_integrations.components.generators.aimlapi as generators
from haystack_integrations.components.generators.aimlapi import AIMLAPIBatchChatGenerator
from tests.components.generators.batch.test_batch_chat_generator import BatchAPI, fixture, jsonl, succeeded

README = Path(__file__).parent.parent / "README.md"


def _section_code(heading: str) -> str:
    section = README.read_text().split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_batches_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    api = BatchAPI(
        fixture("batch_get_generating.json"),
        jsonl(succeeded(1, "Haystack is a framework."), succeeded(0, "Ray is a compute engine.")),
    )

    def build(**kwargs: Any) -> AIMLAPIBatchChatGenerator:
        return api.generator(**kwargs)

    monkeypatch.setattr(generators, "AIMLAPIBatchChatGenerator", build)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(_section_code("## Batches"), "README.md", "exec"), {})  # noqa: S102  # the README's own code

    assert printed.getvalue().splitlines() == ["Ray is a compute engine.", "Haystack is a framework."]
    [body] = api.posted()
    assert [request["params"]["messages"][0]["content"][0]["text"] for request in body["requests"]] == [
        "What is Ray?",
        "What is Haystack?",
    ]
    assert {request["params"]["max_tokens"] for request in body["requests"]} == {256}
