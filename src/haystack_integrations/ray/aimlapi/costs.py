# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""A request's cost shared out over the rows it served, so that a cost column sums to what was charged."""

from collections.abc import Mapping
from typing import Any

from haystack_integrations.common.aimlapi import CREDITS_PER_USD

COST_USD_COLUMN = "cost_usd"
COST_CREDITS_COLUMN = "cost_credits"


def share_cost(cost: Mapping[str, Any] | None, rows: list[bool]) -> tuple[list[float | None], list[int | None]]:
    """
    `cost` split over the rows marked True: credits as whole numbers that add up exactly (the remainder goes one
    credit each to the first rows), dollars as each row's credits at 2,000,000 credits per dollar, or split evenly when
    only dollars are known. Unmarked rows cost 0; every row is None when there is no cost at all.
    """
    count = sum(rows)
    if not cost or count == 0:
        zero_or_none: Any = 0 if cost else None
        return [zero_or_none] * len(rows), [zero_or_none] * len(rows)
    credits_used = cost.get("credits_used")
    usd = cost.get("usd_spent")
    usd_column: list[float | None] = [0.0] * len(rows)
    credits_column: list[int | None] = [0] * len(rows)
    if isinstance(credits_used, int):
        base, extra = divmod(credits_used, count)
        served = 0
        for position, marked in enumerate(rows):
            if marked:
                credits_column[position] = base + (1 if served < extra else 0)
                served += 1
        if isinstance(usd, int | float) and credits_used:
            scale = float(usd) / credits_used
            usd_column = [share * scale if share is not None else None for share in credits_column]
        else:
            usd_column = [share / CREDITS_PER_USD if share is not None else None for share in credits_column]
        return usd_column, credits_column
    credits_column = [None] * len(rows)
    if isinstance(usd, int | float):
        usd_column = [float(usd) / count if marked else 0.0 for marked in rows]
    return usd_column, credits_column
