# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Real Haystack Agent runs (LLM calls and tool calls) against a loopback server that states the cost of each call."""

import asyncio
import logging

import pytest
from haystack import Pipeline
from haystack.components.agents import Agent
from haystack.dataclasses import ChatMessage, StreamingChunk

from haystack_integrations.common.aimlapi import CostTracker, StreamInterruptedError
from haystack_integrations.components.agents.aimlapi import AIMLAPICostBudgetHook
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.cost_server import CostServer, Turn
from tests.support import ADD_TOOL

pytestmark = pytest.mark.loopback

QUESTION = [ChatMessage.from_user("What is 1 + 2, then 3 + 4?")]


def _agent(server: CostServer, *, streaming: bool = False, hooks: list | None = None) -> Agent:
    chunks: list[StreamingChunk] = []
    generator = AIMLAPIChatGenerator(
        model="openai/gpt-5-nano-2025-08-07",
        api_base_url=server.url,
        max_retries=0,
        streaming_callback=chunks.append if streaming else None,
    )
    return Agent(chat_generator=generator, tools=[ADD_TOOL], hooks={"before_llm": hooks} if hooks else None)


def _async_agent(server: CostServer, *, streaming: bool = False, hooks: list | None = None) -> Agent:
    async def on_chunk(chunk: StreamingChunk) -> None:
        pass

    generator = AIMLAPIChatGenerator(
        model="openai/gpt-5-nano-2025-08-07",
        api_base_url=server.url,
        max_retries=0,
        streaming_callback=on_chunk if streaming else None,
    )
    return Agent(chat_generator=generator, tools=[ADD_TOOL], hooks={"before_llm": hooks} if hooks else None)


THREE_CALLS = (
    Turn(credits=190, tool="add", arguments={"a": 1, "b": 2}),
    Turn(credits=248, tool="add", arguments={"a": 3, "b": 4}),
    Turn(credits=631, text="3 and 7."),
)


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])
def test_token_usage_holds_the_exact_sum_of_a_run(cost_server, streaming):
    cost_server.play(*THREE_CALLS)
    result = _agent(cost_server, streaming=streaming).run(messages=QUESTION)

    assert result["exit_reason"] == "text"
    assert len(cost_server.requests) == 3
    tool_results = [m.tool_call_result.result for m in result["messages"] if m.tool_call_result]
    assert tool_results == ["3", "7"]
    usage = result["token_usage"]
    assert usage["credits_used"] == 190 + 248 + 631
    # The Agent adds the replies' dollars in order; so does this.
    assert usage["cost"] == 190 / 2_000_000 + 248 / 2_000_000 + 631 / 2_000_000
    assert usage["prompt_tokens"] == 30
    # Each reply also keeps its own cost block.
    assert [m.meta["cost"]["credits_used"] for m in result["messages"] if m.meta.get("cost")] == [190, 248, 631]


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])
def test_token_usage_holds_the_exact_sum_of_an_async_run(cost_server, streaming):
    cost_server.play(*THREE_CALLS)
    result = asyncio.run(_async_agent(cost_server, streaming=streaming).run_async(messages=QUESTION))

    assert len(cost_server.requests) == 3
    assert result["token_usage"]["credits_used"] == 1069
    assert result["token_usage"]["cost"] == 190 / 2_000_000 + 248 / 2_000_000 + 631 / 2_000_000


RUNAWAY = Turn(credits=5_000, tool="add", arguments={"a": 1, "b": 1})  # $0.0025 a call, forever


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])
def test_the_budget_stops_a_runaway_run_before_the_next_call(cost_server, streaming):
    cost_server.play(RUNAWAY)
    hook = AIMLAPICostBudgetHook(max_usd=0.01, add_final_message=True)
    result = _agent(cost_server, streaming=streaming, hooks=[hook]).run(messages=QUESTION, max_agent_steps=50)

    # Four calls of $0.0025 reach $0.01 exactly; the fifth is never sent.
    assert len(cost_server.requests) == 4
    assert result["exit_reason"] == "cost_budget_exceeded"
    assert result["token_usage"]["credits_used"] == 20_000
    assert result["last_message"].text.startswith("The Agent stopped because its cost budget of $0.01 was reached")


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])
def test_the_budget_stops_an_async_run(cost_server, streaming):
    cost_server.play(RUNAWAY)
    hook = AIMLAPICostBudgetHook(max_credits=12_000)
    agent = _async_agent(cost_server, streaming=streaming, hooks=[hook])
    result = asyncio.run(agent.run_async(messages=QUESTION, max_agent_steps=50))

    assert len(cost_server.requests) == 3  # 15,000 credits after three calls
    assert result["exit_reason"] == "cost_budget_exceeded"
    assert result["token_usage"]["credits_used"] == 15_000
    assert result["last_message"].tool_call_result is not None  # no final message unless asked for


def test_a_budget_not_reached_lets_the_run_finish(cost_server):
    cost_server.play(*THREE_CALLS)
    result = _agent(cost_server, hooks=[AIMLAPICostBudgetHook(max_usd=1.0)]).run(messages=QUESTION)
    assert result["exit_reason"] == "text"
    assert len(cost_server.requests) == 3


def test_replies_without_a_cost_are_warned_about_once_and_do_not_stop_the_run(cost_server, caplog):
    cost_server.play(
        Turn(credits=0, tool="add", arguments={"a": 1, "b": 2}, report_cost=False),
        Turn(credits=0, tool="add", arguments={"a": 1, "b": 2}, report_cost=False),
        Turn(credits=0, text="done", report_cost=False),
    )
    hook = AIMLAPICostBudgetHook(max_usd=0.000001)
    with caplog.at_level(logging.WARNING):
        result = _agent(cost_server, hooks=[hook]).run(messages=QUESTION)

    assert result["exit_reason"] == "text"
    assert len(cost_server.requests) == 3
    warnings = [r.getMessage() for r in caplog.records if "carry no cost" in r.getMessage()]
    assert len(warnings) == 1
    assert "gpt-5-nano" not in result["token_usage"]
    assert "cost" not in result["token_usage"]


def test_replies_without_a_cost_stop_the_run_when_asked_to(cost_server, caplog):
    cost_server.play(Turn(credits=0, tool="add", arguments={"a": 1, "b": 2}, report_cost=False))
    hook = AIMLAPICostBudgetHook(max_usd=1.0, on_missing_cost="stop", add_final_message=True)
    with caplog.at_level(logging.WARNING):
        result = _agent(cost_server, hooks=[hook]).run(messages=QUESTION, max_agent_steps=50)

    assert len(cost_server.requests) == 1
    assert result["exit_reason"] == "cost_unknown"
    assert "carried no cost" in result["last_message"].text
    assert any("spend of this run is unknown" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("run_async", [False, True], ids=["sync", "async"])
def test_a_stream_interrupted_after_it_was_charged(cost_server, run_async):
    # The second call states its cost, then the stream breaks with an error event.
    cost_server.play(RUNAWAY, Turn(credits=3_000, text="partial", break_after_cost=True))
    hook = AIMLAPICostBudgetHook(max_usd=0.01)
    agent = (_async_agent if run_async else _agent)(cost_server, streaming=True, hooks=[hook])

    with CostTracker() as tracker, pytest.raises(StreamInterruptedError) as raised:
        if run_async:
            asyncio.run(agent.run_async(messages=QUESTION, max_agent_steps=50))
        else:
            agent.run(messages=QUESTION, max_agent_steps=50)

    # The run ends with the error: nothing is sent after it, and the charge is not lost.
    assert len(cost_server.requests) == 2
    partial = raised.value.partial_reply
    assert partial is not None
    assert partial.meta["usage"]["credits_used"] == 3_000
    assert partial.meta["usage"]["cost"] == 3_000 / 2_000_000
    assert tracker.credits_used == 8_000
    assert [call.inference_id for call in tracker.calls] == ["inf-1", "inf-2"]


def test_the_hook_serializes_with_the_agent_and_in_pipeline_yaml(cost_server, monkeypatch):
    monkeypatch.setenv("HAYSTACK_DESERIALIZATION_ALLOWLIST", "tests,test_*")
    hook = AIMLAPICostBudgetHook(max_usd=0.005, max_credits=400_000, add_final_message=True, on_missing_cost="stop")
    agent = _agent(cost_server, hooks=[hook])
    data = agent.to_dict()
    assert data["init_parameters"]["hooks"]["before_llm"] == [
        {
            "type": "haystack_integrations.components.agents.aimlapi.cost_budget_hook.AIMLAPICostBudgetHook",
            "init_parameters": {
                "max_usd": 0.005,
                "max_credits": 400_000,
                "add_final_message": True,
                "on_missing_cost": "stop",
            },
        }
    ]
    pipeline = Pipeline()
    pipeline.add_component("agent", agent)
    restored = Pipeline.loads(pipeline.dumps()).get_component("agent")
    (restored_hook,) = restored.hooks["before_llm"]
    assert isinstance(restored_hook, AIMLAPICostBudgetHook)
    assert restored_hook.to_dict() == hook.to_dict()

    # The restored Agent is budgeted as the original was.
    cost_server.play(RUNAWAY)
    result = restored.run(messages=QUESTION, max_agent_steps=50)
    assert result["exit_reason"] == "cost_budget_exceeded"
    assert len(cost_server.requests) == 2  # $0.0025 a call: the dollar budget is reached first


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "Give a budget"),
        ({"max_usd": 0}, ValueError, "max_usd must be a positive"),
        ({"max_usd": -1.0}, ValueError, "max_usd must be a positive"),
        ({"max_credits": float("inf")}, ValueError, "max_credits must be a positive, finite"),
        ({"max_usd": "0.5"}, TypeError, "max_usd must be a number"),
        ({"max_usd": True}, TypeError, "max_usd must be a number"),
        ({"max_usd": 1.0, "on_missing_cost": "ignore"}, ValueError, "on_missing_cost must be"),
    ],
)
def test_bad_budgets_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        AIMLAPICostBudgetHook(**kwargs)


def test_a_conversation_passed_in_without_costs_is_not_judged(cost_server):
    # History from another provider: its replies carry a model and usage but no cost.
    history = [
        ChatMessage.from_user("Hi"),
        ChatMessage.from_assistant("Hello!", meta={"model": "other/model", "usage": {"prompt_tokens": 3}}),
        *QUESTION,
    ]
    cost_server.play(*THREE_CALLS)
    hook = AIMLAPICostBudgetHook(max_usd=1.0, on_missing_cost="stop")
    result = _agent(cost_server, hooks=[hook]).run(messages=history)
    assert result["exit_reason"] == "text"
    assert len(cost_server.requests) == 3


def test_another_providers_generator_is_warned_about(cost_server, caplog):
    from haystack.components.generators.chat import OpenAIChatGenerator  # noqa: PLC0415
    from haystack.utils import Secret  # noqa: PLC0415

    # Haystack's own OpenAI generator reads no AI/ML API cost: its replies have usage but no cost in it.
    cost_server.play(*THREE_CALLS)
    generator = OpenAIChatGenerator(api_key=Secret.from_token("sk-other"), api_base_url=cost_server.url, model="m")
    hook = AIMLAPICostBudgetHook(max_usd=0.000001)
    agent = Agent(chat_generator=generator, tools=[ADD_TOOL], hooks={"before_llm": [hook]})
    with caplog.at_level(logging.WARNING):
        result = agent.run(messages=QUESTION)
    assert result["exit_reason"] == "text"  # not stopped on a spend it cannot see
    assert "cost" not in result["token_usage"]
    (warning,) = [r.getMessage() for r in caplog.records if "carry no cost" in r.getMessage()]
    assert "the run may spend more than the budget" in warning
