# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""A credit figure too large for a float is read as no cost, never an OverflowError."""

from haystack_integrations.common.aimlapi import cost_from_body, cost_from_headers


def test_a_credit_count_beyond_any_float_is_no_cost() -> None:
    assert cost_from_body({"meta": {"usage": {"credits_used": 10**400}}}) is None
    assert cost_from_headers({"x-aimlapi-credits-used": str(10**400)}) is None


def test_the_unreadable_credits_do_not_hide_the_dollars_beside_them() -> None:
    assert cost_from_body({"meta": {"usage": {"credits_used": 10**400, "usd_spent": 0.5}}}) == {
        "credits_used": None,
        "usd_spent": 0.5,
    }


def test_a_large_but_finite_credit_count_is_still_read() -> None:
    assert cost_from_body({"meta": {"usage": {"credits_used": 2 * 10**300}}}) == {
        "credits_used": 2 * 10**300,
        "usd_spent": 1e294,
    }
