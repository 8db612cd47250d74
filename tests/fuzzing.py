# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Shared strategies and settings for the property-based (`fuzz`) tests."""

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def fuzz_settings(default_examples: int) -> Any:
    """
    Settings for one fuzz test: `default_examples` examples, so the suite stays fast, or `FUZZ_EXAMPLES` of them
    for a longer run (`FUZZ_EXAMPLES=5000 pytest -m fuzz`). No deadline: the machine may be shared and slow.
    """
    return settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", default_examples)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


# Numbers a server could send, the hostile ones included: NaN, infinities, integers no float can hold.
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0, -0.0, 1e308, -1e308, 5e-324, 10**400, -(10**400)]),
)

# Any JSON value, as `json.loads` would return it (NaN and infinities included, which Python's JSON reads).
json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
