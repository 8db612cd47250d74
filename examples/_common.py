# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
What every example shares: the check for a key, one line per failure, and plain words for what a server left out.

An example calls `run(main)`: without `AIMLAPI_API_KEY`, or with a malformed `AIMLAPI_BASE_URL`, `AIMLAPI_TIMEOUT` or
`AIMLAPI_MAX_RETRIES`, it prints one line and exits 2, as the command line does for the same setup problems; an API,
network or input error prints one line and exits 1; otherwise it exits with what `main` returns (0 for None).
"""

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import openai
from haystack.core.errors import PipelineRuntimeError
from haystack.dataclasses import ChatMessage

from haystack_integrations.common.aimlapi.settings import (
    resolve_base_url,
    resolve_max_retries,
    resolve_timeout,
    validate_base_url,
)

KEYS_PAGE = "https://aimlapi.com/app/keys"


def server() -> str:
    """The base URL the components will use: `AIMLAPI_BASE_URL`, else AI/ML API's."""
    return os.environ.get("AIMLAPI_BASE_URL") or "https://api.aimlapi.com/v1"


def setup_problem() -> str | None:
    """
    What is wrong with the settings the environment gives every component, or `None`.

    These are the checks each component runs when it builds its client, before any request, and the errors the
    command line reports as usage errors (exit 2). Run here first, they keep such a mistake from reading like a
    failed call (exit 1).
    """
    try:
        validate_base_url(resolve_base_url(None), from_environment=True)
        resolve_timeout(None)
        resolve_max_retries(None)
    except ValueError as error:
        return " ".join(str(error).split())
    return None


def run(main: Callable[[], int | None]) -> None:
    """Runs an example's `main` the same way for every example, and exits with its status."""
    if not os.environ.get("AIMLAPI_API_KEY"):
        print(
            f"error: AIMLAPI_API_KEY is not set. Create a key at {KEYS_PAGE}, then: export AIMLAPI_API_KEY=<key>",
            file=sys.stderr,
        )
        sys.exit(2)
    problem = setup_problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    try:
        status = main()
    except (openai.OpenAIError, ValueError, TypeError, PipelineRuntimeError) as caught:
        # One line, no traceback: these are the errors a reader can act on (a bad key, a wrong URL, no credits).
        # A pipeline wraps its component's error; the component's own is the one worth reading.
        error = caught.__cause__ if isinstance(caught, PipelineRuntimeError) and caught.__cause__ else caught
        message = " ".join(str(error).split())
        print(f"\nerror: {type(error).__name__}: {message}", file=sys.stderr)
        sys.exit(1)
    sys.exit(status or 0)


def cost_not_reported() -> str:
    """The sentence an example prints when the server stated no cost at all."""
    return f"cost: not reported by {server()} (AI/ML API reports it; other OpenAI-compatible servers may not)"


def describe_cost(meta: Mapping[str, Any]) -> str:
    """The cost AI/ML API reported for a call, or a sentence saying the server reported none."""
    cost = meta.get("cost")
    if not cost:
        return cost_not_reported()
    # Some answers state dollars only (speech-to-text does): print what was stated, never "None credits".
    if cost.get("credits_used") is None:
        return f"cost: ${cost['usd_spent']:.6f}"
    return f"cost: {cost['credits_used']} credits (${cost['usd_spent']:.6f})"


def describe_reasoning(reply: ChatMessage) -> str:
    """The reply's reasoning, or a sentence saying the server sent none."""
    if reply.reasoning and reply.reasoning.reasoning_text:
        return f"reasoning: {reply.reasoning.reasoning_text}"
    return f"reasoning: none sent by {server()} for {reply.meta.get('model')} (not every model or server reports it)"
