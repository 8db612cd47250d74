# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the reliability tests."""

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.support import LLMock

# Model id sent to llmock: AI/ML API-style, with a vendor prefix.
MODEL = "openai/gpt-4o"

# What the load tests' llmock injects, by status; and retries enough that a request would need 11 failures in a row
# (p = 0.15 ** 11) to exhaust them.
ERROR_RATES = {429: 0.10, 503: 0.05}
MAX_RETRIES = 10

# `fact(table, **columns)`: records one row of a report table (see conftest.py).
Fact = Callable[..., None]


def generator_for(server: LLMock, **kwargs: Any) -> AIMLAPIChatGenerator:
    """A generator pointed at `server`; no retries unless asked for, so each failure is seen once."""
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("model", MODEL)
    return AIMLAPIChatGenerator(api_base_url=server.url, **kwargs)


class Stopwatch:
    """Wall time of a block: `with Stopwatch() as clock: ...`, then `clock.seconds`."""

    def __enter__(self) -> "Stopwatch":
        self._started = time.monotonic()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.monotonic() - self._started


def open_fds() -> int:
    """File descriptors this process holds (sockets included)."""
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    """Resident memory of this process."""
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


async def chat(generator: AIMLAPIChatGenerator, mode: str, messages: Any, **kwargs: Any) -> dict[str, Any]:
    """`generator.run(...)` or `await generator.run_async(...)`, so one test covers both paths."""
    if mode == "async":
        return await generator.run_async(messages, **kwargs)
    return generator.run(messages, **kwargs)


async def close(generator: AIMLAPIChatGenerator) -> None:
    """Release both clients, as a pipeline does when it is done."""
    generator.close()
    await generator.close_async()
