# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AI/ML API's cost figures, read from a response body's `meta.usage` block, or else from the `x-aimlapi-*` headers
of a non-streamed response."""

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

COST_META_KEY = "cost"
"""Meta key every component puts AI/ML API's cost under: `{"credits_used": int, "usd_spent": float}`."""

CREDITS_PER_USD = 2_000_000

# Non-streamed JSON responses also state their cost in these headers.
CREDITS_USED_HEADER = "x-aimlapi-credits-used"
USD_SPENT_HEADER = "x-aimlapi-usd-spent"


def cost_figure(value: object) -> float | int | None:
    """
    A cost figure as a number: numbers as they are, numeric strings parsed, anything else `None`. A negative,
    infinite or NaN figure is `None` too: summed into a run's total, it would make a budget unreachable.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int):
        # An integer too large for a float (`10**400`) is no real figure, and would overflow every sum after it.
        return value if 0 <= value <= sys.float_info.max else None
    if isinstance(value, float):
        return value if math.isfinite(value) and value >= 0 else None
    return None


def _cost(credits_used: float | int | None, usd_spent: float | int | None) -> dict[str, Any] | None:
    if credits_used is None and usd_spent is None:
        return None
    if usd_spent is None and credits_used is not None:
        usd_spent = credits_used / CREDITS_PER_USD
    if isinstance(credits_used, float) and credits_used.is_integer():
        credits_used = int(credits_used)
    return {"credits_used": credits_used, "usd_spent": usd_spent}


def cost_from_body(body: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """
    The cost block of a response body (or of the last chunk of a stream), or `None` when it has none.

    `usd_spent` is derived from `credits_used` when only the latter is present (2,000,000 credits = 1 USD). Figures
    sent as numeric strings are read as numbers; a figure that is not a number is ignored, so that it can never
    make a reply, or a batch of embeddings already paid for, fail.
    """
    if not body:
        return None
    meta = body.get("meta")
    usage = meta.get("usage") if isinstance(meta, Mapping) else None
    if not isinstance(usage, Mapping):
        return None
    return _cost(cost_figure(usage.get("credits_used")), cost_figure(usage.get("usd_spent")))


def cost_from_headers(headers: Mapping[str, str] | None) -> dict[str, Any] | None:
    """The cost stated by a response's `x-aimlapi-credits-used` / `x-aimlapi-usd-spent` headers, or `None`."""
    if not headers:
        return None
    return _cost(cost_figure(headers.get(CREDITS_USED_HEADER)), cost_figure(headers.get(USD_SPENT_HEADER)))


def cost_from_response(body: Mapping[str, Any] | None, headers: Mapping[str, str] | None) -> dict[str, Any] | None:
    """The cost of a response: its body's `meta.usage` block, else its cost headers."""
    return cost_from_body(body) or cost_from_headers(headers)


def cost_from_model(obj: Any) -> dict[str, Any] | None:
    """The cost block of an `openai` response model, which keeps unknown top-level keys in `model_extra`."""
    return cost_from_body(getattr(obj, "model_extra", None))


def add_costs(costs: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """The sum of several cost blocks (one per request of a batched component), or `None` if none had any."""
    present = [cost for cost in costs if cost]
    if not present:
        return None
    return {
        "credits_used": sum(cost.get("credits_used") or 0 for cost in present),
        "usd_spent": sum(cost.get("usd_spent") or 0.0 for cost in present),
    }


USAGE_COST_KEY = "cost"
"""Key of `meta["usage"]` that holds a reply's cost in US dollars, as a number: the key and unit OpenRouter puts in
`usage`, and a LiteLLM proxy too (with `include_cost_in_streaming_usage`), so tools that read them read this."""
USAGE_CREDITS_KEY = "credits_used"
"""Key of `meta["usage"]` that holds a reply's cost in AI/ML API credits, as a number."""


def usage_with_cost(usage: Mapping[str, Any] | None, cost: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """
    A copy of a reply's `usage` with its cost added as numbers, so that whatever sums usage (a Haystack `Agent`'s
    `token_usage`, say) sums the spend too. `usage` is returned unchanged when there is no cost, and a usage of
    its own is made when the reply had a cost but no usage.
    """
    if not cost:
        return dict(usage) if usage is not None else None
    result = dict(usage) if usage is not None else {}
    usd_spent = cost_figure(cost.get("usd_spent"))
    credits_used = cost_figure(cost.get("credits_used"))
    if usd_spent is not None:
        result[USAGE_COST_KEY] = usd_spent
    if credits_used is not None:
        result[USAGE_CREDITS_KEY] = credits_used
    return result


@dataclass(frozen=True)
class CallCost:
    """What one call cost, as the server stated it, and the ids to find it in AI/ML API's logs."""

    credits_used: float | int
    usd_spent: float
    model: str | None = None
    component: str | None = None
    client_request_id: str | None = None
    request_id: str | None = None
    inference_id: str | None = None
