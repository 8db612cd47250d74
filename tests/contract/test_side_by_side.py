# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The parent and ours, run side by side against the same loopback server, for the behaviours users rely on: the
lifecycle, injected clients, the shape of what run and run_async return, streaming callbacks, the errors people
search for, and the spans a tracer sees. Where ours adds to the parent (more meta keys, say) the test asks only that
everything the parent gives is there too.
"""

import base64
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from haystack import Document, Pipeline
from haystack.components.embedders import OpenAIDocumentEmbedder, OpenAITextEmbedder
from haystack.components.generators import OpenAIImageGenerator
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.utils import Secret
from openai import AsyncOpenAI, OpenAI

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator, AIMLAPIImageGenerator
from tests.conftest import TEST_KEY

from .server import ContractServer, reply_text, text_vector

QUESTION = "What is Haystack?"
ANSWER = reply_text([{"role": "user", "content": QUESTION}])
DOCUMENTS = [Document(content="first"), Document(content="second"), Document(content="third")]


def _chat(cls: type, server: ContractServer, **kwargs: Any) -> Any:
    return cls(api_base_url=server.url, **kwargs)


def _image(cls: type, server: ContractServer) -> Any:
    if cls is AIMLAPIImageGenerator:
        return AIMLAPIImageGenerator(model="openai/gpt-image-1", api_base_url=server.url)
    return OpenAIImageGenerator(api_base_url=server.url)


# Each case: the two classes, how to build one, the inputs of run, and how to read "the answer" from the output.
CASES: dict[str, tuple[type, type, dict[str, Any], Callable[[dict[str, Any]], Any]]] = {
    "chat": (
        AIMLAPIChatGenerator,
        OpenAIChatGenerator,
        {"messages": [ChatMessage.from_user(QUESTION)]},
        lambda out: [reply.text for reply in out["replies"]],
    ),
    "text_embedder": (AIMLAPITextEmbedder, OpenAITextEmbedder, {"text": QUESTION}, lambda out: out["embedding"]),
    "document_embedder": (
        AIMLAPIDocumentEmbedder,
        OpenAIDocumentEmbedder,
        {"documents": DOCUMENTS},
        lambda out: [document.embedding for document in out["documents"]],
    ),
}
EXPECTED = {
    "chat": [ANSWER],
    "text_embedder": text_vector(QUESTION),
    "document_embedder": [text_vector(d.content or "") for d in DOCUMENTS],
}


def _build(cls: type, server: ContractServer) -> Any:
    if cls in (AIMLAPIImageGenerator, OpenAIImageGenerator):
        return _image(cls, server)
    if cls in (AIMLAPIDocumentEmbedder, OpenAIDocumentEmbedder):
        return cls(api_base_url=server.url, progress_bar=False)
    return cls(api_base_url=server.url)


def _pair(case: str, server: ContractServer) -> tuple[Any, Any]:
    ours, parent, _, _ = CASES[case]
    return _build(ours, server), _build(parent, server)


def _shape(value: Any) -> Any:
    """The structure of an output: keys of dicts, element types of lists, types of leaves."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _contains_shape(ours: Any, parent: Any, where: str = "output") -> None:
    """Everything the parent's output has, ours has too, with the same type."""
    if isinstance(parent, dict):
        assert isinstance(ours, dict), where
        for key, item in parent.items():
            assert key in ours, f"{where}[{key!r}] is missing"
            _contains_shape(ours[key], item, f"{where}[{key!r}]")
    elif isinstance(parent, list):
        assert isinstance(ours, list), where
        if parent and ours:
            _contains_shape(ours[0], parent[0], f"{where}[0]")
    else:
        assert ours == parent or {ours, parent} <= {"int", "float"}, f"{where}: {ours} instead of {parent}"


def _meta_shapes(case: str, output: dict[str, Any]) -> dict[str, Any]:
    shape = _shape(output)
    if case == "chat":
        shape["reply_meta"] = _shape(output["replies"][0].meta)
    return shape


# --- lifecycle ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_construction_sends_nothing_and_builds_no_client(case: str, server: ContractServer) -> None:
    for component in _pair(case, server):
        assert component.client is None
        assert component.async_client is None
    assert server.requests == []


@pytest.mark.parametrize("case", [*CASES, "image"])
def test_warm_up_builds_one_client_and_close_releases_it(case: str, server: ContractServer) -> None:
    pair = (_image(AIMLAPIImageGenerator, server), _image(OpenAIImageGenerator, server)) if case == "image" else None
    for component in pair or _pair(case, server):
        component.warm_up()
        client = component.client
        assert client is not None
        component.warm_up()
        assert component.client is client, f"{type(component).__name__}: a second warm_up replaced the client"
        component.close()
        assert component.client is None
        assert client.is_closed()
    assert server.requests == []  # warm-up checks the configuration without a request


@pytest.mark.parametrize("case", list(CASES))
def test_run_works_without_warm_up_and_again_after_close(case: str, server: ContractServer) -> None:
    _, _, inputs, read = CASES[case]
    for component in _pair(case, server):
        assert read(component.run(**inputs)) == EXPECTED[case]
        component.close()
        assert read(component.run(**inputs)) == EXPECTED[case], f"{type(component).__name__} after close()"


@pytest.mark.parametrize("case", list(CASES))
async def test_run_async_works_and_again_after_close_async(case: str, server: ContractServer) -> None:
    _, _, inputs, read = CASES[case]
    for component in _pair(case, server):
        assert read(await component.run_async(**inputs)) == EXPECTED[case]
        await component.close_async()
        assert component.async_client is None
        assert read(await component.run_async(**inputs)) == EXPECTED[case], type(component).__name__


@pytest.mark.parametrize("case", list(CASES))
def test_a_missing_key_fails_at_warm_up_with_haystacks_words(
    case: str, server: ContractServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIMLAPI_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY")
    for component in _pair(case, server):  # construction succeeds, so saved pipelines load
        with pytest.raises(ValueError, match="None of the following authentication environment variables are set"):
            component.warm_up()
    assert server.requests == []


@pytest.mark.parametrize("cls", [AIMLAPIChatGenerator, OpenAIChatGenerator])
def test_streaming_several_replies_is_refused_with_haystacks_words(cls: type, server: ContractServer) -> None:
    generator = _chat(cls, server, streaming_callback=lambda chunk: None)
    with pytest.raises(ValueError, match="Cannot stream multiple responses"):
        generator.run([ChatMessage.from_user(QUESTION)], generation_kwargs={"n": 2})
    assert server.requests == []


# --- outputs -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_run_gives_the_parents_answer_and_output_shape(case: str, server: ContractServer) -> None:
    ours, parent, inputs, read = CASES[case]
    our_output = _build(ours, server).run(**inputs)
    parent_output = _build(parent, server).run(**inputs)
    assert read(our_output) == read(parent_output) == EXPECTED[case]
    _contains_shape(_meta_shapes(case, our_output), _meta_shapes(case, parent_output))


@pytest.mark.parametrize("case", list(CASES))
async def test_run_async_gives_the_parents_answer_and_output_shape(case: str, server: ContractServer) -> None:
    ours, parent, inputs, read = CASES[case]
    our_output = await _build(ours, server).run_async(**inputs)
    parent_output = await _build(parent, server).run_async(**inputs)
    assert read(our_output) == read(parent_output) == EXPECTED[case]
    _contains_shape(_meta_shapes(case, our_output), _meta_shapes(case, parent_output))


def test_the_output_sockets_are_the_parents(server: ContractServer) -> None:
    for case in CASES:
        ours, parent = _pair(case, server)
        parent_sockets = {name: socket.type for name, socket in parent.__haystack_output__._sockets_dict.items()}
        our_sockets = {name: socket.type for name, socket in ours.__haystack_output__._sockets_dict.items()}
        assert our_sockets == parent_sockets, case


def test_documents_keep_their_content_and_order(server: ContractServer) -> None:
    ours = _build(AIMLAPIDocumentEmbedder, server).run(documents=DOCUMENTS)["documents"]
    parent = _build(OpenAIDocumentEmbedder, server).run(documents=DOCUMENTS)["documents"]
    assert [(d.id, d.content) for d in ours] == [(d.id, d.content) for d in parent]
    assert all(d.embedding is None for d in DOCUMENTS)  # neither changes its input


# --- streaming callbacks -----------------------------------------------------------------------------------------


def _stream_summary(chunks: list[StreamingChunk], reply: ChatMessage) -> dict[str, Any]:
    return {
        "text": "".join(chunk.content for chunk in chunks),
        "finish_reasons": [chunk.finish_reason for chunk in chunks if chunk.finish_reason],
        "reply": reply.text,
        "component_types": {chunk.component_info.type.rsplit(".", 1)[-1] for chunk in chunks if chunk.component_info},
    }


@pytest.mark.parametrize("given_at", ["init", "run"])
def test_a_sync_streaming_callback_sees_what_the_parents_sees(given_at: str, server: ContractServer) -> None:
    summaries = {}
    for cls in (AIMLAPIChatGenerator, OpenAIChatGenerator):
        chunks: list[StreamingChunk] = []
        at_init = {"streaming_callback": chunks.append} if given_at == "init" else {}
        at_run = {"streaming_callback": chunks.append} if given_at == "run" else {}
        (reply,) = _chat(cls, server, **at_init).run([ChatMessage.from_user(QUESTION)], **at_run)["replies"]
        summaries[cls] = _stream_summary(chunks, reply)
        assert reply.meta["model"]
        assert reply.meta["finish_reason"] == "stop"
    ours, parent = summaries[AIMLAPIChatGenerator], summaries[OpenAIChatGenerator]
    assert ours["text"] == parent["text"] == ANSWER
    assert ours["reply"] == parent["reply"] == ANSWER
    assert ours["finish_reasons"] == parent["finish_reasons"] == ["stop"]
    assert ours["component_types"] == {"AIMLAPIChatGenerator"}
    assert parent["component_types"] == {"OpenAIChatGenerator"}


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_run_async_takes_sync_and_async_callbacks_like_the_parent(kind: str, server: ContractServer) -> None:
    texts = {}
    for cls in (AIMLAPIChatGenerator, OpenAIChatGenerator):
        chunks: list[StreamingChunk] = []

        async def collect(chunk: StreamingChunk, chunks: list[StreamingChunk] = chunks) -> None:
            chunks.append(chunk)

        callback = collect if kind == "async" else chunks.append
        (reply,) = (await _chat(cls, server).run_async([ChatMessage.from_user(QUESTION)], streaming_callback=callback))[
            "replies"
        ]
        texts[cls] = ("".join(chunk.content for chunk in chunks), reply.text)
    assert texts[AIMLAPIChatGenerator] == texts[OpenAIChatGenerator] == (ANSWER, ANSWER)


@pytest.mark.parametrize("cls", [AIMLAPIChatGenerator, OpenAIChatGenerator])
async def test_run_async_refuses_an_async_callback_in_run_like_the_parent(cls: type, server: ContractServer) -> None:
    async def collect(chunk: StreamingChunk) -> None:
        pass

    with pytest.raises(ValueError, match="cannot be a coroutine"):
        _chat(cls, server).run([ChatMessage.from_user(QUESTION)], streaming_callback=collect)


# --- injected clients ----------------------------------------------------------------------------------------------


class RecordingTransport(httpx.BaseTransport):
    """A real transport to the loopback server that remembers the paths it carried."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self.inner.handle_request(request)


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The asynchronous twin of `RecordingTransport`."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


INJECTED_CASES = [*CASES, "image"]


def _inputs(case: str) -> dict[str, Any]:
    return {"prompt": "a red square"} if case == "image" else CASES[case][2]


def _pair_for(case: str, server: ContractServer) -> tuple[Any, Any]:
    if case == "image":
        return _image(AIMLAPIImageGenerator, server), _image(OpenAIImageGenerator, server)
    return _pair(case, server)


def _check_answer(case: str, output: dict[str, Any]) -> None:
    if case == "image":
        (image,) = output["images"]
        encoded = image if isinstance(image, str) else image.base64_image
        assert base64.b64decode(encoded).startswith(b"\x89PNG")
    else:
        assert CASES[case][3](output) == EXPECTED[case]


@pytest.mark.parametrize("case", INJECTED_CASES)
def test_an_injected_client_is_used_and_not_closed(case: str, server: ContractServer) -> None:
    for component in _pair_for(case, server):
        transport = RecordingTransport()
        injected = OpenAI(api_key=TEST_KEY, base_url=server.url, http_client=httpx.Client(transport=transport))
        component.client = injected
        _check_answer(case, component.run(**_inputs(case)))
        name = type(component).__name__
        assert transport.paths, f"{name} did not send its request through the injected client"
        assert component.client is injected, f"{name} replaced the injected client"
        assert not injected.is_closed(), f"{name} closed the injected client"


@pytest.mark.parametrize("case", INJECTED_CASES)
async def test_an_injected_async_client_is_used_and_not_closed(case: str, server: ContractServer) -> None:
    for component in _pair_for(case, server):
        transport = AsyncRecordingTransport()
        injected = AsyncOpenAI(
            api_key=TEST_KEY, base_url=server.url, http_client=httpx.AsyncClient(transport=transport)
        )
        component.async_client = injected
        _check_answer(case, await component.run_async(**_inputs(case)))
        _check_answer(case, await component.run_async(**_inputs(case)))
        name = type(component).__name__
        assert len(transport.paths) >= 2, f"{name} did not send its requests through the injected async client"
        assert component.async_client is injected, f"{name} replaced the injected async client"
        assert not injected.is_closed(), f"{name} closed the injected async client"
        await injected.close()


def test_an_injected_client_keeps_the_users_key_and_url(server: ContractServer) -> None:
    # The user's client is used as built: its key, not the component's, goes on the wire.
    generator = _chat(AIMLAPIChatGenerator, server, api_key=Secret.from_token("component-key-0000"))
    generator.client = OpenAI(api_key="users-own-key-1111", base_url=server.url)
    generator.run([ChatMessage.from_user(QUESTION)])
    (request,) = server.requests
    assert request["headers"].get("Authorization", request["headers"].get("authorization")) == (
        "Bearer users-own-key-1111"
    )


# --- tracing -------------------------------------------------------------------------------------------------------


class SpyingSpan:
    def __init__(self, operation_name: str, tags: dict[str, Any] | None) -> None:
        self.operation_name = operation_name
        self.tags: dict[str, Any] = dict(tags or {})

    def set_tag(self, key: str, value: Any) -> None:
        self.tags[key] = value

    def set_tags(self, tags: dict[str, Any]) -> None:
        self.tags.update(tags)

    def raw_span(self) -> Any:
        return self

    def set_content_tag(self, key: str, value: Any) -> None:
        self.tags[key] = value

    def get_correlation_data_for_logs(self) -> dict[str, Any]:
        return {}


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> list[SpyingSpan]:
    """Every span Haystack opens while a test runs, with content tracing on."""
    import contextlib  # noqa: PLC0415

    from haystack import tracing  # noqa: PLC0415
    from haystack.tracing import Tracer  # noqa: PLC0415

    recorded: list[SpyingSpan] = []

    class SpyingTracer(Tracer):
        @contextlib.contextmanager
        def trace(self, operation_name: str, tags: dict[str, Any] | None = None, parent_span: Any = None) -> Any:
            span = SpyingSpan(operation_name, tags)
            recorded.append(span)
            yield span

        def current_span(self) -> Any:
            return recorded[-1] if recorded else None

    previous = tracing.tracer.actual_tracer
    tracing.enable_tracing(SpyingTracer())
    monkeypatch.setattr(tracing.tracer, "is_content_tracing_enabled", True)
    try:
        yield recorded
    finally:
        tracing.tracer.actual_tracer = previous


def _trace_of(spans: list[SpyingSpan], type_name: str) -> list[tuple[str, set[str]]]:
    result = []
    for span in spans:
        tags = dict(span.tags)
        result.append((span.operation_name, set(tags)))
        if "haystack.component.type" in tags and span.operation_name == "haystack.component.run":
            assert tags["haystack.component.type"] == type_name
    return result


@pytest.mark.parametrize("case", list(CASES))
def test_a_pipeline_traces_ours_as_it_traces_the_parent(
    case: str, server: ContractServer, spans: list[SpyingSpan]
) -> None:
    ours, parent, inputs, _ = CASES[case]
    traces = {}
    for cls in (ours, parent):
        spans.clear()
        pipeline = Pipeline()
        pipeline.add_component("component", _build(cls, server))
        pipeline.run({"component": inputs})
        traces[cls] = _trace_of(spans, cls.__name__)
        component_span = next(s for s in spans if s.operation_name == "haystack.component.run")
        assert "haystack.component.output" in component_span.tags
        if case == "chat":
            (reply,) = component_span.tags["haystack.component.output"]["replies"]
            assert reply.meta["model"] and reply.meta["usage"]  # what tracing integrations read
    our_trace, parent_trace = traces[ours], traces[parent]
    assert [name for name, _ in our_trace] == [name for name, _ in parent_trace]
    for (name, our_tags), (_, parent_tags) in zip(our_trace, parent_trace, strict=True):
        assert parent_tags <= our_tags, f"span {name} lacks the tags {parent_tags - our_tags}"


def test_an_agent_traces_ours_as_it_traces_the_parent(server: ContractServer, spans: list[SpyingSpan]) -> None:
    from haystack.components.agents import Agent  # noqa: PLC0415

    traces = {}
    for cls in (AIMLAPIChatGenerator, OpenAIChatGenerator):
        spans.clear()
        agent = Agent(chat_generator=_chat(cls, server))
        result = agent.run([ChatMessage.from_user(QUESTION)])
        assert result["last_message"].text == ANSWER
        traces[cls] = [(span.operation_name, set(span.tags)) for span in spans]
    ours, parent = traces[AIMLAPIChatGenerator], traces[OpenAIChatGenerator]
    assert [name for name, _ in ours] == [name for name, _ in parent]
    for (name, our_tags), (_, parent_tags) in zip(ours, parent, strict=True):
        assert parent_tags <= our_tags, f"span {name} lacks the tags {parent_tags - our_tags}"
