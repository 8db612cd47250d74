# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The pipeline total (`CostTracker`), request ids, and cost and ids as tags of Haystack tracing spans."""

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from haystack import Pipeline, tracing
from haystack.dataclasses import ChatMessage, Document

from haystack_integrations.common.aimlapi import CostTracker
from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder, AIMLAPITextEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.cost_server import CostServer, Turn
from tests.support import MockAPI, fixture_json, json_response

pytestmark = pytest.mark.loopback


def _generator(server: CostServer, **kwargs: Any) -> AIMLAPIChatGenerator:
    return AIMLAPIChatGenerator(model="openai/gpt-5-nano-2025-08-07", api_base_url=server.url, **kwargs)


def _embedding_body(count: int, credits_used: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": [0.5, 0.25]} for i in range(count)],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 2 * count, "total_tokens": 2 * count},
        "meta": {"usage": {"credits_used": credits_used, "usd_spent": credits_used / 2_000_000}},
    }


def test_a_pipeline_run_is_totalled_across_chat_and_embedders(cost_server):
    cost_server.play(Turn(credits=630, text="Paris."))
    text_api = MockAPI(json_response(_embedding_body(1, 4)))
    documents_api = MockAPI(json_response(_embedding_body(2, 6)))
    pipeline = Pipeline()
    pipeline.add_component(
        "text_embedder",
        AIMLAPITextEmbedder(http_client_kwargs={"transport": text_api.transport()}),
    )
    pipeline.add_component(
        "document_embedder",
        AIMLAPIDocumentEmbedder(
            batch_size=2, progress_bar=False, http_client_kwargs={"transport": documents_api.transport()}
        ),
    )
    pipeline.add_component("llm", _generator(cost_server))

    with CostTracker() as tracker:
        result = pipeline.run(
            {
                "text_embedder": {"text": "capital of France"},
                "document_embedder": {"documents": [Document(content="a"), Document(content="b")]},
                "llm": {"messages": [ChatMessage.from_user("Capital of France?")]},
            }
        )

    assert tracker.credits_used == 640
    assert tracker.usd_spent == pytest.approx(640 / 2_000_000)
    assert sorted(call.component for call in tracker.calls) == [
        "AIMLAPIChatGenerator",
        "AIMLAPIDocumentEmbedder",
        "AIMLAPITextEmbedder",
    ]
    # The embedders' usage carries their cost too.
    assert result["text_embedder"]["meta"]["usage"]["credits_used"] == 4
    assert result["document_embedder"]["meta"]["usage"]["credits_used"] == 6
    # Nothing is counted outside the block.
    cost_server.play(Turn(credits=1, text="again"))
    _generator(cost_server).run("hi")
    assert tracker.credits_used == 640


def test_a_retried_call_is_counted_once(cost_server):
    body = fixture_json("chat_openai_route.json")
    api = MockAPI(
        json_response({"message": "Bad gateway", "statusCode": 502, "path": "/v1/chat/completions"}, status=502),
        json_response(body),
    )
    generator = AIMLAPIChatGenerator(max_retries=1, http_client_kwargs={"transport": api.transport()})
    with CostTracker() as tracker:
        generator.run("hi")
    assert len(api.requests) == 2
    assert len(tracker.calls) == 1
    assert tracker.credits_used == body["meta"]["usage"]["credits_used"]


def test_trackers_nest_and_count_calls_without_a_cost(cost_server):
    cost_server.play(Turn(credits=100, text="a"), Turn(credits=0, text="b", report_cost=False))
    generator = _generator(cost_server)
    with CostTracker() as outer:
        generator.run("one")
        with CostTracker() as inner:
            generator.run("two")
    assert outer.credits_used == 100
    assert outer.calls_without_cost == 1
    assert inner.credits_used == 0
    assert inner.calls_without_cost == 1
    assert "calls_without_cost=1" in repr(inner)


def test_concurrent_async_runs_each_see_only_their_own_calls(cost_server):
    cost_server.play(Turn(credits=10, text="x"))
    generator = _generator(cost_server)

    async def one_run(calls: int) -> CostTracker:
        with CostTracker() as tracker:
            # Tasks started inside the block (gather) report to it too.
            await asyncio.gather(*(generator.run_async("hi") for _ in range(calls)))
        return tracker

    async def main() -> list[CostTracker]:
        return list(await asyncio.gather(one_run(1), one_run(2), one_run(3)))

    trackers = asyncio.run(main())
    assert [tracker.credits_used for tracker in trackers] == [10, 20, 30]


def test_threads_each_see_only_their_own_calls_and_a_copied_context_reports_to_the_parent(cost_server):
    cost_server.play(Turn(credits=10, text="x"))
    generator = _generator(cost_server)
    totals: dict[int, float] = {}

    def one_run(calls: int) -> None:
        with CostTracker() as tracker:
            for _ in range(calls):
                generator.run("hi")
        totals[calls] = tracker.credits_used

    threads = [threading.Thread(target=one_run, args=(n,)) for n in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert totals == {1: 10, 2: 20, 3: 30}

    with CostTracker() as parent:
        worker = threading.Thread(target=contextvars.copy_context().run, args=(generator.run, "hi"))
        worker.start()
        worker.join()
        plain = threading.Thread(target=generator.run, args=("hi",))
        plain.start()
        plain.join()
    assert parent.credits_used == 10  # only the thread started with the context


# --- request ids and tracing ----------------------------------------------------------------------------------


# lean_path: a replaced `create()` gets exactly the parent's arguments, so no made-up id is sent on the standard path
# (docs/differences.md, "Request ids"); an id the caller sets is sent on both (the tests below).
@pytest.mark.lean_path
def test_every_request_carries_a_client_request_id_and_the_ids_come_back_in_meta(cost_server):
    cost_server.play(Turn(credits=5, text="x"))
    generator = _generator(cost_server)
    first = generator.run("hi")["replies"][0]
    second = generator.run("hi")["replies"][0]
    sent = [request.headers["x-client-request-id"] for request in cost_server.requests]
    assert len(set(sent)) == 2
    assert all(len(value) == 32 for value in sent)
    assert first.meta["client_request_id"] == sent[0]
    assert first.meta["request_id"] == "chatcmpl-1"
    assert first.meta["inference_id"] == "inf-1"
    assert second.meta["inference_id"] == "inf-2"


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])
def test_a_client_request_id_set_per_call_is_sent(cost_server, streaming):
    cost_server.play(Turn(credits=5, text="x"))
    generator = _generator(cost_server, streaming_callback=(lambda chunk: None) if streaming else None)
    reply = generator.run("hi", generation_kwargs={"client_request_id": "order-42:step.1"})["replies"][0]
    (request,) = cost_server.requests
    assert request.headers["x-client-request-id"] == "order-42:step.1"
    assert "client_request_id" not in request.body
    assert reply.meta["client_request_id"] == "order-42:step.1"
    assert reply.meta["request_id"] == "chatcmpl-1"
    assert reply.meta["inference_id"] == "inf-1"


def test_a_client_request_id_in_extra_headers_is_kept(cost_server):
    cost_server.play(Turn(credits=5, text="x"))
    generator = _generator(cost_server, extra_headers={"X-Client-Request-Id": "from-init"})
    generator.run("hi")
    generator.run("hi", generation_kwargs={"extra_headers": {"x-client-request-id": "from-call"}})
    assert [r.headers["x-client-request-id"] for r in cost_server.requests] == ["from-init", "from-call"]


@pytest.mark.parametrize("bad", ["", "has space", "x" * 129, "ünïcode"])
def test_a_client_request_id_the_api_would_drop_is_refused_before_sending(cost_server, bad):
    cost_server.play(Turn(credits=5, text="x"))
    with pytest.raises(ValueError, match="client_request_id"):
        _generator(cost_server).run("hi", generation_kwargs={"client_request_id": bad})
    assert cost_server.requests == []


class SpyingSpan(tracing.Span):
    def __init__(self, operation_name: str, tags: dict[str, Any] | None) -> None:
        self.operation_name = operation_name
        self.tags: dict[str, Any] = dict(tags or {})

    def set_tag(self, key: str, value: Any) -> None:
        self.tags[key] = value


class SpyingTracer(tracing.Tracer):
    """Records every span, and keeps the current one in a context variable as real tracers do."""

    def __init__(self) -> None:
        self.spans: list[SpyingSpan] = []
        self._current: contextvars.ContextVar[SpyingSpan | None] = contextvars.ContextVar("span", default=None)

    @contextlib.contextmanager
    def trace(
        self, operation_name: str, tags: dict[str, Any] | None = None, parent_span: tracing.Span | None = None
    ) -> Iterator[tracing.Span]:
        span = SpyingSpan(operation_name, tags)
        self.spans.append(span)
        token = self._current.set(span)
        try:
            yield span
        finally:
            self._current.reset(token)

    def current_span(self) -> tracing.Span | None:
        return self._current.get()


@pytest.fixture
def spying_tracer() -> Iterator[SpyingTracer]:
    tracer = SpyingTracer()
    tracing.enable_tracing(tracer)
    try:
        yield tracer
    finally:
        tracing.disable_tracing()


def test_the_component_span_gets_the_cost_and_the_ids(cost_server, spying_tracer):
    cost_server.play(Turn(credits=630, text="Paris."))
    pipeline = Pipeline()
    pipeline.add_component("llm", _generator(cost_server))
    pipeline.run(
        {"llm": {"messages": [ChatMessage.from_user("hi")], "generation_kwargs": {"client_request_id": "c-1"}}}
    )

    (span,) = [s for s in spying_tracer.spans if s.tags.get("haystack.component.name") == "llm"]
    assert span.operation_name == "haystack.component.run"
    assert span.tags["aimlapi.cost.usd_spent"] == 630 / 2_000_000
    assert span.tags["aimlapi.cost.credits_used"] == 630
    assert span.tags["aimlapi.client_request_id"] == "c-1"
    assert span.tags["aimlapi.request_id"] == "chatcmpl-1"
    assert span.tags["aimlapi.inference_id"] == "inf-1"


def test_an_embedder_span_gets_its_cost(spying_tracer):
    api = MockAPI(json_response(_embedding_body(1, 4)))
    pipeline = Pipeline()
    pipeline.add_component("embedder", AIMLAPITextEmbedder(http_client_kwargs={"transport": api.transport()}))
    pipeline.run({"embedder": {"text": "hello"}})
    (span,) = [s for s in spying_tracer.spans if s.tags.get("haystack.component.name") == "embedder"]
    assert span.tags["aimlapi.cost.credits_used"] == 4


def test_no_tags_are_set_when_tracing_is_off(cost_server, monkeypatch):
    cost_server.play(Turn(credits=630, text="Paris."))
    calls: list[Any] = []
    monkeypatch.setattr(tracing.tracer, "current_span", lambda: calls.append(1))
    _generator(cost_server).run("hi")
    assert calls == []


def test_the_http_transport_sees_the_header(cost_server):
    # The header is on the wire, not only in the SDK's arguments.
    seen: list[httpx.Request] = []
    body = fixture_json("chat_openai_route.json")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body, headers={"x-inference-id": "inf-wire"})

    generator = AIMLAPIChatGenerator(http_client_kwargs={"transport": httpx.MockTransport(handler)})
    reply = generator.run("hi", generation_kwargs={"client_request_id": "wire-1"})["replies"][0]
    assert seen[0].headers["x-client-request-id"] == "wire-1"
    assert reply.meta["inference_id"] == "inf-wire"
    assert reply.meta["request_id"] == body["id"]


def _with_inference_id(body: dict[str, Any], inference_id: str) -> Any:
    return lambda request: httpx.Response(200, json=body, headers={"x-inference-id": inference_id})


def test_embedder_requests_carry_their_own_ids_and_report_them():
    api = MockAPI(
        _with_inference_id(_embedding_body(1, 4), "inf-a"), _with_inference_id(_embedding_body(1, 4), "inf-b")
    )
    embedder = AIMLAPITextEmbedder(http_client_kwargs={"transport": api.transport()})
    with CostTracker() as tracker:
        first = embedder.run("one")["meta"]
        second = embedder.run("two")["meta"]
    sent = [request.headers["x-client-request-id"] for request in api.requests]
    assert len(set(sent)) == 2
    assert (first["client_request_id"], first["inference_id"]) == (sent[0], "inf-a")
    assert (second["client_request_id"], second["inference_id"]) == (sent[1], "inf-b")
    assert [(c.client_request_id, c.inference_id) for c in tracker.calls] == [(sent[0], "inf-a"), (sent[1], "inf-b")]


def test_a_document_embedder_batch_each_has_its_id():
    api = MockAPI(
        _with_inference_id(_embedding_body(1, 3), "inf-1"), _with_inference_id(_embedding_body(1, 5), "inf-2")
    )
    embedder = AIMLAPIDocumentEmbedder(
        batch_size=1, progress_bar=False, http_client_kwargs={"transport": api.transport()}
    )
    with CostTracker() as tracker:
        embedder.run([Document(content="a"), Document(content="b")])
    sent = [request.headers["x-client-request-id"] for request in api.requests]
    assert len(set(sent)) == 2
    assert sorted((c.client_request_id, c.inference_id) for c in tracker.calls) == sorted(
        zip(sent, ["inf-1", "inf-2"], strict=True)
    )
    assert tracker.credits_used == 8


def test_an_embedder_keeps_the_client_request_id_of_its_extra_headers():
    api = MockAPI(json_response(_embedding_body(1, 4)))
    embedder = AIMLAPITextEmbedder(
        extra_headers={"X-Client-Request-Id": "mine"}, http_client_kwargs={"transport": api.transport()}
    )
    assert embedder.run("one")["meta"]["client_request_id"] == "mine"
    assert api.last.headers["x-client-request-id"] == "mine"


def test_image_requests_carry_an_id_and_the_ids_come_back_in_meta():
    from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator  # noqa: PLC0415

    api = MockAPI(_with_inference_id(fixture_json("images_openai_b64.json"), "inf-img"))
    image_generator = AIMLAPIImageGenerator(
        model="openai/gpt-image-1", http_client_kwargs={"transport": api.transport()}
    )
    with CostTracker() as tracker:
        meta = image_generator.run("a red square")["meta"]
    sent = api.last.headers["x-client-request-id"]
    assert (meta["client_request_id"], meta["inference_id"]) == (sent, "inf-img")
    (call,) = tracker.calls
    assert (call.client_request_id, call.inference_id) == (sent, "inf-img")


def test_pipeline_run_async_reports_into_the_tracker(cost_server):
    cost_server.play(Turn(credits=630, text="Paris."))
    api = MockAPI(json_response(_embedding_body(1, 4)))
    pipeline = Pipeline()
    pipeline.add_component("embedder", AIMLAPITextEmbedder(http_client_kwargs={"transport": api.async_transport()}))
    pipeline.add_component("llm", _generator(cost_server))

    async def main() -> CostTracker:
        with CostTracker() as tracker:
            await pipeline.run_async(
                {"embedder": {"text": "hello"}, "llm": {"messages": [ChatMessage.from_user("Capital of France?")]}}
            )
        return tracker

    tracker = asyncio.run(main())
    assert tracker.credits_used == 634
    assert len(tracker.calls) == 2


def test_an_agent_step_span_gets_the_cost_of_its_call(cost_server, spying_tracer):
    from haystack.components.agents import Agent  # noqa: PLC0415

    cost_server.play(Turn(credits=190, tool="add", arguments={"a": 1, "b": 2}), Turn(credits=631, text="3."))
    from tests.support import ADD_TOOL  # noqa: PLC0415

    Agent(chat_generator=_generator(cost_server), tools=[ADD_TOOL]).run(messages=[ChatMessage.from_user("1 + 2?")])
    llm_spans = [s for s in spying_tracer.spans if s.operation_name == "haystack.agent.step.llm"]
    assert [s.tags["aimlapi.cost.credits_used"] for s in llm_spans] == [190, 631]
    assert [s.tags["aimlapi.inference_id"] for s in llm_spans] == ["inf-1", "inf-2"]


def test_a_tracker_serves_one_block_at_a_time_and_can_be_reused(cost_server):
    cost_server.play(Turn(credits=10, text="x"))
    generator = _generator(cost_server)
    tracker = CostTracker()
    with tracker:
        generator.run("hi")
        with pytest.raises(RuntimeError, match="already counting"), tracker:
            pass
        generator.run("hi")
    generator.run("hi")  # outside: not counted
    with tracker:
        generator.run("hi")
    assert tracker.credits_used == 30
