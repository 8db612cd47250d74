# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The soft model check: warns about unknown ids with suggestions, never raises on the catalogue's account."""

import warnings
from collections.abc import Iterator

import httpx
import pytest

from haystack_integrations.common.aimlapi import ModelCatalogue, UnknownModelWarning, check_model
from haystack_integrations.common.aimlapi.catalogue import closest_model_ids, models_from_body
from tests.support import MockAPI, fixture_json, json_response

NEW = fixture_json("models_2026.json")


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    ModelCatalogue.clear_cache()
    yield
    ModelCatalogue.clear_cache()


def reader(api: MockAPI) -> ModelCatalogue:
    return ModelCatalogue(
        api_base_url="http://catalogue.test/v1", max_retries=0, http_client_kwargs={"transport": api.transport()}
    )


@pytest.mark.parametrize("model_id", ["anthropic/claude-sonnet-4.5", "claude-sonnet-4-5", "gpt-4o"])
def test_known_ids_and_aliases_pass_silently(model_id: str) -> None:
    api = MockAPI(json_response(NEW))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_model(model_id, kind="chat", catalogue=reader(api)) is True
    assert api.last.url.path == "/v1/models"


def test_unknown_id_warns_with_the_closest_ids() -> None:
    api = MockAPI(json_response(NEW))
    with pytest.warns(UnknownModelWarning) as caught:
        assert check_model("anthropic/claude-sonet-4.5", catalogue=reader(api)) is False
    message = str(caught[0].message)
    assert (
        "'anthropic/claude-sonet-4.5' is not in the model catalogue at http://catalogue.test/v1/models (10 models)"
        in message
    )
    assert "Did you mean: anthropic/claude-sonnet-4.5" in message
    assert caught[0].filename == __file__  # points at the caller, not at the library


def test_an_id_missing_its_vendor_prefix_suggests_the_prefixed_one_first() -> None:
    api = MockAPI(json_response(NEW))
    with pytest.warns(UnknownModelWarning, match=r"Did you mean: anthropic/claude-sonnet-4\.5[,?]"):
        check_model("claude-sonnet-4.5", catalogue=reader(api))


def test_suggestions_stay_within_the_kind_asked_for() -> None:
    api = MockAPI(json_response(NEW))
    with pytest.warns(UnknownModelWarning) as caught:
        check_model("gpt-4o-transcrib", kind="chat", catalogue=reader(api))
    message = str(caught[0].message)
    assert "gpt-4o" in message
    assert "openai/gpt-4o-transcribe" not in message


def test_a_known_model_of_another_kind_warns() -> None:
    api = MockAPI(json_response(NEW))
    with pytest.warns(
        UnknownModelWarning, match="'text-embedding-3-small' is listed as kind 'embedding' .* not 'chat'"
    ):
        assert check_model("text-embedding-3-small", kind="chat", catalogue=reader(api)) is False


def test_an_openai_shaped_catalogue_knows_ids_but_not_kinds() -> None:
    api = MockAPI(json_response(fixture_json("models_openai_shape.json")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_model("gpt-4o", kind="chat", catalogue=reader(api)) is True


def test_case_matters_but_the_right_spelling_is_suggested() -> None:
    api = MockAPI(json_response(NEW))
    with pytest.warns(UnknownModelWarning, match="Did you mean: gpt-4o"):
        assert check_model("GPT-4o", catalogue=reader(api)) is False


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused", request=request)), id="down"),
        pytest.param(lambda request: json_response(fixture_json("error_403_credits.json"), status=403), id="403"),
        pytest.param(lambda request: httpx.Response(200, text="not json"), id="garbage"),
    ],
)
def test_catalogue_failures_are_logged_never_raised(failure, caplog: pytest.LogCaptureFixture) -> None:
    api = MockAPI(failure)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_model("anthropic/claude-sonnet-4.5", catalogue=reader(api)) is None
    assert "Could not check the model id anthropic/claude-sonnet-4.5" in caplog.text
    assert len(api.requests) == 1


def test_a_bad_environment_is_logged_never_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AIMLAPI_BASE_URL", "not a url")
    assert check_model("gpt-4o") is None
    assert "not an absolute http(s) URL" in caplog.text


def test_a_bad_model_id_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="model_id must be a non-empty str"):
        check_model("")


def test_closest_model_ids_compare_names_without_the_vendor_prefix() -> None:
    models = models_from_body({"data": [{"id": "gpt-4o-mini"}, {"id": "openai/gpt-5"}, {"id": "flux/schnell"}]})
    assert closest_model_ids("openai/gpt-4o-mni", models)[0] == "gpt-4o-mini"
    assert closest_model_ids("something-else-entirely", models) == []
