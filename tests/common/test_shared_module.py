# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The shared AI/ML API module: header merging, error bodies, cost and finish reasons."""

import pytest

from haystack_integrations.common.aimlapi import (
    ATTRIBUTION_HEADERS,
    add_costs,
    cost_from_body,
    cost_from_headers,
    cost_from_response,
    describe_status_error,
    error_message_from_body,
    merge_headers,
    normalize_finish_reason,
    validate_base_url,
)
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.support import MockAPI, fixture_json, json_response


def test_merge_headers_lets_the_user_replace_attribution_headers_in_any_case():
    merged = merge_headers({"x-title": "Mine", "X-Extra": 1})
    assert merged == {"HTTP-Referer": ATTRIBUTION_HEADERS["HTTP-Referer"], "x-title": "Mine", "X-Extra": "1"}
    assert merge_headers(None) == dict(ATTRIBUTION_HEADERS)


def test_a_header_set_to_none_is_not_sent():
    assert merge_headers({"X-Title": None, "X-Gone": None}) == {"HTTP-Referer": ATTRIBUTION_HEADERS["HTTP-Referer"]}
    api = MockAPI(json_response(fixture_json("chat_openai_route.json")))
    AIMLAPIChatGenerator(extra_headers={"x-title": None}, http_client_kwargs={"transport": api.transport()}).run("hi")
    request = api.last
    assert "x-title" not in request.headers
    assert request.headers["http-referer"] == ATTRIBUTION_HEADERS["HTTP-Referer"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (fixture_json("error_403_credits.json"), fixture_json("error_403_credits.json")["message"]),
        ({"error": {"message": "OpenAI shaped", "type": "invalid_request_error"}}, "OpenAI shaped"),
        ({"error": "plain string error"}, "plain string error"),
        ({"message": ["a", "b"]}, "a; b"),
        ({"statusCode": 500}, None),
        ("<html><body><h1>Bad Gateway</h1></body></html>", "Bad Gateway"),
        (b"raw bytes", "raw bytes"),
        ("", None),
        (None, None),
    ],
)
def test_error_message_from_body(body, expected):
    assert error_message_from_body(body) == expected


def test_long_text_bodies_are_shortened():
    message = error_message_from_body("x" * 5000)
    assert message is not None
    assert len(message) <= 301
    assert message.endswith("…")


def test_describe_status_error_adds_the_request_id():
    body = fixture_json("error_401.json")
    text = describe_status_error(401, body, content_type="application/json")
    assert text.startswith("Error code: 401 - This request requires a valid API key")
    assert text.endswith(f"(request id {body['requestId']})")


def test_cost_from_body_and_sums():
    assert cost_from_body({"meta": {"usage": {"credits_used": 10, "usd_spent": 0.5}}}) == {
        "credits_used": 10,
        "usd_spent": 0.5,
    }
    assert cost_from_body({"meta": {"usage": {}}}) is None
    assert cost_from_body({"meta": "nope"}) is None
    assert cost_from_body(None) is None
    total = add_costs([{"credits_used": 10, "usd_spent": 0.5}, None, {"credits_used": 4, "usd_spent": 0.25}])
    assert total == {"credits_used": 14, "usd_spent": 0.75}
    assert add_costs([None, None]) is None


def test_cost_figures_that_are_not_numbers_never_break_a_sum():
    assert cost_from_body({"meta": {"usage": {"credits_used": "4", "usd_spent": "0.000002"}}}) == {
        "credits_used": 4,
        "usd_spent": 0.000002,
    }
    assert cost_from_body({"meta": {"usage": {"credits_used": "lots", "usd_spent": None}}}) is None
    assert cost_from_body({"meta": {"usage": {"credits_used": True}}}) is None
    assert cost_from_body({"meta": {"usage": {"credits_used": [4], "usd_spent": 0.5}}}) == {
        "credits_used": None,
        "usd_spent": 0.5,
    }
    total = add_costs(
        [
            cost_from_body({"meta": {"usage": {"credits_used": "4"}}}),
            cost_from_body({"meta": {"usage": {"credits_used": 6}}}),
        ]
    )
    assert total == {"credits_used": 10, "usd_spent": pytest.approx(0.000005)}


def test_cost_from_headers():
    assert cost_from_headers({"x-aimlapi-credits-used": "248", "x-aimlapi-usd-spent": "0.000124"}) == {
        "credits_used": 248,
        "usd_spent": 0.000124,
    }
    assert cost_from_headers({"x-aimlapi-credits-used": "2000"}) == {"credits_used": 2000, "usd_spent": 0.001}
    assert cost_from_headers({"x-aimlapi-credits-used": "n/a"}) is None
    assert cost_from_headers({}) is None
    # The body wins over the headers.
    body = {"meta": {"usage": {"credits_used": 1, "usd_spent": 0.5}}}
    assert cost_from_response(body, {"x-aimlapi-credits-used": "9"}) == {"credits_used": 1, "usd_spent": 0.5}
    assert cost_from_response({}, {"x-aimlapi-credits-used": "9"})["credits_used"] == 9


def test_finish_reason_vocabulary():
    assert normalize_finish_reason(None) is None
    assert normalize_finish_reason("") is None
    assert normalize_finish_reason("End_Turn") == "stop"
    assert normalize_finish_reason("function_call") == "tool_calls"
    assert normalize_finish_reason("RECITATION") == "content_filter"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1/", "https://api.aimlapi.com/v1"])
def test_validate_base_url_accepts_absolute_urls(url):
    assert validate_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("api.aimlapi.com/v1", "is not an absolute http(s) URL"),
        ("ftp://x/v1", "is not an absolute http(s) URL"),
        ("https://", "is not an absolute http(s) URL"),
        ("/v1", "is not an absolute http(s) URL"),
        ("http://127.0.0.1:abc/v1", "has a port that is not a number"),
        ("http://127.0.0.1:99999/v1", "has a port that is not a number"),
        ("http://127.0.0.1:9/v1\n", "contains whitespace"),
        (" https://api.aimlapi.com/v1", "contains whitespace"),
    ],
)
def test_validate_base_url_rejects_the_rest(url, problem):
    with pytest.raises(ValueError, match="AIMLAPI_BASE_URL") as raised:
        validate_base_url(url)
    assert f"api_base_url {url!r} {problem}" in str(raised.value)
