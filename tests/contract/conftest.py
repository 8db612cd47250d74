# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_KEY

from .server import ContractServer


@pytest.fixture(scope="session")
def contract_server_process() -> Iterator[ContractServer]:
    server = ContractServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(contract_server_process: ContractServer, monkeypatch: pytest.MonkeyPatch) -> ContractServer:
    """The loopback server, its journal emptied; the parents read the same key as ours."""
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    contract_server_process.reset()
    return contract_server_process
