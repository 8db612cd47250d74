# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from collections.abc import Iterator

import pytest

from tests.support import free_port

from .helpers import FakeAIMLAPI


@pytest.fixture
def fake_api() -> Iterator[FakeAIMLAPI]:
    server = FakeAIMLAPI()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: the port was free a moment ago and is not bound again."""
    return f"http://127.0.0.1:{free_port()}/v1"
