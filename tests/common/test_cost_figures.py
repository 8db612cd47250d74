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
