# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Where a call's cost and ids go once a component has read them: every `CostTracker` open in the caller's context,
and the current Haystack tracing span.

Components call `record_call` once per response the server answered with success, so a retried request (answered
with an error first) is counted once, with the cost the server stated.
"""

import contextvars
import math
import re
import threading
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from haystack import tracing

from .cost import CREDITS_PER_USD, CallCost, cost_figure

CLIENT_REQUEST_ID_HEADER = "X-Client-Request-Id"
"""Request header with the caller's own id for a call; AI/ML API echoes it and lists it in its request logs."""
INFERENCE_ID_HEADER = "x-inference-id"
"""Response header with AI/ML API's id for the inference that served a call."""

CLIENT_REQUEST_ID_META_KEY = "client_request_id"
"""Meta key of the `X-Client-Request-Id` a call was sent with."""
REQUEST_ID_META_KEY = "request_id"
"""Meta key of the id in the response body (a chat completion's `id`)."""
INFERENCE_ID_META_KEY = "inference_id"
"""Meta key of the response's `x-inference-id`."""

# What AI/ML API accepts; it drops any other value without a word, so the id would silently be lost.
_CLIENT_REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# Span tag names. Numbers for the cost, so that a tracing backend can add them up.
SPAN_TAG_USD = "aimlapi.cost.usd_spent"
SPAN_TAG_CREDITS = "aimlapi.cost.credits_used"
SPAN_TAG_CLIENT_REQUEST_ID = "aimlapi.client_request_id"
SPAN_TAG_REQUEST_ID = "aimlapi.request_id"
SPAN_TAG_INFERENCE_ID = "aimlapi.inference_id"


def client_request_id(value: Any = None) -> str:
    """
    The `X-Client-Request-Id` for one call: `value` when given, else a new random id.

    :param value: The caller's id: 1 to 128 characters of letters, digits and `. _ : -`.
    :raises TypeError / ValueError: `value` is not such a string (AI/ML API would drop it silently).
    """
    if value is None:
        return uuid.uuid4().hex
    if not isinstance(value, str):
        raise TypeError(f"client_request_id must be a str, got {type(value).__name__}.")
    if not _CLIENT_REQUEST_ID_PATTERN.fullmatch(value):
        raise ValueError(
            f"client_request_id {value[:140]!r} is not 1-128 characters of letters, digits and '._:-'; AI/ML API "
            "would drop it. Use an id such as 'order-42:step-1'."
        )
    return value


def request_id_options(default_headers: Mapping[str, Any] | None) -> Any:
    """
    The `options` for an `openai` client's `post()` that give one request a new `X-Client-Request-Id`, unless the
    client's own headers already set one (the user's, through `extra_headers`).

    :param default_headers: The client's `default_headers`.
    :returns: A dict in the shape of the SDK's `RequestOptions` (typed `Any`: that type is not public).
    """
    if any(name.lower() == CLIENT_REQUEST_ID_HEADER.lower() for name in default_headers or {}):
        return {}
    return {"headers": {CLIENT_REQUEST_ID_HEADER: client_request_id()}}


def response_ids(response: Any) -> dict[str, str | None]:
    """
    The ids of an answered `httpx` request: the `X-Client-Request-Id` it was sent with (else the one the server
    echoed) and the response's `x-inference-id`, under their meta keys.

    :param response: The `httpx.Response`.
    """
    headers = getattr(response, "headers", None) or {}
    try:
        sent = response.request.headers.get(CLIENT_REQUEST_ID_HEADER)
    except (AttributeError, RuntimeError):  # a response built by hand has no request
        sent = None
    return {
        CLIENT_REQUEST_ID_META_KEY: sent or headers.get(CLIENT_REQUEST_ID_HEADER),
        INFERENCE_ID_META_KEY: headers.get(INFERENCE_ID_HEADER),
    }


_ACTIVE_TRACKERS: contextvars.ContextVar[tuple["CostTracker", ...]] = contextvars.ContextVar(
    "aimlapi_cost_trackers", default=()
)


class CostTracker:
    """
    Adds up what AI/ML API charged for every call that AI/ML API components make inside a `with` block.

    Usage example:
    ```python
    from haystack import Pipeline
    from haystack_integrations.common.aimlapi import CostTracker

    pipeline = Pipeline()  # with AIMLAPIChatGenerator, the embedders, AIMLAPIImageGenerator, an Agent, ...
    with CostTracker() as tracker:
        pipeline.run({})
    print(tracker.usd_spent, tracker.credits_used, len(tracker.calls))
    ```

    The tracker lives in a context variable, so it sees the calls made in its own thread or asyncio task, and in the
    tasks that task starts (`asyncio.gather`, `Pipeline.run_async`); two runs in two threads or tasks, each in its own
    `with`, never see each other's calls. Threads started inside the block inherit it only when started with a
    copy of the context (`contextvars.copy_context().run`). Trackers nest: a call counts in every open one. A tracker
    serves one `with` block at a time; it can be entered again after, and keeps counting from where it was.

    Only the cost the server stated on a successful answer is counted: a request retried after an error is counted
    once, and a call without a stated cost (another provider, a server that reports none) is counted in
    `calls_without_cost` instead.
    """

    def __init__(self) -> None:
        """Creates an empty tracker; it counts once entered with `with`."""
        self._lock = threading.Lock()
        self._calls: list[CallCost] = []
        self._calls_without_cost = 0
        self._token: contextvars.Token | None = None

    def __enter__(self) -> "CostTracker":
        with self._lock:
            if self._token is not None:
                # Its exit would have to undo the other block's context: a tracker serves one block at a time.
                raise RuntimeError(
                    "This CostTracker is already counting in another `with` block. Use one tracker per block, and an "
                    "outer tracker around them for their total."
                )
            self._token = _ACTIVE_TRACKERS.set((*_ACTIVE_TRACKERS.get(), self))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        with self._lock:
            token, self._token = self._token, None
        if token is not None:
            _ACTIVE_TRACKERS.reset(token)

    def _add(self, call: CallCost | None) -> None:
        with self._lock:
            if call is None:
                self._calls_without_cost += 1
            else:
                self._calls.append(call)

    @property
    def calls(self) -> list[CallCost]:
        """Every call with a stated cost, in the order they were answered."""
        with self._lock:
            return list(self._calls)

    @property
    def calls_without_cost(self) -> int:
        """How many answered calls stated no cost."""
        with self._lock:
            return self._calls_without_cost

    @property
    def credits_used(self) -> float | int:
        """The credits spent so far (2,000,000 credits = 1 USD)."""
        return sum(call.credits_used for call in self.calls)

    @property
    def usd_spent(self) -> float:
        """The US dollars spent so far."""
        return sum(call.usd_spent for call in self.calls)

    def __repr__(self) -> str:
        return (
            f"CostTracker(usd_spent={self.usd_spent!r}, credits_used={self.credits_used!r}, "
            f"calls={len(self.calls)}, calls_without_cost={self.calls_without_cost})"
        )


def _call_cost(cost: Any, **details: Any) -> CallCost | None:
    if not cost:
        return None
    credits_used = cost_figure(cost.get("credits_used"))
    usd_spent = cost_figure(cost.get("usd_spent"))
    if credits_used is None and usd_spent is None:
        return None
    if usd_spent is None:
        usd_spent = credits_used / CREDITS_PER_USD  # type: ignore[operator]  # credits_used is set here
    if credits_used is None:
        credits_used = usd_spent * CREDITS_PER_USD
        if not math.isfinite(credits_used):
            # A dollar figure whose credits overflow a float (1e302 USD) is no real cost, as 10**400 credits is not.
            return None
    return CallCost(credits_used=credits_used, usd_spent=float(usd_spent), **details)


def record_call(
    cost: Any,
    *,
    model: str | None = None,
    component: str | None = None,
    client_request_id: str | None = None,
    request_id: str | None = None,
    inference_id: str | None = None,
) -> None:
    """
    Report one answered call: its cost goes to every open `CostTracker`, and its cost and ids become tags of the
    current tracing span when Haystack tracing is enabled. Components call this once per successful response.

    :param cost: The call's cost block (`{"credits_used", "usd_spent"}`), or `None` if the answer stated none.
    :param model: The model that answered.
    :param component: The component's class name.
    :param client_request_id: The `X-Client-Request-Id` the call was sent with.
    :param request_id: The id in the response body.
    :param inference_id: The response's `x-inference-id`.
    """
    call = _call_cost(
        cost,
        model=model,
        component=component,
        client_request_id=client_request_id,
        request_id=request_id,
        inference_id=inference_id,
    )
    for tracker in _ACTIVE_TRACKERS.get():
        tracker._add(call)
    if tracing.is_tracing_enabled():
        span = tracing.tracer.current_span()
        if span is not None:
            span.set_tags(_span_tags(call, client_request_id, request_id, inference_id))


def _span_tags(
    call: CallCost | None, client_request_id: str | None, request_id: str | None, inference_id: str | None
) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    if call is not None:
        tags[SPAN_TAG_USD] = call.usd_spent
        tags[SPAN_TAG_CREDITS] = call.credits_used
    for key, value in (
        (SPAN_TAG_CLIENT_REQUEST_ID, client_request_id),
        (SPAN_TAG_REQUEST_ID, request_id),
        (SPAN_TAG_INFERENCE_ID, inference_id),
    ):
        if value:
            tags[key] = value
    return tags
