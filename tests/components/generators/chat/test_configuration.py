# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Construction, settings resolution, client building and serialization."""

import copy
import pickle

import pytest
from haystack import Pipeline
from haystack.tools import Tool
from haystack.utils import Secret
from pydantic import BaseModel

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json, json_response

# What 3.0.0 wrote for a default instance; saved pipelines must load and save the same way.
OLD_DEFAULT_INIT_PARAMETERS = {
    "model": "openai/gpt-5-chat-latest",
    "streaming_callback": None,
    "api_base_url": "https://api.aimlapi.com/v1",
    "generation_kwargs": {},
    "api_key": {"type": "env_var", "env_vars": ["AIMLAPI_API_KEY"], "strict": True},
    "tools": None,
    "extra_headers": None,
    "timeout": None,
    "max_retries": None,
    "http_client_kwargs": None,
}
OLD_TYPE = "haystack_integrations.components.generators.aimlapi.chat.chat_generator.AIMLAPIChatGenerator"


def weather(city: str) -> str:
    return f"sunny in {city}"


WEATHER_TOOL = Tool(
    name="weather",
    description="Weather for a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    function=weather,
)


class CityAnswer(BaseModel):
    city: str
    population: int


def test_default_to_dict_keeps_every_3_0_0_key_and_default():
    data = AIMLAPIChatGenerator().to_dict()
    assert data["type"] == OLD_TYPE
    for key, value in OLD_DEFAULT_INIT_PARAMETERS.items():
        assert data["init_parameters"][key] == value, key
    assert data["init_parameters"]["tools_strict"] is False
    assert data["init_parameters"]["organization"] is None  # written as the parent writes it


def test_a_3_0_0_dict_loads():
    generator = AIMLAPIChatGenerator.from_dict({"type": OLD_TYPE, "init_parameters": OLD_DEFAULT_INIT_PARAMETERS})
    assert generator.model == "openai/gpt-5-chat-latest"
    assert generator.api_base_url == "https://api.aimlapi.com/v1"
    assert generator.tools_strict is False


def test_every_init_parameter_round_trips(monkeypatch):
    monkeypatch.setenv("HAYSTACK_DESERIALIZATION_ALLOWLIST", "tests,test_*")
    generator = AIMLAPIChatGenerator(
        api_key=Secret.from_env_var(["MY_KEY", "AIMLAPI_API_KEY"]),
        model="anthropic/claude-sonnet-4.5",
        streaming_callback=print,
        api_base_url="http://127.0.0.1:9/v1",
        generation_kwargs={"temperature": 0.2, "provider": "auto", "response_format": CityAnswer},
        tools=[WEATHER_TOOL],
        tools_strict=True,
        timeout=12.5,
        extra_headers={"X-Title": "my-app"},
        max_retries=2,
        http_client_kwargs={"trust_env": False},
    )
    data = generator.to_dict()
    # A Pydantic response_format is stored as its JSON schema.
    schema = data["init_parameters"]["generation_kwargs"]["response_format"]
    assert schema["type"] == "json_schema"
    assert schema["json_schema"]["name"] == "CityAnswer"
    assert set(schema["json_schema"]["schema"]["properties"]) == {"city", "population"}

    restored = AIMLAPIChatGenerator.from_dict(data)  # from_dict deserializes `data` in place
    assert restored.to_dict() == generator.to_dict()
    assert restored.model == "anthropic/claude-sonnet-4.5"
    assert restored.streaming_callback is print
    assert restored.tools[0].name == "weather"
    assert restored.tools_strict is True
    assert restored.timeout == 12.5
    assert restored.max_retries == 2
    assert restored.extra_headers == {"X-Title": "my-app"}
    assert restored.http_client_kwargs == {"trust_env": False}
    assert restored.api_key.to_dict()["env_vars"] == ["MY_KEY", "AIMLAPI_API_KEY"]


def test_a_token_secret_refuses_serialization():
    with pytest.raises(ValueError, match="Cannot serialize token-based secret"):
        AIMLAPIChatGenerator(api_key=Secret.from_token(TEST_KEY)).to_dict()


def test_pipeline_dumps_and_loads():
    pipeline = Pipeline()
    pipeline.add_component("llm", AIMLAPIChatGenerator(model="google/gemini-2.5-flash", tools_strict=True))
    yaml_text = pipeline.dumps()
    assert TEST_KEY not in yaml_text
    loaded = Pipeline.loads(yaml_text)
    llm = loaded.get_component("llm")
    assert isinstance(llm, AIMLAPIChatGenerator)
    assert llm.model == "google/gemini-2.5-flash"
    assert llm.tools_strict is True


@pytest.mark.parametrize(
    ("argument", "environment", "expected"),
    [
        ("http://arg.example/v1", "http://env.example/v1", "http://arg.example/v1"),
        (None, "http://env.example/v1", "http://env.example/v1"),
        (None, None, "https://api.aimlapi.com/v1"),
    ],
)
def test_base_url_comes_from_argument_then_environment_then_default(monkeypatch, argument, environment, expected):
    if environment:
        monkeypatch.setenv("AIMLAPI_BASE_URL", environment)
    generator = AIMLAPIChatGenerator(api_base_url=argument)
    assert generator.api_base_url == expected
    assert generator.to_dict()["init_parameters"]["api_base_url"] == expected


@pytest.mark.parametrize(
    ("argument", "aimlapi_env", "openai_env", "expected"),
    [
        (7.0, "8", "9", 7.0),
        (None, "8", "9", 8.0),
        (None, None, "9", 9.0),
        (None, None, None, 30.0),
    ],
)
def test_timeout_order(monkeypatch, argument, aimlapi_env, openai_env, expected):
    if aimlapi_env:
        monkeypatch.setenv("AIMLAPI_TIMEOUT", aimlapi_env)
    if openai_env:
        monkeypatch.setenv("OPENAI_TIMEOUT", openai_env)
    generator = AIMLAPIChatGenerator(timeout=argument)
    generator.warm_up()
    assert generator.client.timeout == expected


@pytest.mark.parametrize(
    ("argument", "aimlapi_env", "openai_env", "expected"),
    [(1, "2", "3", 1), (None, "2", "3", 2), (None, None, "3", 3), (None, None, None, 5), (0, "2", None, 0)],
)
def test_max_retries_order(monkeypatch, argument, aimlapi_env, openai_env, expected):
    if aimlapi_env:
        monkeypatch.setenv("AIMLAPI_MAX_RETRIES", aimlapi_env)
    if openai_env:
        monkeypatch.setenv("OPENAI_MAX_RETRIES", openai_env)
    generator = AIMLAPIChatGenerator(max_retries=argument)
    generator.warm_up()
    assert generator.client.max_retries == expected


def test_aimlapi_max_retries_governs_the_attempts_on_the_wire(monkeypatch, make_generator):
    monkeypatch.setenv("AIMLAPI_MAX_RETRIES", "2")
    overloaded = json_response({"message": "Service Unavailable"}, status=503, headers={"retry-after-ms": "1"})
    api = MockAPI(overloaded, overloaded, json_response(fixture_json("chat_openai_route.json")))
    generator = AIMLAPIChatGenerator(http_client_kwargs={"transport": api.transport()})
    reply = generator.run("hi")["replies"][0]
    assert reply.text == "The capital of France is Paris."
    assert len(api.requests) == 3


def test_missing_key_fails_at_warm_up_naming_the_variable(monkeypatch):
    monkeypatch.delenv("AIMLAPI_API_KEY")
    generator = AIMLAPIChatGenerator()  # constructing never needs the key
    with pytest.raises(ValueError, match="AIMLAPI_API_KEY") as error:
        generator.warm_up()
    assert "aimlapi.com/app/keys" in str(error.value)


def test_the_client_sends_the_key_and_attribution_headers(make_generator):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    make_generator(api).run("hi")
    headers = api.last.headers
    assert headers["authorization"] == f"Bearer {TEST_KEY}"
    assert headers["http-referer"] == "https://github.com/aimlapi/aimlapi-haystack"
    assert headers["x-title"] == "Haystack"
    assert str(api.last.url) == "https://api.aimlapi.com/v1/chat/completions"


def test_extra_headers_win_over_attribution_headers(make_generator):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    generator = make_generator(api, extra_headers={"x-title": "My App", "X-Client-Request-Id": "trace-1"})
    generator.run("hi")
    headers = api.last.headers
    assert headers.get_list("x-title") == ["My App"]
    assert headers["x-client-request-id"] == "trace-1"
    assert headers["http-referer"] == "https://github.com/aimlapi/aimlapi-haystack"
    # to_dict keeps what the user passed, not the merged headers.
    assert generator.to_dict()["init_parameters"]["extra_headers"] == {
        "x-title": "My App",
        "X-Client-Request-Id": "trace-1",
    }


def test_warm_up_builds_one_client_and_close_releases_it():
    generator = AIMLAPIChatGenerator()
    generator.warm_up()
    first = generator.client
    generator.warm_up()
    assert generator.client is first
    generator.close()
    assert generator.client is None


@pytest.mark.parametrize("warm", [False, True])
def test_copies_and_pickles_work_before_and_after_warm_up(make_generator, warm):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    generator = make_generator(api) if not warm else AIMLAPIChatGenerator(max_retries=0)
    if warm:
        generator.warm_up()
    for clone in (copy.deepcopy(generator), pickle.loads(pickle.dumps(AIMLAPIChatGenerator(max_retries=0)))):
        assert clone.client is None
        assert clone.model == generator.model
    # A deep copy of a generator wired to a mock transport still reaches it.
    if not warm:
        reply = copy.deepcopy(generator).run("hi")["replies"][0]
        assert reply.text == "The capital of France is Paris."


def test_repr_and_dict_never_show_the_key():
    generator = AIMLAPIChatGenerator()
    generator.warm_up()
    assert TEST_KEY not in repr(generator)
    assert TEST_KEY not in str(generator.to_dict())
