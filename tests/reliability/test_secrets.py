# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The API key never shows: not in DEBUG logs, exception text, to_dict, repr, pipeline YAML or pickles, whether the
call succeeds or fails, and even when the server quotes the key back in its error message.
"""

import logging
import pickle
import traceback
from collections.abc import Iterator

import pytest
from haystack import Pipeline
from haystack.utils import Secret

from haystack_integrations.common.aimlapi import StreamInterruptedError
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.conftest import TEST_KEY
from tests.reliability.helpers import MODEL, Fact, chat, close, generator_for
from tests.support import LLMock

pytestmark = [pytest.mark.reliability, pytest.mark.loopback]

TOKEN = "sk-aimlapi-token-secret-9876543210"  # a key passed as Secret.from_token rather than from the environment
SECRETS = (TEST_KEY, TOKEN)
LOGGERS = ("openai", "httpx", "httpcore", "haystack", "haystack_integrations")


class Captured:
    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def text(self) -> str:
        """Everything the loggers emitted: messages, arguments, extra fields, formatted tracebacks."""
        parts = [self._caplog.text]
        for record in self._caplog.records:
            parts += [record.getMessage(), repr(record.__dict__)]
        return "\n".join(parts)

    def names(self) -> set[str]:
        return {record.name.split(".")[0] for record in self._caplog.records}


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[Captured]:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield Captured(caplog)


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"the key appears in {where}"
        assert secret[-12:] not in text, f"part of the key appears in {where}"


def exception_text(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("key", ["env", "token"])
async def test_successful_calls_log_no_key(
    llmock_server: LLMock, debug_logs: Captured, fact: Fact, *, mode: str, streaming: bool, key: str
):
    api_key = Secret.from_token(TOKEN) if key == "token" else Secret.from_env_var("AIMLAPI_API_KEY")
    llmock_server.scenario({"type": "reply", "text": "all good"})
    generator = generator_for(llmock_server, api_key=api_key)
    callback = (lambda chunk: None) if streaming else None
    (reply,) = (await chat(generator, mode, "hello", streaming_callback=callback))["replies"]
    await close(generator)

    assert reply.text == "all good"
    assert {"openai", "httpx", "httpcore"} <= debug_logs.names()  # DEBUG logging really was on
    assert_no_secret(debug_logs.text(), "DEBUG logs")
    fact("secrets", path=f"success, {mode}, {'streamed' if streaming else 'whole reply'}, key from {key}", leaks=0)


FAILURES = {
    "401 quoting the key": [{"type": "fail", "status": 401, "message": f"Incorrect API key provided: {TEST_KEY}"}],
    "503 quoting the key, retried until max_retries": [
        {"type": "fail", "status": 503, "retry_after": 0.01, "message": f"key {TEST_KEY} is overloaded", "times": 3}
    ],
    "stream disconnect": [
        {"type": "reply", "text": "one two three"},
        {"type": "stream_fault", "kind": "disconnect", "after_chunks": 2},
    ],
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_failures_show_no_key(llmock_server: LLMock, debug_logs: Captured, fact: Fact, mode: str, failure: str):
    llmock_server.scenario(*FAILURES[failure])
    generator = generator_for(llmock_server, max_retries=2)
    callback = (lambda chunk: None) if failure == "stream disconnect" else None
    with pytest.raises(Exception) as raised:  # the type is checked below, per failure
        await chat(generator, mode, "hello", streaming_callback=callback)
    await close(generator)

    if failure == "stream disconnect":
        assert isinstance(raised.value, StreamInterruptedError)
    else:
        assert "***" in str(raised.value)  # the server's message is kept, with the key blanked out
    assert_no_secret(exception_text(raised.value), "the exception")
    assert_no_secret(debug_logs.text(), "DEBUG logs")
    fact("secrets", path=f"failure: {failure}, {mode}", leaks=0)


@pytest.mark.parametrize(
    ("name", "init"),
    [
        ("negative timeout", {"timeout": -1}),
        ("URL without a scheme", {"api_base_url": "api.aimlapi.com/v1"}),
        ("key as a plain str", {"api_key": TOKEN}),
    ],
)
def test_configuration_errors_show_no_key(debug_logs: Captured, fact: Fact, name: str, init: dict):
    init.setdefault("api_key", Secret.from_token(TOKEN))
    with pytest.raises((ValueError, TypeError)) as raised:  # a str key at construction, the others at warm-up
        AIMLAPIChatGenerator(model=MODEL, **init).run("hello")
    assert_no_secret(exception_text(raised.value), "the exception")
    assert_no_secret(debug_logs.text(), "DEBUG logs")
    fact("secrets", path=f"configuration error: {name}", leaks=0)


def test_serialized_forms_hold_no_key(llmock_server: LLMock, fact: Fact):
    generator = generator_for(llmock_server)
    generator.run("warm the client up first")  # the client, which holds the key, exists
    assert generator.client is not None

    data = generator.to_dict()
    assert data["init_parameters"]["api_key"] == {"type": "env_var", "env_vars": ["AIMLAPI_API_KEY"], "strict": True}
    assert_no_secret(repr(data), "to_dict")
    assert_no_secret(repr(generator), "repr")
    assert_no_secret(str(generator), "str")
    pipeline = Pipeline()
    pipeline.add_component("llm", generator)
    yaml = pipeline.dumps()
    assert "AIMLAPI_API_KEY" in yaml
    assert_no_secret(yaml, "Pipeline.dumps()")
    assert_no_secret(repr(pipeline), "repr(pipeline)")
    # multiprocessing sends components as pickles: the built client, which holds the key, stays behind.
    assert TEST_KEY.encode() not in pickle.dumps(generator)
    generator.close()
    fact("secrets", path="to_dict, repr, Pipeline.dumps(), pickle after warm-up (key from the environment)", leaks=0)


def test_a_token_key_refuses_to_be_serialized_without_showing_it(debug_logs: Captured, fact: Fact):
    generator = AIMLAPIChatGenerator(model=MODEL, api_key=Secret.from_token(TOKEN))
    assert_no_secret(repr(generator), "repr")
    with pytest.raises(ValueError, match="Cannot serialize token-based secret") as raised:
        generator.to_dict()
    assert_no_secret(exception_text(raised.value), "the to_dict error")
    pipeline = Pipeline()
    pipeline.add_component("llm", generator)
    with pytest.raises(ValueError, match="token-based secret") as raised:
        pipeline.dumps()
    assert_no_secret(exception_text(raised.value), "the Pipeline.dumps() error")
    assert_no_secret(debug_logs.text(), "DEBUG logs")
    fact("secrets", path="to_dict, repr, Pipeline.dumps() with Secret.from_token (refused, without the key)", leaks=0)
