# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Every Python block of docs/batch.md runs unchanged, against a Batch API-shaped server on 127.0.0.1.

llmock has no Batch API, so tests/docs leaves the page to this module. The blocks read `AIMLAPI_BASE_URL` and
`AIMLAPI_API_KEY` as a reader's would; the server answers from the `BatchAPI` queues of the generator's own tests.
Only the waiting between polls is shortened: the page asks for 30 s, and the test records that it was asked.
"""

import functools
import inspect
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from haystack_integrations.common.aimlapi import jobs
from haystack_integrations.components.generators.aimlapi import AIMLAPIBatchChatGenerator
from haystack_integrations.components.generators.aimlapi.batch import batch_chat_generator
from tests.answer_server import AnswerServer
from tests.components.generators.batch.test_batch_chat_generator import BatchAPI, fixture, jsonl, succeeded
from tests.docs.blocks import Block, markdown_blocks
from tests.docs.runner import run_python

pytestmark = pytest.mark.loopback

PAGE = Path(__file__).parent.parent / "docs" / "batch.md"
KEY = "sk-batch-docs-key"
RESUMED_ID = "msgbatch_01TDVirzmjyZ51WZGyU3uMeY"


@pytest.fixture
def server() -> Iterator[AnswerServer]:
    instance = AnswerServer(lambda request: httpx.Response(500, json={"message": "no answer set"}))
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The generator's polling loop, with its waits recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(batch_chat_generator, "run_job", functools.partial(jobs.run_job, sleep=recorded.append))
    return recorded


def _python_blocks() -> list[Block]:
    blocks = markdown_blocks(PAGE.read_text(), "docs/batch.md")
    runnable = [block for block in blocks if block.language in ("python", "bash") and block.not_run is None]
    # This module runs the page's blocks in place of tests/docs: a bash block, or a block left not-run, would
    # silently go unchecked.
    assert {block.language for block in runnable} == {"python"}
    assert not [block.where for block in blocks if block.not_run is not None]
    return runnable


def test_every_block_of_the_batch_page_runs(
    server: AnswerServer, waits: list[float], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", server.url)
    monkeypatch.setenv("AIMLAPI_API_KEY", KEY)
    submitting = BatchAPI(
        fixture("batch_get_generating.json"),
        # Results in another order than asked, as the Batch API may answer them.
        jsonl(
            succeeded(1, "Haystack is an open-source framework for building LLM applications.", credits_used=40),
            succeeded(0, "Ray is an open-source engine for scaling Python and AI workloads.", credits_used=30),
        ),
    )
    resuming = BatchAPI(
        jsonl(succeeded(0, "First, from before the restart."), succeeded(1, "Second, from before the restart."))
    )
    submit_block, resume_block = _python_blocks()
    namespace: dict[str, Any] = {"__name__": "__main__"}

    server.answer = submitting.answer
    caplog.set_level(logging.INFO)
    printed = run_python(submit_block, namespace)  # checks the page's `# ->` comment and its output block

    assert printed.splitlines()[:2] == [
        "Ray is an open-source engine for scaling Python and AI workloads.",
        "Haystack is an open-source framework for building LLM applications.",
    ]
    cost = namespace["result"]["batch"]["cost"]
    assert cost == {"credits_used": 70, "usd_spent": pytest.approx(70 / 2_000_000)}
    [body] = submitting.posted()
    first, second = body["requests"]
    assert first["params"]["system"] == "Answer in one sentence."
    assert first["params"]["messages"] == [{"role": "user", "content": [{"type": "text", "text": "What is Ray?"}]}]
    assert second["params"]["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "What is Haystack?"}]}
    ]
    assert {request["params"]["model"] for request in body["requests"]} == {"claude-sonnet-4-20250514"}
    assert {request["params"]["max_tokens"] for request in body["requests"]} == {256}
    assert [request["custom_id"] for request in body["requests"]] == ["request-000000", "request-000001"]
    assert {request.headers["authorization"] for request in submitting.requests} == {f"Bearer {KEY}"}
    polls = [request for request in submitting.requests if request.method == "GET"]
    assert [poll.url.params["batch_id"] for poll in polls] == ["kgTRCVoAz4GwrHWIOFZjg"] * 2
    assert waits == [30.0, 30.0]  # the page's poll_interval, before each poll
    # "The batch id is logged as soon as the batch is submitted."
    assert "run(batch_id='kgTRCVoAz4GwrHWIOFZjg')" in caplog.text

    server.answer = resuming.answer
    waits.clear()
    assert run_python(resume_block, namespace) == ""

    assert not resuming.posted()  # collecting a batch submits nothing
    [poll] = resuming.requests
    assert (poll.method, poll.url.params["batch_id"]) == ("GET", RESUMED_ID)
    result = namespace["result"]
    assert [reply.text for reply in result["replies"]] == [
        "First, from before the restart.",
        "Second, from before the restart.",
    ]
    assert result["batch"]["id"] == RESUMED_ID
    assert result["batch"]["requests"] == 2  # read from the results, as the page says
    default_interval = inspect.signature(AIMLAPIBatchChatGenerator.__init__).parameters["poll_interval"].default
    assert waits == [default_interval]


def test_the_page_leaves_its_blocks_to_this_module() -> None:
    assert "<!-- blocks-run-by: tests/test_batch_docs.py -->" in PAGE.read_text()
    assert len(_python_blocks()) == 2
