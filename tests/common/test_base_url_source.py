# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""A malformed base URL is reported as coming from where it came from: `api_base_url`, or `AIMLAPI_BASE_URL`."""

import re

import pytest

from haystack_integrations.common.aimlapi.billing import fetch_balance
from haystack_integrations.common.aimlapi.catalogue import ModelCatalogue
from haystack_integrations.components.embedders.aimlapi import AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.support import MockAPI, fixture_json, json_response

BAD = "127.0.0.1:8765/v1"
FROM_PARAMETER = (
    "api_base_url '127.0.0.1:8765/v1' is not an absolute http(s) URL. Pass something like "
    "'https://api.aimlapi.com/v1', or set AIMLAPI_BASE_URL to one."
)
FROM_ENVIRONMENT = (
    "AIMLAPI_BASE_URL is '127.0.0.1:8765/v1', which is not an absolute http(s) URL. Set it to a URL like "
    "'https://api.aimlapi.com/v1', or unset it to use that one."
)


def _unanswered() -> MockAPI:
    # Any request would fail the test: the URL is refused before one is sent.
    return MockAPI(json_response(fixture_json("chat_openai_route.json")))


@pytest.mark.parametrize("component", [AIMLAPIChatGenerator, AIMLAPITextEmbedder])
def test_a_bad_api_base_url_names_the_parameter(component: type) -> None:
    api = _unanswered()
    built = component(api_base_url=BAD, http_client_kwargs={"transport": api.transport()})
    with pytest.raises(ValueError, match=f"^{re.escape(FROM_PARAMETER)}$"):
        built.warm_up()
    assert api.requests == []


@pytest.mark.parametrize("component", [AIMLAPIChatGenerator, AIMLAPITextEmbedder])
def test_a_bad_aimlapi_base_url_names_the_variable(component: type, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", BAD)
    api = _unanswered()
    built = component(http_client_kwargs={"transport": api.transport()})
    with pytest.raises(ValueError, match=f"^{re.escape(FROM_ENVIRONMENT)}$"):
        built.warm_up()
    assert api.requests == []


async def test_the_async_client_names_the_variable_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", BAD)
    with pytest.raises(ValueError, match=f"^{re.escape(FROM_ENVIRONMENT)}$"):
        await AIMLAPIChatGenerator().warm_up_async()


def test_a_bad_parameter_beside_a_good_variable_names_the_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "http://127.0.0.1:8765/v1")
    with pytest.raises(ValueError, match=f"^{re.escape(FROM_PARAMETER)}$"):
        AIMLAPIChatGenerator(api_base_url=BAD).warm_up()


def test_a_saved_pipeline_loaded_without_the_variable_names_the_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    # The URL read from the variable is saved with the component; loaded elsewhere, the saved value is what to fix.
    monkeypatch.setenv("AIMLAPI_BASE_URL", BAD)
    saved = AIMLAPIChatGenerator().to_dict()
    monkeypatch.delenv("AIMLAPI_BASE_URL")
    with pytest.raises(ValueError, match=f"^{re.escape(FROM_PARAMETER)}$"):
        AIMLAPIChatGenerator.from_dict(saved).warm_up()


def test_whitespace_in_the_variable_is_named_as_the_variable_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "https://api.aimlapi.com/v1\n")
    with pytest.raises(ValueError, match=r"^AIMLAPI_BASE_URL is 'https://api\.aimlapi\.com/v1\\n', which contains whi"):
        AIMLAPIChatGenerator().warm_up()


def test_the_catalogue_and_the_balance_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", BAD)
    with pytest.raises(ValueError, match=f"^{re.escape(FROM_ENVIRONMENT)}$"):
        ModelCatalogue()
    with pytest.raises(ValueError, match=f"^{re.escape(FROM_ENVIRONMENT)}$"):
        fetch_balance()
    with pytest.raises(ValueError, match=f"^{re.escape(FROM_PARAMETER)}$"):
        fetch_balance(api_base_url=BAD)


def test_a_password_in_the_variable_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "ftp://someone:hunter2@127.0.0.1/v1")
    with pytest.raises(
        ValueError, match=r"^AIMLAPI_BASE_URL is 'ftp://\*\*\*@127\.0\.0\.1/v1', which is not"
    ) as caught:
        AIMLAPIChatGenerator().warm_up()
    assert "hunter2" not in str(caught.value)
