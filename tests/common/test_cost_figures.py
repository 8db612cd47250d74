# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
import pytest

from haystack_integrations.common.aimlapi.cost import add_costs, cost_from_body, cost_from_headers


@pytest.mark.parametrize("figure", [10**400, -(10**400), "1e400", float("inf"), float("nan"), -1])
def test_a_figure_no_float_can_hold_is_no_cost(figure):
    assert cost_from_body({"meta": {"usage": {"credits_used": figure}}}) is None


def test_a_huge_figure_beside_a_good_one_keeps_the_good_one():
    cost = cost_from_body({"meta": {"usage": {"credits_used": 10**400, "usd_spent": 0.5}}})
    assert cost == {"credits_used": None, "usd_spent": 0.5}
    assert add_costs([cost, {"credits_used": 10, "usd_spent": 0.25}]) == {"credits_used": 10, "usd_spent": 0.75}


def test_headers_with_a_huge_figure_state_no_cost():
    assert cost_from_headers({"x-aimlapi-credits-used": str(10**400)}) is None


def test_a_large_but_finite_credit_count_is_still_read():
    assert cost_from_body({"meta": {"usage": {"credits_used": 2 * 10**300}}}) == {
        "credits_used": 2 * 10**300,
        "usd_spent": 1e294,
    }


def test_dollars_whose_credits_overflow_are_no_cost_to_the_tracker():
    # 9e301 USD is a finite float, but 2,000,000 times it is not: the tracker would have summed `inf` credits.
    from haystack_integrations.common.aimlapi import CostTracker, record_call  # noqa: PLC0415

    with CostTracker() as tracker:
        record_call({"usd_spent": 9e301})
        record_call({"usd_spent": 0.5})
    assert tracker.credits_used == 1_000_000
    assert tracker.usd_spent == 0.5
    assert (len(tracker.calls), tracker.calls_without_cost) == (1, 1)


def test_a_balance_whose_credits_overflow_is_no_balance():
    from haystack_integrations.common.aimlapi.billing import balance_from_body  # noqa: PLC0415

    assert balance_from_body({"current_balance": 9e301}, url="u") is None
    assert balance_from_body({"current_balance": 9e301, "currency": "EUR"}, url="u") is not None  # not converted
    assert balance_from_body({"current_balance": 2.5}, url="u").credits == 5_000_000  # type: ignore[union-attr]
