# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
import importlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.media_server import MediaServer

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

# The chat generator reads an answer in one of two ways (see `_call` in its module): the lean path, while
# `chat.completions.create` is the SDK's own, and the standard path, through `create()` and the SDK's objects, when a
# mock or a wrapper replaced it. Both must give the same result, so the whole suite can run on either.
READ_PATHS = ("lean", "standard")
_CHAT_MODULE = "haystack_integrations.components.generators.aimlapi.chat.chat_generator"
# Holds the sitecustomize.py that puts the Pythons a test starts on the standard path too.
_STANDARD_PATH_SITE = Path(__file__).parent / "read_path"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--read-path",
        choices=READ_PATHS,
        default="lean",
        help="how the chat generator reads answers: lean (the default, as users get it) or standard (through "
        "create() and the SDK's objects, as when create() is replaced); tests marked lean_path skip under standard",
    )


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


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("read_path") == "standard":
        # Examples, the command line and the docs' bash blocks run in Pythons of their own, which inherit this.
        paths = [str(_STANDARD_PATH_SITE), *filter(None, [os.environ.get("PYTHONPATH")])]
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)


@pytest.fixture(autouse=True)
def read_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """
    The read path the run asked for. Under `--read-path=standard` the chat generator takes the standard path even
    while `create()` is the SDK's own: it then asks `_is_sdk_create` nothing but gets False, exactly as when a mock
    or a wrapper replaced `create()`, so a test that replaces it itself behaves as on the lean path.
    """
    path: str = request.config.getoption("read_path")
    if path == "standard":
        module = importlib.import_module(_CHAT_MODULE)
        monkeypatch.setattr(module, "_is_sdk_create", lambda _create: False)
    return path


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
    _skip_lean_path_tests(config, items)
    _skip_live_tests(config, items)


def _skip_lean_path_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("read_path") != "standard":
        return
    skip = pytest.mark.skip(reason="lean_path: checks how the lean path reads answers; run it with --read-path=lean")
    for item in items:
        if "lean_path" in item.keywords:
            item.add_marker(skip)


def _skip_live_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
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


@pytest.fixture(scope="module")
def media_server_instance() -> Iterator[MediaServer]:
    server = MediaServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def media_server(media_server_instance: MediaServer) -> MediaServer:
    """The AI/ML API-shaped media server on 127.0.0.1, with a fresh script for each test (one server a module)."""
    media_server_instance.reset()
    return media_server_instance
