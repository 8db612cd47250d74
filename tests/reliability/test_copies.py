# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Copies: deep copies and pickles, before and after warm-up, work on their own (Agent.clone(), multiprocessing).
"""

import copy
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest
from haystack.components.agents import Agent
from haystack.dataclasses import ChatMessage

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.reliability.helpers import Fact, generator_for
from tests.support import LLMock

pytestmark = [pytest.mark.reliability, pytest.mark.loopback]


def deep_copy(generator: AIMLAPIChatGenerator) -> AIMLAPIChatGenerator:
    return copy.deepcopy(generator)


def pickle_round_trip(generator: AIMLAPIChatGenerator) -> AIMLAPIChatGenerator:
    return pickle.loads(pickle.dumps(generator))  # our own bytes, just made


COPIERS = {"copy.deepcopy": deep_copy, "pickle": pickle_round_trip}
WARM_UPS = ["cold", "warm (sync)", "warm (sync and async)"]


async def warm(generator: AIMLAPIChatGenerator, state: str) -> None:
    if state != "cold":
        generator.warm_up()
    if state == "warm (sync and async)":
        await generator.warm_up_async()


@pytest.mark.parametrize("state", WARM_UPS)
@pytest.mark.parametrize("how", list(COPIERS))
async def test_copy_works_on_its_own(llmock_server: LLMock, fact: Fact, how: str, state: str):
    llmock_server.scenario({"type": "reply", "text": "from the copy", "times": 2})
    original = generator_for(llmock_server, generation_kwargs={"temperature": 0.1})
    await warm(original, state)
    original_client = original.client

    duplicate = COPIERS[how](original)

    assert duplicate.client is None  # the copy builds its own on first use
    assert duplicate.async_client is None
    assert duplicate.to_dict() == original.to_dict()
    assert duplicate.run("copy, sync")["replies"][0].text == "from the copy"
    assert (await duplicate.run_async("copy, async"))["replies"][0].text == "from the copy"
    assert duplicate.client is not None
    assert duplicate.client is not original_client
    # The original is untouched and still works.
    assert original.client is original_client
    llmock_server.scenario({"type": "reply", "text": "from the original"})
    assert original.run("original")["replies"][0].text == "from the original"

    requests = llmock_server.requests()
    assert [request["body"]["messages"][0]["content"] for request in requests] == [
        "copy, sync",
        "copy, async",
        "original",
    ]
    assert all(request["body"]["temperature"] == 0.1 for request in requests)
    for generator in (original, duplicate):
        generator.close()
        await generator.close_async()
    fact("copies", operation=how, state=state, result="copy ran sync and async with its own client; original intact")


def test_agent_clone_and_deep_copy_run(llmock_server: LLMock, fact: Fact):
    agent = Agent(chat_generator=generator_for(llmock_server), system_prompt="Be brief.")
    agent.chat_generator.warm_up()
    clone = agent.clone(system_prompt="Be very brief.")
    deep = copy.deepcopy(agent)

    llmock_server.scenario({"type": "reply", "text": "clone reply"}, {"type": "reply", "text": "deep copy reply"})
    assert clone.run([ChatMessage.from_user("hi")])["last_message"].text == "clone reply"
    assert deep.run([ChatMessage.from_user("hi")])["last_message"].text == "deep copy reply"
    assert deep.chat_generator is not agent.chat_generator
    first, second = llmock_server.requests()
    assert first["body"]["messages"][0] == {"role": "system", "content": "Be very brief."}
    assert second["body"]["messages"][0] == {"role": "system", "content": "Be brief."}
    fact("copies", operation="Agent.clone() and copy.deepcopy(agent)", state="warm (sync)", result="both ran")


def run_in_worker(payload: bytes) -> str:
    """Runs in a fresh process: unpickle the generator and use it."""
    generator = pickle.loads(payload)  # the parent's own bytes
    return generator.run("from another process")["replies"][0].text


def test_pickled_generator_runs_in_another_process(llmock_server: LLMock, fact: Fact):
    llmock_server.scenario({"type": "reply", "text": "served to a worker process"})
    generator = generator_for(llmock_server)
    generator.warm_up()
    payload = pickle.dumps(generator)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        text = pool.submit(run_in_worker, payload).result(timeout=120)
    assert text == "served to a worker process"
    (request,) = llmock_server.requests()
    assert request["body"]["messages"] == [{"role": "user", "content": "from another process"}]
    generator.close()
    fact("copies", operation="pickle, then run in a spawned process", state="warm (sync)", result="ran")
