# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Each component accepts what its Haystack parent accepts and writes what it writes, so that code and saved pipelines
written for the parent work with ours. The intended differences are listed here, and in docs/differences.md.
"""

import inspect
import logging
from typing import Any

import pytest
from haystack import Document, Pipeline
from haystack.components.embedders import OpenAIDocumentEmbedder, OpenAITextEmbedder
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.utils import Secret

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

from .server import ContractServer, reply_text, text_vector

PAIRS = [
    (AIMLAPIChatGenerator, OpenAIChatGenerator),
    (AIMLAPITextEmbedder, OpenAITextEmbedder),
    (AIMLAPIDocumentEmbedder, OpenAIDocumentEmbedder),
]
IDS = [ours.__name__ for ours, _ in PAIRS]

# Parameters whose default differs from the parent's on purpose (docs/differences.md says why).
DIFFERENT_DEFAULTS = {
    "api_key": "the key is read from AIMLAPI_API_KEY, not OPENAI_API_KEY",
    "model": "the default model is one AI/ML API serves, with its provider prefix",
}
# Annotations that differ from the parent's on purpose.
DIFFERENT_ANNOTATIONS: dict[str, str] = {}


def _parameters(cls: type) -> dict[str, inspect.Parameter]:
    return {name: p for name, p in inspect.signature(cls.__init__).parameters.items() if name != "self"}


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__name__}"


@pytest.mark.parametrize(("ours", "parent"), PAIRS, ids=IDS)
def test_every_parent_parameter_is_accepted(ours: type, parent: type) -> None:
    missing = sorted(set(_parameters(parent)) - set(_parameters(ours)))
    assert missing == [], f"{ours.__name__} does not accept the parent's parameters {missing}"


@pytest.mark.parametrize(("ours", "parent"), PAIRS, ids=IDS)
def test_parent_parameters_keep_their_defaults_and_types(ours: type, parent: type) -> None:
    ours_parameters, parent_parameters = _parameters(ours), _parameters(parent)
    for name, parent_parameter in parent_parameters.items():
        mine = ours_parameters[name]
        if name not in DIFFERENT_DEFAULTS:
            assert mine.default == parent_parameter.default, f"{ours.__name__}({name}=...) has another default"
        if name not in DIFFERENT_ANNOTATIONS:
            assert mine.annotation == parent_parameter.annotation, f"{ours.__name__}({name}: ...) has another type"


@pytest.mark.parametrize(("ours", "parent"), PAIRS, ids=IDS)
def test_run_takes_what_the_parent_run_takes(ours: type, parent: type) -> None:
    for method in ("run", "run_async"):
        parent_inputs = inspect.signature(getattr(parent, method)).parameters
        our_inputs = inspect.signature(getattr(ours, method)).parameters
        for name, parameter in parent_inputs.items():
            assert name in our_inputs, f"{ours.__name__}.{method} lacks the parent's input {name!r}"
            assert our_inputs[name].kind == parameter.kind or name == "self"


@pytest.mark.parametrize(("ours", "parent"), PAIRS, ids=IDS)
def test_to_dict_writes_every_key_the_parent_writes(ours: type, parent: type, server: ContractServer) -> None:
    parent_data = parent(api_base_url=server.url).to_dict()
    our_data = ours(api_base_url=server.url).to_dict()
    parent_keys = set(parent_data["init_parameters"])
    assert parent_keys - set(our_data["init_parameters"]) == set()
    for key in parent_keys - {"api_key", "model"}:
        assert our_data["init_parameters"][key] == parent_data["init_parameters"][key], key
    assert our_data["init_parameters"]["api_key"] == Secret.from_env_var("AIMLAPI_API_KEY").to_dict()


@pytest.mark.parametrize(("ours", "parent"), PAIRS, ids=IDS)
def test_organization_none_is_quiet_and_round_trips(ours: type, parent: type, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        component = ours(organization=None)
    assert "organization" not in caplog.text
    data = component.to_dict()
    assert data["init_parameters"]["organization"] is None
    assert ours.from_dict(data).organization is None


@pytest.mark.parametrize(("ours", "parent"), PAIRS, ids=IDS)
def test_organization_set_warns_and_is_not_sent(
    ours: type, parent: type, server: ContractServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        component = ours(organization="org-123", api_base_url=server.url)
    assert "has no effect: AI/ML API has no organizations" in caplog.text
    assert component.to_dict()["init_parameters"]["organization"] == "org-123"
    _run_one(component)
    assert all("openai-organization" not in {k.lower() for k in r["headers"]} for r in server.requests)


def test_organization_must_be_text() -> None:
    with pytest.raises(TypeError, match="organization must be a str or None"):
        AIMLAPIChatGenerator(organization=42)  # type: ignore[arg-type]


def _run_one(component: Any) -> Any:
    if isinstance(component, OpenAIChatGenerator):
        return component.run([ChatMessage.from_user("hello")])
    if isinstance(component, OpenAITextEmbedder):
        return component.run("hello")
    return component.run([Document(content="hello")])


def _parent_pipeline(server: ContractServer) -> Pipeline:
    pipeline = Pipeline()
    pipeline.add_component("llm", OpenAIChatGenerator(api_base_url=server.url, generation_kwargs={"temperature": 0}))
    pipeline.add_component("query_embedder", OpenAITextEmbedder(api_base_url=server.url, prefix="q: "))
    pipeline.add_component("doc_embedder", OpenAIDocumentEmbedder(api_base_url=server.url, progress_bar=False))
    return pipeline


def _switch_types(yaml_text: str) -> str:
    for ours, parent in PAIRS:
        assert f"type: {_qualified(parent)}" in yaml_text
        yaml_text = yaml_text.replace(f"type: {_qualified(parent)}", f"type: {_qualified(ours)}")
    return yaml_text


PIPELINE_INPUT = {
    "llm": {"messages": [ChatMessage.from_user("What is Haystack?")]},
    "query_embedder": {"text": "What is Haystack?"},
    "doc_embedder": {"documents": [Document(content="first"), Document(content="second")]},
}


def test_a_parent_yaml_with_only_the_types_switched_loads_and_runs(server: ContractServer) -> None:
    parent_yaml = _parent_pipeline(server).dumps()
    assert "organization: null" in parent_yaml  # what makes a parent's YAML differ from one written by ours

    pipeline = Pipeline.loads(_switch_types(parent_yaml))
    assert isinstance(pipeline.get_component("llm"), AIMLAPIChatGenerator)
    result = pipeline.run(PIPELINE_INPUT)

    assert result["llm"]["replies"][0].text == reply_text([{"role": "user", "content": "What is Haystack?"}])
    assert result["query_embedder"]["embedding"] == text_vector("q: What is Haystack?")
    assert [d.embedding for d in result["doc_embedder"]["documents"]] == [text_vector("first"), text_vector("second")]
    chat_request = next(r for r in server.requests if r["path"].endswith("/chat/completions"))
    assert chat_request["body"]["temperature"] == 0  # the YAML's generation_kwargs reached the server


def test_a_parent_yaml_gives_the_same_results_through_ours(server: ContractServer) -> None:
    parent_pipeline = _parent_pipeline(server)
    parent_result = parent_pipeline.run(PIPELINE_INPUT)
    ours_result = Pipeline.loads(_switch_types(parent_pipeline.dumps())).run(PIPELINE_INPUT)
    assert ours_result["llm"]["replies"][0].text == parent_result["llm"]["replies"][0].text
    assert ours_result["query_embedder"]["embedding"] == parent_result["query_embedder"]["embedding"]
    assert [d.embedding for d in ours_result["doc_embedder"]["documents"]] == [
        d.embedding for d in parent_result["doc_embedder"]["documents"]
    ]


def test_our_yaml_loads_back_into_ours(server: ContractServer) -> None:
    pipeline = Pipeline.loads(_switch_types(_parent_pipeline(server).dumps()))
    again = Pipeline.loads(pipeline.dumps())
    assert again.get_component("doc_embedder").to_dict() == pipeline.get_component("doc_embedder").to_dict()
    assert again.get_component("llm").to_dict() == pipeline.get_component("llm").to_dict()


def test_a_parent_yaml_with_a_streaming_callback_loads_and_streams(
    server: ContractServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from haystack.components.generators.utils import print_streaming_chunk  # noqa: PLC0415

    pipeline = Pipeline()
    parent = OpenAIChatGenerator(api_base_url=server.url, streaming_callback=print_streaming_chunk)
    pipeline.add_component("llm", parent)
    yaml_text = pipeline.dumps().replace(
        f"type: {_qualified(OpenAIChatGenerator)}", f"type: {_qualified(AIMLAPIChatGenerator)}"
    )
    ours = Pipeline.loads(yaml_text)
    assert ours.get_component("llm").streaming_callback is print_streaming_chunk
    result = ours.run({"llm": {"messages": [ChatMessage.from_user("stream me")]}})
    expected = reply_text([{"role": "user", "content": "stream me"}])
    assert result["llm"]["replies"][0].text == expected
    assert expected in capsys.readouterr().out
    assert server.requests[-1]["body"]["stream"] is True
