# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from collections.abc import Callable
from typing import Any

import pytest

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.support import MockAPI

MakeGenerator = Callable[..., AIMLAPIChatGenerator]


@pytest.fixture
def make_generator() -> MakeGenerator:
    """A generator wired to `api` through a mock transport (async when `use_async=True`). Retries are off unless
    asked for, so a failing response is seen once."""

    def make(api: MockAPI, *, use_async: bool = False, **kwargs: Any) -> AIMLAPIChatGenerator:
        kwargs.setdefault("max_retries", 0)
        transport = api.async_transport() if use_async else api.transport()
        return AIMLAPIChatGenerator(http_client_kwargs={"transport": transport}, **kwargs)

    return make
