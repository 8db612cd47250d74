# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Misuse gets a clear error that names the problem.

- What can be detected locally is raised before any request: llmock's journal stays empty.
- Configuration (URL, timeout, retries, key, headers) is checked when the client is built, at warm-up: construction
  and loading a saved pipeline always succeed, so a pipeline file never becomes unloadable. The one exception is a
  key given as a plain string rather than a Secret, refused at construction: `to_dict` would save it in clear text.
- What only the server can judge (a prompt too long, an unknown model, a proxy's error page) comes back once, with the
  server's own words in the exception.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
import pytest
from haystack import Pipeline
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.tools import Tool
from haystack.utils import Secret

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, AIMLAPIImageGenerator
from tests.reliability.helpers import MODEL, Fact, chat, close, generator_for
from tests.support import LLMock, MockAPI

pytestmark = [pytest.mark.reliability]


def add(a: int, b: int) -> int:
    return a + b


def make_tool(name: str) -> Tool:
    return Tool(
        name=name,
        description="Add two integers",
        parameters={"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}},
        function=add,
    )


def print_chunk(chunk: StreamingChunk) -> None:
    print(chunk.content)


async def async_print_chunk(chunk: StreamingChunk) -> None:
    print(chunk.content)


@dataclass(frozen=True)
class Misuse:
    """A wrong call of `run` / `run_async`: `init` and `run` are the arguments, `says` words the error must contain."""

    name: str
    error: type[Exception]
    says: str
    run: dict[str, Any]
    init: dict[str, Any] = field(default_factory=dict)
    modes: tuple[str, ...] = ("sync", "async")


def record_misuse(
    fact: Fact, misuse: str, mode: str, raised_at: str, error: BaseException, *, requests: int, loading: str = "n/a"
) -> None:
    """One row of the report's bad-input table."""
    fact(
        "bad_input",
        misuse=misuse,
        mode=mode,
        raised_at=raised_at,
        error=type(error).__name__,
        message=str(error),
        requests=requests,
        construction_and_loading=loading,
    )


HI = [ChatMessage.from_user("hi")]

RUN_MISUSES = [
    Misuse("messages is None", TypeError, "messages is None", {"messages": None}),
    Misuse("messages is an empty list", ValueError, "messages is empty", {"messages": []}),
    Misuse("messages is an empty string", ValueError, "messages is an empty string", {"messages": ""}),
    Misuse("messages is a number", TypeError, "messages must be a list of ChatMessage", {"messages": 42}),
    Misuse("messages is a list of str", TypeError, "messages[0] is a str, not a ChatMessage", {"messages": ["hi"]}),
    Misuse(
        "messages are OpenAI-style dicts",
        TypeError,
        "messages[0] is a dict, not a ChatMessage",
        {"messages": [{"role": "user", "content": "hi"}]},
    ),
    Misuse(
        "streaming with n > 1",
        ValueError,
        "Cannot stream multiple responses: generation_kwargs['n'] is 2, but a stream carries one reply. Set n=1",
        {"messages": HI, "streaming_callback": print_chunk, "generation_kwargs": {"n": 2}},
    ),
    Misuse(
        "n is 0",
        ValueError,
        "generation_kwargs['n'] is 0. Pass the number of replies wanted",
        {"messages": HI, "generation_kwargs": {"n": 0}},
    ),
    Misuse(
        "n is a str",
        ValueError,
        "generation_kwargs['n'] is '2'. Pass the number of replies wanted",
        {"messages": HI, "streaming_callback": print_chunk, "generation_kwargs": {"n": "2"}},
    ),
    Misuse(
        "streaming_callback is not callable",
        TypeError,
        "streaming_callback must be",
        {"messages": HI, "streaming_callback": "print"},
    ),
    Misuse(
        "async streaming_callback given to the sync run()",
        ValueError,
        "callback cannot be a coroutine",
        {"messages": HI, "streaming_callback": async_print_chunk},
        modes=("sync",),
    ),
    Misuse(
        "tool_choice names a tool that is not offered",
        ValueError,
        "names the tool 'multiply', which is not among the tools offered (add)",
        {"messages": HI, "tools": [make_tool("add")], "generation_kwargs": {"tool_choice": "multiply"}},
    ),
    Misuse(
        "tool_choice (OpenAI dict form) names a tool that is not offered",
        ValueError,
        "names the tool 'multiply'",
        {
            "messages": HI,
            "tools": [make_tool("add")],
            "generation_kwargs": {"tool_choice": {"type": "function", "function": {"name": "multiply"}}},
        },
    ),
    Misuse(
        "tool_choice without any tools",
        ValueError,
        "but no tools are offered",
        {"messages": HI, "generation_kwargs": {"tool_choice": "required"}},
    ),
    Misuse(
        "duplicate tool names",
        ValueError,
        "Duplicate tool names found: {'add'}",
        {"messages": HI, "tools": [make_tool("add"), make_tool("add")]},
    ),
    Misuse(
        "tools is a list of functions, not Tools",
        TypeError,
        "Items in the tools list must be Tool or Toolset instances",
        {"messages": HI, "tools": [add]},
    ),
    Misuse(
        "generation_kwargs is not a dict",
        TypeError,
        "generation_kwargs must be a dict",
        {"messages": HI, "generation_kwargs": [("temperature", 0.2)]},
    ),
    Misuse(
        "extra_body is not a dict",
        TypeError,
        "generation_kwargs['extra_body'] must be a dict",
        {"messages": HI, "generation_kwargs": {"extra_body": "provider=openai"}},
    ),
    Misuse(
        "response_format is neither a dict nor a Pydantic model",
        TypeError,
        "generation_kwargs['response_format'] must be a dict such as {'type': 'json_object'} or a Pydantic model",
        {"messages": HI, "generation_kwargs": {"response_format": "json"}},
    ),
    Misuse("model is an empty string", ValueError, "model is ''", {"messages": HI}, init={"model": ""}),
    Misuse("model is None", ValueError, "model is None", {"messages": HI}, init={"model": None}),
]


def run_cases() -> list[Any]:
    return [
        pytest.param(misuse, mode, id=f"{misuse.name}-{mode}", marks=pytest.mark.loopback)
        for misuse in RUN_MISUSES
        for mode in misuse.modes
    ]


@pytest.mark.parametrize(("misuse", "mode"), run_cases())
async def test_misuse_fails_before_any_request(llmock_server: LLMock, fact: Fact, misuse: Misuse, mode: str):
    init = {"model": MODEL, **misuse.init}
    generator = AIMLAPIChatGenerator(api_base_url=llmock_server.url, max_retries=0, **init)
    run = dict(misuse.run)
    messages = run.pop("messages")
    if mode == "async" and run.get("streaming_callback") is print_chunk:
        run["streaming_callback"] = async_print_chunk

    with pytest.raises(misuse.error) as raised:
        await chat(generator, mode, messages, **run)
    await close(generator)

    assert misuse.says in str(raised.value)
    assert llmock_server.requests() == []
    record_misuse(fact, misuse.name, mode, "run_async()" if mode == "async" else "run()", raised.value, requests=0)


@dataclass(frozen=True)
class BadConfiguration:
    """Constructor arguments (and environment) that only fail when the client is built."""

    name: str
    error: type[Exception]
    says: str
    init: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)
    saveable: bool = True


BAD_CONFIGURATIONS = [
    BadConfiguration("negative timeout", ValueError, "timeout must be a positive number", {"timeout": -5.0}),
    BadConfiguration("zero timeout", ValueError, "timeout must be a positive number", {"timeout": 0}),
    BadConfiguration(
        "timeout given as text", ValueError, "timeout must be a positive number of seconds, got '30'", {"timeout": "30"}
    ),
    BadConfiguration("negative max_retries", ValueError, "max_retries must be a whole number", {"max_retries": -1}),
    BadConfiguration(
        "api_base_url without a scheme",
        ValueError,
        "api_base_url 'api.aimlapi.com/v1' is not an absolute http(s) URL",
        {"api_base_url": "api.aimlapi.com/v1"},
    ),
    BadConfiguration(
        "api_base_url with a non-HTTP scheme",
        ValueError,
        "is not an absolute http(s) URL",
        {"api_base_url": "ftp://api.aimlapi.com/v1"},
    ),
    BadConfiguration(
        "AIMLAPI_BASE_URL without a scheme",
        ValueError,
        "AIMLAPI_BASE_URL is 'localhost:8080/v1', which is not an absolute http(s) URL",
        env={"AIMLAPI_BASE_URL": "localhost:8080/v1"},
    ),
    BadConfiguration(
        "no key in the environment",
        ValueError,
        "None of the following authentication environment variables are set: AIMLAPI_API_KEY",
        env={"AIMLAPI_API_KEY": None},
    ),
    BadConfiguration(
        "AIMLAPI_TIMEOUT is not a number",
        ValueError,
        "AIMLAPI_TIMEOUT='soon' is not a number",
        env={"AIMLAPI_TIMEOUT": "soon"},
    ),
    BadConfiguration(
        "AIMLAPI_MAX_RETRIES is not a whole number",
        ValueError,
        "AIMLAPI_MAX_RETRIES='3.5' is not a whole number",
        env={"AIMLAPI_MAX_RETRIES": "3.5"},
    ),
    BadConfiguration(
        "extra_headers is not a dict", TypeError, "extra_headers must be a dict", {"extra_headers": ["X-Title: me"]}
    ),
]


@pytest.mark.loopback
@pytest.mark.parametrize("case", BAD_CONFIGURATIONS, ids=lambda case: case.name)
async def test_bad_configuration_loads_and_fails_at_warm_up(
    llmock_server: LLMock, monkeypatch: pytest.MonkeyPatch, fact: Fact, case: BadConfiguration
):
    for name, value in case.env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    init = {"model": MODEL, **case.init}
    if "AIMLAPI_MAX_RETRIES" not in case.env:
        init.setdefault("max_retries", 0)
    if "api_base_url" not in case.init and "AIMLAPI_BASE_URL" not in case.env:
        init["api_base_url"] = llmock_server.url

    generator = AIMLAPIChatGenerator(**init)  # construction never fails on configuration
    loaded_from_yaml = "construction succeeds"
    if case.saveable:
        restored = AIMLAPIChatGenerator.from_dict(generator.to_dict())
        with pytest.raises(case.error):
            restored.warm_up()
        pipeline = Pipeline()
        pipeline.add_component("llm", generator)
        loaded = Pipeline.loads(pipeline.dumps())  # a saved pipeline always loads
        assert loaded.get_component("llm").to_dict() == generator.to_dict()
        with pytest.raises(case.error):
            loaded.warm_up()
        loaded_from_yaml = "construction, to_dict, from_dict and Pipeline.loads succeed"

    with pytest.raises(case.error) as at_warm_up:
        generator.warm_up()
    with pytest.raises(case.error):
        await generator.warm_up_async()
    with pytest.raises(case.error):
        generator.run("hi")
    assert case.says in str(at_warm_up.value)
    assert llmock_server.requests() == []
    record_misuse(
        fact, case.name, "sync and async", "warm_up()", at_warm_up.value, requests=0, loading=loaded_from_yaml
    )


PLAIN_KEY = "sk-plain-string-0123456789"


@pytest.mark.parametrize(
    "component_type", [AIMLAPIChatGenerator, AIMLAPITextEmbedder, AIMLAPIDocumentEmbedder, AIMLAPIImageGenerator]
)
def test_a_plain_string_key_is_refused_at_construction(fact: Fact, component_type: type):
    """The one configuration checked at construction: `to_dict` would otherwise write the key into a saved pipeline."""
    with pytest.raises(TypeError, match=r"api_key must be a haystack\.utils\.Secret, got str") as raised:
        component_type(api_key=PLAIN_KEY)
    assert PLAIN_KEY not in str(raised.value)
    record_misuse(
        fact,
        f"api_key is a plain string, not a Secret ({component_type.__name__})",
        "construction",
        "__init__",
        raised.value,
        requests=0,
        loading="construction fails, so no saved pipeline can hold the key",
    )


# --- what only the server can judge ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_context_server() -> Iterator[LLMock]:
    """An llmock that refuses prompts above 2,000 tokens, as a model with a small context window does."""
    server = LLMock("--context-window", "2000")
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.loopback
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_huge_message_is_refused_by_the_server_once(small_context_server: LLMock, fact: Fact, mode: str):
    small_context_server.reset()
    huge = "lorem ipsum dolor sit amet " * 2000
    generator = generator_for(small_context_server, max_retries=3)
    with pytest.raises(openai.BadRequestError) as raised:
        await chat(generator, mode, huge)
    await close(generator)

    assert raised.value.status_code == 400
    assert "maximum context length is 2000 tokens" in str(raised.value)
    (record,) = small_context_server.requests()
    assert record["status"] == 400
    record_misuse(
        fact,
        f"a message of {len(huge):,} characters, beyond the model's context",
        mode,
        "the server (400)",
        raised.value,
        requests=1,
    )


@pytest.mark.loopback
def test_unknown_model_is_refused_by_the_server_once(llmock_server: LLMock, fact: Fact):
    message = "Model no-such/model-9000 not found or deprecated"
    llmock_server.scenario({"type": "fail", "status": 404, "message": message, "match": {"model": "no-such/*"}})
    generator = generator_for(llmock_server, model="no-such/model-9000", max_retries=3)
    with pytest.raises(openai.NotFoundError) as raised:
        generator.run("hi")
    generator.close()

    assert message in str(raised.value)
    assert len(llmock_server.requests()) == 1
    record_misuse(fact, "a model id the server does not know", "sync", "the server (404)", raised.value, requests=1)


NGINX_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
</body>
</html>"""

NGINX_413 = NGINX_502.replace("502 Bad Gateway", "413 Request Entity Too Large")


@dataclass(frozen=True)
class ProxyAnswer:
    name: str
    status: int
    content_type: str
    body: str
    error: type[Exception]
    says: str
    max_retries: int


PROXY_ANSWERS = [
    ProxyAnswer(
        "an HTML 502 page from a proxy (retried once, then raised)",
        502,
        "text/html",
        NGINX_502,
        openai.InternalServerError,
        "Error code: 502 - the server answered with an HTML page, not JSON: 502 Bad Gateway 502 Bad Gateway nginx",
        1,
    ),
    ProxyAnswer(
        "an HTML 413 page from a proxy, for a body too large",
        413,
        "text/html",
        NGINX_413,
        openai.APIStatusError,
        "Error code: 413 - the server answered with an HTML page, not JSON: 413 Request Entity Too Large",
        3,
    ),
    ProxyAnswer(
        "a plain-text (non-JSON) error body",
        400,
        "text/plain",
        "upstream rejected the request: malformed JSON at line 1",
        openai.BadRequestError,
        "Error code: 400 - the server answered with text, not JSON: upstream rejected the request",
        3,
    ),
    ProxyAnswer(
        "a JSON error body that is not an object",
        400,
        "application/json",
        '"Body validation error!"',
        openai.BadRequestError,
        "Body validation error!",
        3,
    ),
]


@pytest.mark.parametrize("answer", PROXY_ANSWERS, ids=lambda answer: answer.name)
def test_error_bodies_that_are_not_ai_ml_api_json(fact: Fact, answer: ProxyAnswer):
    # A proxy in front of the API answers, not the API: only a scripted transport can send these bodies.
    api = MockAPI(httpx.Response(answer.status, text=answer.body, headers={"content-type": answer.content_type}))
    generator = AIMLAPIChatGenerator(
        model=MODEL,
        api_key=Secret.from_env_var("AIMLAPI_API_KEY"),
        max_retries=answer.max_retries,
        http_client_kwargs={"transport": api.transport()},
    )
    # Retries of a 502 wait for the client's backoff; keep them short.
    generator.warm_up()
    generator.client._calculate_retry_timeout = lambda *args, **kwargs: 0.01  # type: ignore[method-assign]
    with pytest.raises(answer.error) as raised:
        generator.run("hi")

    assert raised.value.status_code == answer.status
    assert answer.says in str(raised.value)
    assert "<html>" not in str(raised.value)
    expected_attempts = answer.max_retries + 1 if answer.status >= 500 else 1
    assert len(api.requests) == expected_attempts
    record_misuse(fact, answer.name, "sync", f"the server ({answer.status})", raised.value, requests=len(api.requests))
