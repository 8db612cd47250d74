# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
import os
import re
from collections.abc import Iterator

import pytest

from .support import LLMock

# Settings that would leak from the machine into what the tests assert on.
_ENVIRONMENT = (
    "AIMLAPI_BASE_URL",
    "AIMLAPI_TIMEOUT",
    "AIMLAPI_MAX_RETRIES",
    "OPENAI_TIMEOUT",
    "OPENAI_MAX_RETRIES",
)

TEST_KEY = "sk-aimlapi-test-key-0123456789"


@pytest.fixture(autouse=True)
def hermetic_environment(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Every test but the live ones sees a known key and none of the machine's AI/ML API settings.

    The live tests keep the machine's settings, `AIMLAPI_BASE_URL` included, so they can be pointed at another
    deployment or a proxy.
    """
    if request.node.get_closest_marker("integration") is not None:
        return
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AIMLAPI_API_KEY", TEST_KEY)


@pytest.fixture(scope="session")
def llmock() -> Iterator[LLMock]:
    """One llmock server for the whole run; each test resets it through `llmock_server`."""
    server = LLMock()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llmock_server(llmock: LLMock) -> LLMock:
    llmock.reset()
    return llmock


def live_tests_requested(config: pytest.Config) -> bool:
    """
    Whether the live tests were asked for: `AIMLAPI_LIVE=1`, or a `-m` expression that selects `integration`.

    An exported key alone is not enough: a reader who follows the README exports one, then runs `pytest`, and must
    not spend credits without asking to.
    """
    if os.environ.get("AIMLAPI_LIVE") == "1":
        return True
    expression = config.getoption("markexpr", default="") or ""
    return re.search(r"(?<!not )\bintegration\b", expression) is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not live_tests_requested(config):
        reason = "live test: run with -m integration or AIMLAPI_LIVE=1 (and AIMLAPI_API_KEY) to call AI/ML API"
    elif not os.environ.get("AIMLAPI_API_KEY"):
        reason = "live test: set AIMLAPI_API_KEY to run it against AI/ML API"
    else:
        return
    skip_live = pytest.mark.skip(reason=reason)
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip_live)
