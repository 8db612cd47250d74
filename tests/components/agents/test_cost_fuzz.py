# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Whatever cost figures a server sends, the usage, the tracker and the budget stay numbers that add up."""

import math
from typing import Any

from haystack.components.agents.state import State
from haystack.dataclasses import ChatMessage
from hypothesis import given, settings
from hypothesis import strategies as st

from haystack_integrations.common.aimlapi import CostTracker, cost_from_body, record_call, usage_with_cost
from haystack_integrations.components.agents.aimlapi import AIMLAPICostBudgetHook

FIGURES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["nan", "inf", "-1", "1e3", "0.000124", " 7 "]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
BODIES = st.one_of(
    st.none(),
    st.dictionaries(st.text(max_size=5), FIGURES, max_size=3),
    st.fixed_dictionaries({"meta": st.one_of(FIGURES, st.fixed_dictionaries({"usage": FIGURES}))}),
    st.fixed_dictionaries(
        {
            "meta": st.fixed_dictionaries(
                {"usage": st.fixed_dictionaries({"credits_used": FIGURES, "usd_spent": FIGURES})}
            )
        }
    ),
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


@settings(max_examples=200, deadline=None)
@given(body=BODIES, usage=st.one_of(st.none(), st.fixed_dictionaries({"prompt_tokens": st.integers(0, 100)})))
def test_cost_in_usage_is_always_a_usable_number(body, usage):
    cost = cost_from_body(body)
    result = usage_with_cost(usage, cost)
    for key in ("cost", "credits_used"):
        if result is not None and key in result:
            assert _is_number(result[key])
    with CostTracker() as tracker:
        record_call(cost)
    assert _is_number(tracker.usd_spent)
    assert _is_number(tracker.credits_used)
    assert len(tracker.calls) + tracker.calls_without_cost == 1


@settings(max_examples=200, deadline=None)
@given(token_usage=st.dictionaries(st.sampled_from(["cost", "credits_used", "prompt_tokens"]), FIGURES, max_size=3))
def test_the_budget_never_fails_on_odd_usage(token_usage):
    schema = {"token_usage": {"type": dict}, "step_count": {"type": int}, "stop_run": {"type": str}}
    state = State(
        schema=schema, data={"messages": [ChatMessage.from_user("hi")], "token_usage": token_usage, "step_count": 1}
    )
    AIMLAPICostBudgetHook(max_usd=0.01).run(state)
    spent = token_usage.get("cost")
    stopped = state.data.get("stop_run") == "cost_budget_exceeded"
    if _is_number(spent) and not isinstance(spent, str) and spent >= 0.01:
        assert stopped
