# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from .cost_budget_hook import AIMLAPICostBudgetHook

__all__ = ["AIMLAPICostBudgetHook"]
