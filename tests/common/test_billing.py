# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Reading the account balance: every documented answer shape, the legacy fallback, and answers that are not one."""

import httpx
import openai
import pytest
from haystack.utils import Secret

from haystack_integrations.common.aimlapi.billing import api_root, balance_from_body, fetch_balance
from tests.conftest import TEST_KEY
from tests.support import MockAPI, fixture_json, json_response


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("https://api.aimlapi.com/v1", "https://api.aimlapi.com"),
        ("https://api.aimlapi.com/v1/", "https://api.aimlapi.com"),
        ("https://api.aimlapi.com", "https://api.aimlapi.com"),
        ("http://proxy.local:8080/aimlapi/v1", "http://proxy.local:8080/aimlapi"),
        ("http://proxy.local/v1beta", "http://proxy.local/v1beta"),
    ],
)
def test_api_root(base_url: str, root: str) -> None:
    assert api_root(base_url) == root


@pytest.mark.parametrize(
    ("fixture", "usd", "in_credits", "low"),
    [
        ("billing/billing_v2.json", 123.45, 246_900_000, None),
        ("billing/billing_detail_v2.json", 100.5, 201_000_000, None),
        ("billing/billing_balance_v1.json", 5.0, 10_000_000, False),
    ],
)
def test_every_documented_shape(fixture: str, usd: float, in_credits: float, low: bool | None) -> None:
    body = fixture_json(fixture)
    balance = balance_from_body(body, url="u")
    assert balance is not None
    assert balance.usd == pytest.approx(usd)
    assert balance.credits == pytest.approx(in_credits)
    assert balance.currency == "USD"
    assert balance.low_balance is low
    assert balance.raw == body


def test_numbers_as_strings_and_other_currencies() -> None:
    as_text = balance_from_body({"current_balance": " 12.5 ", "currency": "usd"}, url="u")
    assert as_text is not None
    assert (as_text.usd, as_text.credits) == (12.5, 25_000_000)
    euros = balance_from_body({"current_balance": 3, "currency": "EUR"}, url="u")
    assert euros is not None
    assert (euros.usd, euros.credits, euros.currency) == (None, None, "EUR")  # no guessed exchange rate


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "12",
        {},
        {"current_balance": None},
        {"current_balance": True},
        {"current_balance": "NaN"},
        {"current_balance": float("inf")},
        {"balance": 10**400},
        {"balance": {"amount": 1}},
    ],
)
def test_what_is_not_a_balance(body: object) -> None:
    assert balance_from_body(body, url="u") is None


def test_fetch_reads_v2_from_the_root_of_the_base_url() -> None:
    api = MockAPI(json_response(fixture_json("billing/billing_v2.json")))
    balance = fetch_balance(
        api_base_url="https://example.test/v1", max_retries=0, http_client_kwargs={"transport": api.transport()}
    )

    assert balance.usd == 123.45
    assert balance.url == "https://example.test/v2/billing"
    (request,) = api.requests
    assert str(request.url) == "https://example.test/v2/billing"
    assert request.method == "GET"
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_fetch_falls_back_to_the_legacy_endpoint_on_404() -> None:
    api = MockAPI()
    api.queue(
        json_response({"message": "Cannot GET /v2/billing", "statusCode": 404}, status=404),
        json_response(fixture_json("billing/billing_balance_v1.json")),
    )
    balance = fetch_balance(
        api_base_url="https://example.test/v1", max_retries=0, http_client_kwargs={"transport": api.transport()}
    )

    assert (balance.usd, balance.low_balance) == (5.0, False)
    assert [request.url.path for request in api.requests] == ["/v2/billing", "/v1/billing/balance"]


def test_fetch_raises_the_v2_404_when_neither_endpoint_exists() -> None:
    api = MockAPI(json_response({"message": "nothing here", "statusCode": 404}, status=404))
    with pytest.raises(openai.NotFoundError, match="nothing here") as caught:
        fetch_balance(api_base_url="https://example.test/v1", http_client_kwargs={"transport": api.transport()})
    assert caught.value.request.url.path == "/v2/billing"


def test_a_2xx_that_is_not_a_balance_is_a_validation_error_without_the_key() -> None:
    page = f"<html><body>Welcome back, key {TEST_KEY}</body></html>"
    api = MockAPI(httpx.Response(200, text=page, headers={"content-type": "text/html"}))
    with pytest.raises(openai.APIResponseValidationError) as caught:
        fetch_balance(api_base_url="https://example.test/v1", http_client_kwargs={"transport": api.transport()})

    message = str(caught.value)
    assert message.startswith("GET https://example.test/v2/billing answered 200 (text/html)")
    assert "Welcome back, key ***" in message
    assert TEST_KEY not in message


def test_a_missing_key_is_a_value_error_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY")
    api = MockAPI(json_response({}))
    with pytest.raises(ValueError, match=r"Create a key at https://aimlapi\.com/app/keys"):
        fetch_balance(http_client_kwargs={"transport": api.transport()})
    with pytest.raises(ValueError, match=r"Create a key at https://aimlapi\.com/app/keys"):
        fetch_balance(api_key=Secret.from_env_var("AIMLAPI_API_KEY"))
    assert api.requests == []
