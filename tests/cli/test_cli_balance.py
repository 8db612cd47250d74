# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""`aimlapi-haystack balance` against an AI/ML API-shaped server on 127.0.0.1."""

import json

import pytest

from tests.conftest import TEST_KEY
from tests.support import fixture_json

from .helpers import FakeAIMLAPI, _Answer, run_cli, run_main


def test_prints_the_v2_balance_in_dollars_and_credits(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer("GET", "/v2/billing", 200, fixture_json("billing/billing_v2.json"))
    result = run_cli("balance", "--base-url", fake_api.url)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "123.45 USD (246,900,000 credits)\n"
    assert result.stderr == ""
    (request,) = fake_api.requests
    assert (request.method, request.path) == ("GET", "/v2/billing")
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_json(fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api.answer("GET", "/v2/billing", 200, fixture_json("billing/billing_detail_v2.json"))
    code, out, err = run_main(capsys, "balance", "--json", "--base-url", fake_api.url)

    assert code == 0, err
    document = json.loads(out)
    assert document["usd"] == 100.5
    assert document["credits"] == 201_000_000
    assert document["currency"] == "USD"
    assert document["low_balance"] is None
    assert document["url"] == f"http://127.0.0.1:{fake_api.port}/v2/billing"
    assert document["raw"] == fixture_json("billing/billing_detail_v2.json")


def test_falls_back_to_the_legacy_endpoint_and_says_when_the_balance_is_low(
    fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = {**fixture_json("billing/billing_balance_v1.json"), "balance": 5000, "lowBalance": True}
    fake_api.answer("GET", "/v1/billing/balance", 200, legacy)
    code, out, err = run_main(capsys, "balance", "--base-url", fake_api.url)

    assert code == 0, err
    assert out == "0.00 USD (5,000 credits)\n"
    assert err == "The balance is below the account's low-balance threshold.\n"
    assert [request.path for request in fake_api.requests] == ["/v2/billing", "/v1/billing/balance"]


def test_a_base_url_behind_a_proxy_prefix_keeps_the_prefix(
    fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_api.answer("GET", "/gateway/v2/billing", 200, fixture_json("billing/billing_v2.json"))
    code, out, err = run_main(capsys, "balance", "--base-url", f"http://127.0.0.1:{fake_api.port}/gateway/v1")

    assert code == 0, err
    assert out.startswith("123.45 USD")


def test_no_key_exits_2(fake_api: FakeAIMLAPI) -> None:
    result = run_cli("balance", env={"AIMLAPI_BASE_URL": fake_api.url, "AIMLAPI_API_KEY": None})

    assert result.returncode == 2
    assert "export AIMLAPI_API_KEY=<your key>" in result.stderr
    assert fake_api.requests == []


def test_a_refused_key_exits_1_with_the_api_message(fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api.answer("GET", "/v2/billing", 401, fixture_json("error_401.json"))
    code, out, err = run_main(capsys, "balance", "--base-url", fake_api.url)

    assert code == 1
    assert out == ""
    assert err.startswith("aimlapi-haystack: error: Error code: 401 - This request requires a valid API key")
    assert "Check the key in AIMLAPI_API_KEY" in err


def test_a_server_without_either_endpoint_exits_1(fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "balance", "--base-url", fake_api.url)

    assert code == 1
    assert "Error code: 404 - Cannot GET /v2/billing" in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html", b"<html><body>Sign in</body></html>"),
        ("application/json", b'{"current_balance": "lots"}'),
        ("application/json", b'{"balance": 1e400}'),
        ("application/json", b"[]"),
        ("application/json", b"{"),
        ("application/json", b'\xff\xfe{"current_balance": 1}'),
        ("application/json", b'{"current_balance": 1, "currency": {"code": "USD"}}'),
    ],
)
def test_an_answer_that_is_not_a_balance_exits_1_in_one_line(
    fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str], content_type: str, body: bytes
) -> None:
    fake_api._answers[("GET", "/v2/billing")] = _Answer(200, body, {"content-type": content_type})
    code, out, err = run_main(capsys, "balance", "--base-url", fake_api.url)

    assert code == 1
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"aimlapi-haystack: error: GET http://127.0.0.1:{fake_api.port}/v2/billing answered 200")
    assert "not an account balance" in line
