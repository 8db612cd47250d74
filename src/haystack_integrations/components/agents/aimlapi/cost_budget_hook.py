# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

import math
import threading
from typing import Any, Literal

from haystack import logging
from haystack.components.agents.state import State
from haystack.core.serialization import default_from_dict, default_to_dict
from haystack.dataclasses import ChatMessage, ChatRole

from haystack_integrations.common.aimlapi.cost import USAGE_COST_KEY, USAGE_CREDITS_KEY, cost_figure

logger = logging.getLogger(__name__)

EXIT_REASON_BUDGET = "cost_budget_exceeded"
"""The Agent's `exit_reason` when the hook stopped it because the spend reached the budget."""
EXIT_REASON_UNKNOWN_COST = "cost_unknown"
"""The Agent's `exit_reason` when the hook stopped it, with `on_missing_cost="stop"`, over a reply without a cost."""

MissingCostPolicy = Literal["warn", "stop"]
_MISSING_COST_POLICIES = ("warn", "stop")


def _reached(spent: float, limit: float) -> bool:
    # The dollars of a run are a sum of floats; 0.004 + 0.006 must count as having reached 0.01.
    return spent >= limit or math.isclose(spent, limit, rel_tol=1e-9)


def _reply_has_cost(message: ChatMessage) -> bool:
    usage = message.meta.get("usage")
    return isinstance(usage, dict) and (
        cost_figure(usage.get(USAGE_COST_KEY)) is not None or cost_figure(usage.get(USAGE_CREDITS_KEY)) is not None
    )


def _is_generated_reply(message: ChatMessage) -> bool:
    """A reply a chat generator produced (it has a model or usage), not a message written by hand."""
    return message.role is ChatRole.ASSISTANT and ("model" in message.meta or "usage" in message.meta)


def _latest_replies(state: State) -> list[ChatMessage]:
    """
    The replies of the run's latest LLM call: the last assistant messages, before the tool results that followed
    them. None before the first call, so that a conversation passed in (from another provider, say) is not judged.
    """
    if not state.data.get("step_count"):
        return []
    messages = state.data.get("messages") or []
    position = len(messages)
    while position and messages[position - 1].role is not ChatRole.ASSISTANT:
        position -= 1
    replies = []
    while position and messages[position - 1].role is ChatRole.ASSISTANT:
        position -= 1
        replies.append(messages[position])
    return [reply for reply in reversed(replies) if _is_generated_reply(reply)]


class AIMLAPICostBudgetHook:
    """
    Stops a Haystack `Agent` before its next LLM call once the run has spent a budget in US dollars or AI/ML API
    credits.

    Usage example:
    ```python
    from haystack.components.agents import Agent
    from haystack_integrations.components.agents.aimlapi import AIMLAPICostBudgetHook
    from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

    agent = Agent(
        chat_generator=AIMLAPIChatGenerator(model="openai/gpt-5-nano-2025-08-07"),
        tools=[],  # your tools
        hooks={"before_llm": [AIMLAPICostBudgetHook(max_usd=0.01, add_final_message=True)]},
    )
    # result = agent.run(messages=[ChatMessage.from_user("...")])
    # result["exit_reason"] == "cost_budget_exceeded" when the budget stopped it;
    # result["token_usage"]["cost"] is what the run spent, in US dollars.
    ```

    It reads the spend from the Agent's `token_usage`, where AI/ML API components put each reply's cost
    (`usage["cost"]` in US dollars, `usage["credits_used"]` in credits) and the Agent adds them up. It runs at the
    `before_llm` hook point: the call that crosses the budget completes (its cost is only known once answered), and
    no call starts after it. The run then ends with the exit reason `"cost_budget_exceeded"`.

    A reply that carries no cost (from another provider's generator, or a server that reports none) makes the
    recorded spend an underestimate. With `on_missing_cost="warn"` (the default) the hook logs a warning, once per
    model, and keeps going on the cost it knows; with `"stop"` it ends the run with the exit reason
    `"cost_unknown"`, and logs why. It never stops without saying so.

    A stream that breaks after it was charged raises `StreamInterruptedError` out of the Agent, which ends the run:
    the hook sees nothing more of it, and the charge is in the error's `partial_reply.meta["usage"]` and in any open
    `CostTracker`.
    """

    allowed_hook_points = ("before_llm",)

    def __init__(
        self,
        *,
        max_usd: float | None = None,
        max_credits: float | None = None,
        add_final_message: bool = False,
        on_missing_cost: MissingCostPolicy = "warn",
    ) -> None:
        """
        Creates a cost budget hook. Register it under the Agent's `before_llm` hook point.

        :param max_usd: The most the run may spend, in US dollars.
        :param max_credits: The most the run may spend, in AI/ML API credits (2,000,000 credits = 1 USD). Give
            `max_usd`, `max_credits` or both; the run stops when either is reached.
        :param add_final_message: Whether to end the conversation with an assistant message that says why the Agent
            stopped.
        :param on_missing_cost: What to do when a reply carries no cost: `"warn"` (log once per model, go on) or
            `"stop"` (end the run with the exit reason `"cost_unknown"`).
        :raises ValueError / TypeError: No budget, a budget that is not a positive number, or an unknown policy.
        """
        if max_usd is None and max_credits is None:
            raise ValueError("Give a budget: max_usd (US dollars, e.g. 0.5) or max_credits (AI/ML API credits).")
        for name, value in (("max_usd", max_usd), ("max_credits", max_credits)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{name} must be a number, got {type(value).__name__}.")
            if not value > 0 or math.isinf(value):
                raise ValueError(f"{name} must be a positive, finite number, got {value!r}.")
        if on_missing_cost not in _MISSING_COST_POLICIES:
            raise ValueError(f"on_missing_cost must be 'warn' or 'stop', got {on_missing_cost!r}.")
        self.max_usd = max_usd
        self.max_credits = max_credits
        self.add_final_message = add_final_message
        self.on_missing_cost = on_missing_cost
        self._warned_models: set[str] = set()
        self._lock = threading.Lock()

    def run(self, state: State) -> None:
        """
        Stops the Agent if the run's recorded spend has reached the budget, or over a reply without a cost when
        `on_missing_cost="stop"`.

        :param state: The Agent's state, with its `token_usage` and `messages`.
        """
        if self._check_missing_cost(state):
            return
        usage = state.data.get("token_usage") or {}
        usd_spent = cost_figure(usage.get(USAGE_COST_KEY)) or 0.0
        credits_used = cost_figure(usage.get(USAGE_CREDITS_KEY)) or 0
        over_usd = self.max_usd is not None and _reached(usd_spent, self.max_usd)
        over_credits = self.max_credits is not None and _reached(credits_used, self.max_credits)
        if not (over_usd or over_credits):
            return
        budget = f"${self.max_usd}" if over_usd else f"{self.max_credits} credits"
        logger.warning(
            "The Agent reached its AI/ML API cost budget of {budget} (spent ${usd_spent}, {credits_used} credits); "
            "stopping before the next LLM call.",
            budget=budget,
            usd_spent=usd_spent,
            credits_used=credits_used,
        )
        self._stop(
            state,
            EXIT_REASON_BUDGET,
            f"The Agent stopped because its cost budget of {budget} was reached (spent ${usd_spent:.6f}).",
        )

    def _check_missing_cost(self, state: State) -> bool:
        """Warn about (or stop on) replies without a cost; return whether the run was stopped."""
        # Each call's replies are judged once, at the hook point before the next call.
        without_cost = [reply for reply in _latest_replies(state) if not _reply_has_cost(reply)]
        if not without_cost:
            return False
        models = sorted({str(m.meta.get("model")) for m in without_cost})
        if self.on_missing_cost == "stop":
            logger.warning(
                "A reply of {models} carries no cost, so the spend of this run is unknown; stopping the Agent "
                "(on_missing_cost='stop').",
                models=", ".join(models),
            )
            self._stop(
                state,
                EXIT_REASON_UNKNOWN_COST,
                "The Agent stopped because a reply carried no cost, so its spend could not be checked against the "
                "budget.",
            )
            return True
        with self._lock:
            new = [model for model in models if model not in self._warned_models]
            self._warned_models.update(new)
        if new:
            logger.warning(
                "Replies of {models} carry no cost, so the budget counts only the spend of replies that do; the "
                "run may spend more than the budget. Use on_missing_cost='stop' to stop instead.",
                models=", ".join(new),
            )
        return False

    def _stop(self, state: State, reason: str, text: str) -> None:
        state.set("stop_run", reason)
        if self.add_final_message:
            state.set("messages", [ChatMessage.from_assistant(text)])

    def to_dict(self) -> dict[str, Any]:
        """
        Serializes the hook.

        :returns: The hook as a dictionary.
        """
        return default_to_dict(
            self,
            max_usd=self.max_usd,
            max_credits=self.max_credits,
            add_final_message=self.add_final_message,
            on_missing_cost=self.on_missing_cost,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AIMLAPICostBudgetHook":
        """
        Deserializes the hook.

        :param data: The dictionary `to_dict` made.
        :returns: The hook.
        """
        return default_from_dict(cls, data)
