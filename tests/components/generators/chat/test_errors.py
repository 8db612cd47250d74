# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""API failures carry AI/ML API's message; misuse fails before any request."""

import httpx
import openai
import pytest
from haystack.dataclasses import ChatMessage
from haystack.tools import Tool

from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json, json_response


def echo(text: str) -> str:
    return text


ECHO = Tool(name="echo", description="Echo", parameters={"type": "object", "properties": {}}, function=echo)


@pytest.mark.parametrize(
    ("fixture", "status", "error_type", "message"),
    [
        ("error_400_validation.json", 400, openai.BadRequestError, "Body validation error!"),
        ("error_401.json", 401, openai.AuthenticationError, "requires a valid API key"),
        ("error_403_credits.json", 403, openai.PermissionDeniedError, "You've run out of credits"),
    ],
)
def test_client_errors_carry_the_message_and_are_not_retried(make_generator, fixture, status, error_type, message):
    api = MockAPI(json_response(fixture_json(fixture), status=status))
    generator = make_generator(api, max_retries=3)
    with pytest.raises(error_type, match=message) as error:
        generator.run("hi")
    assert len(api.requests) == 1
    assert error.value.status_code == status
    assert fixture_json(fixture)["requestId"] in str(error.value)
    assert TEST_KEY not in str(error.value)


async def test_async_errors_carry_the_message(make_generator):
    api = MockAPI(json_response(fixture_json("error_403_credits.json"), status=403))
    generator = make_generator(api, use_async=True, max_retries=3)
    with pytest.raises(openai.PermissionDeniedError, match="You've run out of credits"):
        await generator.run_async("hi")
    assert len(api.requests) == 1


def test_429_is_retried_honouring_retry_after(make_generator):
    limited = json_response(fixture_json("error_429.json"), status=429, headers={"retry-after-ms": "5"})
    api = MockAPI(limited, limited, json_response(fixture_json("chat_openai_route.json")))
    reply = make_generator(api, max_retries=3).run("hi")["replies"][0]
    assert reply.text == "The capital of France is Paris."
    assert len(api.requests) == 3
    assert [r.headers["x-stainless-retry-count"] for r in api.requests] == ["0", "1", "2"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_up_to_max_retries(make_generator, status):
    failing = json_response(
        {"message": "upstream failed", "statusCode": status}, status=status, headers={"retry-after-ms": "1"}
    )
    api = MockAPI(failing)
    with pytest.raises(openai.InternalServerError, match="upstream failed"):
        make_generator(api, max_retries=2).run("hi")
    assert len(api.requests) == 3


def test_an_html_error_page_is_summarised(make_generator):
    page = (
        "<html><head><title>502 Bad Gateway</title><style>h1{}</style></head>"
        "<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
    )
    api = MockAPI(httpx.Response(502, text=page, headers={"content-type": "text/html"}))
    with pytest.raises(openai.InternalServerError) as error:
        make_generator(api).run("hi")
    text = str(error.value)
    assert "Error code: 502" in text
    assert "HTML page" in text
    assert "502 Bad Gateway" in text
    assert "<html>" not in text
    assert "h1{}" not in text


def test_a_plain_text_error_body_is_quoted(make_generator):
    api = MockAPI(httpx.Response(500, text="upstream exploded", headers={"content-type": "text/plain"}))
    with pytest.raises(openai.InternalServerError, match="not JSON: upstream exploded"):
        make_generator(api).run("hi")


def test_a_list_of_validation_messages_is_joined(make_generator):
    body = {"message": ["model must be a string", "messages should not be empty"], "statusCode": 400}
    api = MockAPI(json_response(body, status=400))
    with pytest.raises(openai.BadRequestError, match="model must be a string; messages should not be empty"):
        make_generator(api).run("hi")


@pytest.mark.parametrize(
    ("messages", "error_type", "match"),
    [
        (None, TypeError, "messages is None"),
        ([], ValueError, "messages is empty"),
        ("  ", ValueError, "empty string"),
        ({"role": "user"}, TypeError, "list of ChatMessage"),
        ([ChatMessage.from_user("hi"), "hello"], TypeError, r"messages\[1\] is a str"),
        ([{"role": "user", "content": "hi"}], TypeError, r"messages\[0\] is a dict"),
    ],
)
def test_bad_messages_fail_before_any_request(make_generator, messages, error_type, match):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    with pytest.raises(error_type, match=match):
        make_generator(api).run(messages)
    assert api.requests == []


def test_streaming_several_choices_fails_before_any_request(make_generator):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    with pytest.raises(ValueError, match="n=1"):
        make_generator(api).run("hi", streaming_callback=print, generation_kwargs={"n": 2})
    assert api.requests == []


@pytest.mark.parametrize(
    ("tool_choice", "tools", "match"),
    [
        ({"type": "function", "function": {"name": "missing"}}, [ECHO], "'missing'"),
        ("missing", [ECHO], "'missing'"),
        ("required", [], "no tools are offered"),
    ],
)
def test_tool_choice_must_name_an_offered_tool(make_generator, tool_choice, tools, match):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    with pytest.raises(ValueError, match=match):
        make_generator(api, tools=tools, generation_kwargs={"tool_choice": tool_choice}).run("hi")
    assert api.requests == []


def test_valid_tool_choice_is_sent(make_generator):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    choice = {"type": "function", "function": {"name": "echo"}}
    make_generator(api, tools=[ECHO], generation_kwargs={"tool_choice": choice}).run("hi")
    assert api.body()["tool_choice"] == choice


def test_duplicate_tool_names_fail_at_construction_and_at_run(make_generator):
    with pytest.raises(ValueError, match="Duplicate tool names"):
        make_generator(MockAPI(), tools=[ECHO, ECHO])
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    with pytest.raises(ValueError, match="Duplicate tool names"):
        make_generator(api).run("hi", tools=[ECHO, ECHO])
    assert api.requests == []


def test_extra_body_must_be_a_dict(make_generator):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    with pytest.raises(TypeError, match="extra_body"):
        make_generator(api, generation_kwargs={"extra_body": ["top_k", 3]}).run("hi")
    assert api.requests == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"api_base_url": "api.aimlapi.com/v1"}, "not an absolute http"),
        ({"timeout": -1}, "timeout must be a positive number"),
        ({"max_retries": -2}, "max_retries must be a whole number"),
    ],
)
def test_bad_configuration_loads_but_fails_at_warm_up(make_generator, kwargs, match):
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    generator = make_generator(api, **kwargs)
    with pytest.raises(ValueError, match=match):
        generator.run("hi")
    assert api.requests == []


def test_a_non_numeric_timeout_variable_is_named(monkeypatch, make_generator):
    monkeypatch.setenv("AIMLAPI_TIMEOUT", "soon")
    generator = make_generator(MockAPI())
    with pytest.raises(ValueError, match="AIMLAPI_TIMEOUT='soon' is not a number"):
        generator.warm_up()


def test_a_key_quoted_back_by_the_server_is_redacted_in_text_and_body(make_generator):
    body = {"message": f"Invalid key {TEST_KEY}", "details": [{"key": TEST_KEY}], "statusCode": 401}
    api = MockAPI(json_response(body, status=401))
    with pytest.raises(openai.AuthenticationError) as error:
        make_generator(api).run("hi")
    assert TEST_KEY not in str(error.value)
    assert TEST_KEY not in repr(error.value.body)
    assert error.value.body["message"] == "Invalid key ***"
    assert error.value.body["details"] == [{"key": "***"}]
