# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Bad model output: tool calls whose arguments are not JSON, and calls to a tool that was never offered.

Nothing crashes and nothing is dropped silently: the generator returns what the model said, and says what is wrong
with it; Haystack's Agent either recovers or raises, as configured.
"""

import json
import logging

import pytest
from haystack.components.agents import Agent
from haystack.components.agents.tool_calling import ToolNotFoundException
from haystack.dataclasses import ChatMessage, ChatRole

from tests.reliability.helpers import Fact, chat, close, generator_for
from tests.support import ADD_TOOL, LLMock

pytestmark = [pytest.mark.reliability, pytest.mark.loopback]

UNKNOWN_TOOL = "llmock_unknown_tool"  # the name llmock's `unknown_tool` fault calls


def _quiet(chunk: object) -> None:
    """A streaming callback that only turns streaming on."""


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streamed"])
async def test_unparseable_tool_arguments_are_kept_and_reported(
    llmock_server: LLMock, caplog: pytest.LogCaptureFixture, fact: Fact, mode: str, streaming: bool
):
    llmock_server.scenario({"type": "tool_fault", "kind": "malformed_arguments"})
    generator = generator_for(llmock_server, tools=[ADD_TOOL])
    with caplog.at_level(logging.WARNING):
        result = await chat(generator, mode, "add 2 and 3", streaming_callback=_quiet if streaming else None)
    await close(generator)

    (reply,) = result["replies"]
    assert reply.tool_calls == []  # not offered to a tool as if it were valid
    (invalid,) = reply.meta["invalid_tool_calls"]
    assert invalid["tool_name"] == "add"
    assert invalid["id"]
    assert invalid["arguments"].startswith("{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(invalid["arguments"])
    assert invalid["error"]
    assert reply.meta["finish_reason"] == "tool_calls"
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert any(invalid["arguments"] in record.getMessage() and "add" in record.getMessage() for record in warnings)
    fact(
        "model_output",
        case=f"tool call with unparseable arguments ({'streamed' if streaming else 'whole reply'}, {mode})",
        component="AIMLAPIChatGenerator",
        result=(
            f"reply.tool_calls == []; meta['invalid_tool_calls'] == [{{id, tool_name: 'add', arguments: "
            f"{invalid['arguments']!r}, error: {invalid['error']!r}}}]; a WARNING is logged"
        ),
    )


@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streamed"])
def test_unknown_tool_is_returned_as_the_model_said_it(llmock_server: LLMock, fact: Fact, streaming: bool):
    llmock_server.scenario({"type": "tool_fault", "kind": "unknown_tool"})
    generator = generator_for(llmock_server, tools=[ADD_TOOL])
    (reply,) = generator.run("add 2 and 3", streaming_callback=_quiet if streaming else None)["replies"]
    generator.close()

    (call,) = reply.tool_calls
    assert call.tool_name == UNKNOWN_TOOL
    assert call.id
    assert isinstance(call.arguments, dict)
    assert reply.meta["finish_reason"] == "tool_calls"
    assert "invalid_tool_calls" not in reply.meta
    (request,) = llmock_server.requests()
    assert [tool["function"]["name"] for tool in request["body"]["tools"]] == ["add"]
    fact(
        "model_output",
        case=f"call to a tool never offered ({'streamed' if streaming else 'whole reply'})",
        component="AIMLAPIChatGenerator",
        result=(
            f"returned as the model said it: ToolCall(tool_name={call.tool_name!r}); "
            "choosing what to do is left to the caller (the Agent, below)"
        ),
    )


def test_agent_answers_an_unknown_tool_with_an_error_and_recovers(llmock_server: LLMock, fact: Fact):
    llmock_server.scenario({"type": "tool_fault", "kind": "unknown_tool"})
    agent = Agent(chat_generator=generator_for(llmock_server), tools=[ADD_TOOL])
    result = agent.run([ChatMessage.from_user("add 2 and 3")])

    tool_messages = [message for message in result["messages"] if message.role is ChatRole.TOOL]
    (tool_result,) = tool_messages[0].tool_call_results
    assert tool_result.error is True
    assert tool_result.origin.tool_name == UNKNOWN_TOOL
    assert f"Tool '{UNKNOWN_TOOL}' not found" in tool_result.result
    assert "add" in tool_result.result
    assert result["last_message"].text
    assert result["exit_reason"] == "text"
    _, second = llmock_server.requests()
    sent_back = [message for message in second["body"]["messages"] if message["role"] == "tool"]
    assert f"Tool '{UNKNOWN_TOOL}' not found" in sent_back[0]["content"]
    fact(
        "model_output",
        case="call to a tool never offered, inside an Agent (default: raise_on_tool_invocation_failure=False)",
        component="Agent",
        result=(
            f"the Agent answers the call with an error tool result ({tool_result.result!r}), sends it back to the "
            f"model, and finishes with the model's next reply ({len(llmock_server.requests())} requests)"
        ),
    )


def test_agent_raises_on_an_unknown_tool_when_asked_to(llmock_server: LLMock, fact: Fact):
    llmock_server.scenario({"type": "tool_fault", "kind": "unknown_tool"})
    agent = Agent(chat_generator=generator_for(llmock_server), tools=[ADD_TOOL], raise_on_tool_invocation_failure=True)
    with pytest.raises(ToolNotFoundException, match=f"Tool '{UNKNOWN_TOOL}' not found. Available tools: add"):
        agent.run([ChatMessage.from_user("add 2 and 3")])
    assert len(llmock_server.requests()) == 1
    fact(
        "model_output",
        case="call to a tool never offered, inside an Agent with raise_on_tool_invocation_failure=True",
        component="Agent",
        result=f"raises ToolNotFoundException: Tool '{UNKNOWN_TOOL}' not found. Available tools: add",
    )


def test_agent_asks_again_after_unparseable_arguments(llmock_server: LLMock, fact: Fact):
    llmock_server.scenario({"type": "tool_fault", "kind": "malformed_arguments"})
    agent = Agent(chat_generator=generator_for(llmock_server), tools=[ADD_TOOL])
    result = agent.run([ChatMessage.from_user("add 2 and 3")])

    assistant = [message for message in result["messages"] if message.role is ChatRole.ASSISTANT]
    assert assistant[0].meta["invalid_tool_calls"][0]["tool_name"] == "add"
    assert assistant[0].tool_calls == []
    # The model's next attempt is a valid call, which runs; then it answers.
    assert assistant[1].tool_calls[0].tool_name == "add"
    assert result["tool_call_counts"] == {"add": 1}
    assert result["last_message"].text
    assert len(llmock_server.requests()) == 3
    fact(
        "model_output",
        case="tool call with unparseable arguments, inside an Agent",
        component="Agent",
        result=(
            "the reply carries no runnable call, so the Agent asks the model again; the invalid call stays in that "
            "reply's meta['invalid_tool_calls']; the next call is valid, runs, and the Agent finishes (3 requests)"
        ),
    )
