# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from collections.abc import Iterator

import pytest

from tests.media_server import MediaServer


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
