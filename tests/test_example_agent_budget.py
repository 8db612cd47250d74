# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""examples/agent_budget.py runs as a script against a loopback server that states a cost for every call."""

import os
from collections.abc import Iterator

import pytest

from tests.cost_server import CostServer, Turn
from tests.test_examples import run_example

pytestmark = pytest.mark.loopback


@pytest.fixture
def cost_server() -> Iterator[CostServer]:
    server = CostServer()
    try:
        yield server
    finally:
        server.stop()


def test_agent_budget_example_without_a_key_says_what_to_do():
    env = {key: value for key, value in os.environ.items() if key != "AIMLAPI_API_KEY"}
    result = run_example("agent_budget.py", env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "AIMLAPI_API_KEY is not set" in result.stderr
    assert result.stdout == ""


def test_agent_budget_example_stops_a_runaway_agent_at_its_budget(cost_server):
    # $0.003 a call, and the model never stops calling the tool: four calls pass $0.01.
    cost_server.play(Turn(credits=6_000, tool="add", arguments={"a": 1, "b": 2}))
    env = {**os.environ, "AIMLAPI_API_KEY": "sk-example", "AIMLAPI_BASE_URL": cost_server.url}
    result = run_example("agent_budget.py", env=env)
    assert result.returncode == 0, result.stderr
    assert len(cost_server.requests) == 4
    assert "exit_reason=cost_budget_exceeded" in result.stdout
    assert "spent $0.012000 (24000 credits) of a $0.01 budget" in result.stdout
    assert "tracked $0.012000 over 4 calls" in result.stdout
