# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Fixtures of the reliability suite, and the side channel behind `docs/reliability.md`.

Each test records what it measured with the `fact` fixture. When the environment variable
`RELIABILITY_FACTS` names a file, the facts and every test's outcome are written there as JSON at the end of the
run; `tools/reliability_report.py` turns that file into the report. Without the variable nothing is written, so a
plain `pytest` run is unaffected.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.helpers import ERROR_RATES, Fact
from tests.support import LLMock

FACTS_ENV = "RELIABILITY_FACTS"

_facts: list[dict[str, Any]] = []
_outcomes: dict[str, str] = {}
_durations: dict[str, float] = {}


@pytest.fixture
def fact(request: pytest.FixtureRequest) -> Fact:
    """`fact(table, **columns)` records one row of a report table for this test."""

    def record(table: str, **columns: Any) -> None:
        _facts.append({"table": table, "test": request.node.nodeid, **columns})

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        _outcomes[report.nodeid] = report.outcome
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(FACTS_ENV)
    if not target:
        return
    data = {
        "exitstatus": int(exitstatus),
        "facts": _facts,
        "outcomes": _outcomes,
        "durations": _durations,
    }
    Path(target).write_text(json.dumps(data, indent=2, default=str))


@pytest.fixture(scope="module")
def chaos_server() -> Iterator[LLMock]:
    """An llmock that echoes prompts and answers ERROR_RATES of all requests with a 429 or 503 (Retry-After: 1)."""
    rates = [flag for status, rate in ERROR_RATES.items() for flag in ("--error-rate", f"{status}={rate}")]
    server = LLMock("--response-style", "echo", *rates)
    try:
        yield server
    finally:
        server.stop()
