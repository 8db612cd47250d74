# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from collections.abc import Iterator

import pytest

from tests.cost_server import CostServer


@pytest.fixture(scope="module")
def cost_server_process() -> Iterator[CostServer]:
    server = CostServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cost_server(cost_server_process: CostServer) -> CostServer:
    cost_server_process.play()
    return cost_server_process
