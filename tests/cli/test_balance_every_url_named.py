# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""A server with neither billing endpoint: the error names both URLs tried, so the fallback is seen to happen."""

import openai
import pytest

from haystack_integrations.common.aimlapi.billing import fetch_balance

from .helpers import FakeAIMLAPI, run_main


def _both_urls(fake_api: FakeAIMLAPI, *, userinfo: str = "") -> str:
    root = f"http://{userinfo}127.0.0.1:{fake_api.port}"
    return f"The requests were GET {root}/v2/billing, then GET {root}/v1/billing/balance; each answered 404."


def test_fetch_balance_names_both_urls_and_keeps_the_server_message(fake_api: FakeAIMLAPI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        fetch_balance(api_base_url=fake_api.url, max_retries=0)

    # The server's own message first, then every request tried, in order; the first URL is not named twice.
    assert str(caught.value) == f"Error code: 404 - Cannot GET /v2/billing. {_both_urls(fake_api)}"
    assert caught.value.message == str(caught.value)
    assert caught.value.status_code == 404
    assert [(request.method, request.path) for request in fake_api.requests] == [
        ("GET", "/v2/billing"),
        ("GET", "/v1/billing/balance"),
    ]


def test_the_urls_named_carry_no_credentials(fake_api: FakeAIMLAPI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        fetch_balance(api_base_url=f"http://someone:hunter2@127.0.0.1:{fake_api.port}/v1", max_retries=0)

    # Masked as the single URL of any other 404 is.
    assert str(caught.value).endswith(_both_urls(fake_api, userinfo="***@"))
    assert "hunter2" not in str(caught.value)
    assert "someone" not in str(caught.value)


def test_the_command_line_prints_both_urls_in_one_line(
    fake_api: FakeAIMLAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(capsys, "balance", "--base-url", fake_api.url, "--max-retries", "0")

    assert code == 1
    assert out == ""
    assert err == f"aimlapi-haystack: error: Error code: 404 - Cannot GET /v2/billing. {_both_urls(fake_api)}\n"
    assert [request.path for request in fake_api.requests] == ["/v2/billing", "/v1/billing/balance"]
