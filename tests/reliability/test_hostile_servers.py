# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Hostile servers: answers that are not what the protocol promises, for every component.

A representative case of each class the component tests cover in full (tests/components/.../test_hostile_*.py),
whose bodies and servers are reused here. Each test asserts the outcome, a typed error with its key words or the
correct result, then records what the server sent and what the caller got for `docs/reliability.md`.
"""

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import openai
import pytest
from haystack import Document
from haystack.dataclasses import StreamingChunk

from haystack_integrations.components.embedders.aimlapi import (
    AIMLAPIDocumentEmbedder,
    AIMLAPITextEmbedder,
    EmbeddingResponseError,
)
from haystack_integrations.components.generators.aimlapi import (
    AIMLAPIChatGenerator,
    AIMLAPIImageGenerator,
    ImageAnswerError,
    ImageDownloadError,
    ImageResponseError,
    StreamInterruptedError,
)
from tests.components.embedders.test_hostile_answers import rows
from tests.components.generators.chat.test_hostile_servers import (
    HELLO,
    PLAIN_TWO_CALLS,
    STREAMS_OF_TWO_CALLS,
    chunk,
    completion,
)
from tests.components.generators.image.helpers import RED_PNG, RED_PNG_B64
from tests.components.generators.image.hostile_server import HostileServer
from tests.reliability.helpers import Fact
from tests.support import MockAPI, json_response, sse_body, sse_response

pytestmark = [pytest.mark.reliability]

TABLE = "hostile_servers"
EXCERPT = 200  # characters of an error message the report quotes


def answer(content: bytes, content_type: str = "application/json", status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=content, headers={"content-type": content_type})


def caught(error: BaseException, key: str = "") -> str:
    """
    What the caller got, as the report shows it: the exception's type and the start of its message, and the part
    that says what went wrong (`key`) when it comes later than the start.
    """
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {excerpt(message, key)}"


def excerpt(message: str, key: str = "") -> str:
    if len(message) <= EXCERPT:
        return message
    at = message.find(key) if key else -1
    if at < 0 or at + len(key) <= EXCERPT:
        return message[: EXCERPT - 1] + "…"
    start = max(at - 40, EXCERPT // 2)
    return f"{message[: EXCERPT // 2].rstrip()} … {message[start : at + len(key) + 40]}…"


def shown(body: bytes, limit: int = 90) -> str:
    """The bytes a server sent, short enough for a table cell (an embeddings list from its `data`)."""
    if body.startswith(b'{"object": "list"'):
        body = b"data: " + body[body.index(b"[") : -1]
    text = repr(body)[2:-1]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chat_generator(response: httpx.Response) -> AIMLAPIChatGenerator:
    return AIMLAPIChatGenerator(max_retries=0, http_client_kwargs={"transport": MockAPI(response).transport()})


def streamed(generator: AIMLAPIChatGenerator, received: list[StreamingChunk] | None = None) -> dict[str, Any]:
    return generator.run("hi", streaming_callback=(received.append if received is not None else lambda _: None))


# --- chat, not streamed -----------------------------------------------------------------------------------------

PLAIN_BODIES = [
    pytest.param(b"", "application/json", "the body is empty", id="empty-body"),
    pytest.param(b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", "not JSON", id="html"),
    pytest.param(b'[{"choices": []}]', "application/json", "the body is a list", id="json-list"),
    pytest.param(b'{"choices": ["Paris"]}', "application/json", "choices[0] is a string", id="choice-a-string"),
]


@pytest.mark.parametrize(("body", "content_type", "problem"), PLAIN_BODIES)
def test_chat_a_200_that_is_not_a_completion(fact: Fact, body: bytes, content_type: str, problem: str) -> None:
    with pytest.raises(openai.APIResponseValidationError) as raised:
        chat_generator(answer(body, content_type)).run("hi")
    text = str(raised.value)
    assert problem in text
    assert "200" in text and content_type in text
    fact(
        TABLE,
        component="AIMLAPIChatGenerator",
        case=f"not a completion: {problem}",
        sent=f"200 {content_type}: {shown(body) or '(no bytes)'}",
        got=caught(raised.value, problem),
    )


def test_chat_plain_tool_arguments_null_are_an_invalid_call(fact: Fact) -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "null"}}],
    }
    (reply,) = chat_generator(json_response(completion(message))).run("hi")["replies"]
    assert reply.tool_calls == []
    (invalid,) = reply.meta["invalid_tool_calls"]
    assert invalid["arguments"] == "null" and invalid["tool_name"] == "weather"
    fact(
        TABLE,
        component="AIMLAPIChatGenerator",
        case="tool arguments `null` (whole reply)",
        sent='a completion whose tool call has "arguments": "null"',
        got=f"reply: tool_calls == []; meta['invalid_tool_calls'][0]['error'] == {invalid['error']!r}",
    )


# --- chat, streamed ----------------------------------------------------------------------------------------------


def test_chat_a_byte_order_mark_before_the_first_event(fact: Fact) -> None:
    body = b"\xef\xbb\xbf" + sse_body(HELLO)
    received: list[StreamingChunk] = []
    (reply,) = streamed(chat_generator(sse_response(body)), received)["replies"]
    assert reply.text == "Hello"
    assert "".join(c.content for c in received) == "Hello"
    fact(
        TABLE,
        component="AIMLAPIChatGenerator (stream)",
        case="UTF-8 byte-order mark before the first event",
        sent=r"\xef\xbb\xbf, then 'Hel', 'lo', finish_reason stop, [DONE]",
        got=f"reply {reply.text!r}, finish_reason {reply.meta['finish_reason']!r}; the callback got 'Hello'",
    )


ERROR_EVENTS = [
    pytest.param(
        'event: error\ndata: {"error": {"message": "Upstream overloaded", "code": 529}}\n\n',
        "Upstream overloaded",
        id="openai-shape",
    ),
    pytest.param(
        'event: error\ndata: {"message": "Provider timed out", "statusCode": 504}\n\n',
        "Provider timed out",
        id="aimlapi-shape",
    ),
]


@pytest.mark.parametrize(("event", "message"), ERROR_EVENTS)
def test_chat_an_error_event_after_the_finish_reason(fact: Fact, event: str, message: str) -> None:
    body = sse_body(HELLO, done=False) + event.encode() + b"data: [DONE]\n\n"
    with pytest.raises(StreamInterruptedError) as raised:
        streamed(chat_generator(sse_response(body)))
    assert message in str(raised.value)
    assert raised.value.reason == "error"
    assert raised.value.partial_reply.text == "Hello"
    fact(
        TABLE,
        component="AIMLAPIChatGenerator (stream)",
        case="`event: error` after the finish reason",
        sent=f"'Hel', 'lo', finish_reason stop, then {event.strip()!r}",
        got=f"{caught(raised.value)} (reason 'error', partial reply 'Hello')",
    )


def test_chat_a_json_event_that_is_not_a_chunk(fact: Fact) -> None:
    body = sse_body([chunk({"content": "Par"}), "[1, 2]", chunk({"content": "is"}, finish="stop")])
    received: list[StreamingChunk] = []
    with pytest.raises(StreamInterruptedError) as raised:
        streamed(chat_generator(sse_response(body)), received)
    assert raised.value.reason == "malformed"
    assert raised.value.partial_reply.text == "Par" == "".join(c.content for c in received)
    fact(
        TABLE,
        component="AIMLAPIChatGenerator (stream)",
        case="a JSON event that is not a chunk",
        sent="'Par', then `data: [1, 2]`, then 'is' and finish_reason stop",
        got=f"{caught(raised.value)} (reason 'malformed', partial reply 'Par')",
    )


def test_chat_a_stream_of_two_choices(fact: Fact) -> None:
    body = sse_body([chunk({"content": "Paris"}, index=0), chunk({"content": "Rome"}, index=1), chunk(finish="stop")])
    with pytest.raises(StreamInterruptedError) as raised:
        streamed(chat_generator(sse_response(body)))
    assert "more than one choice" in str(raised.value)
    assert raised.value.partial_reply.text == "Paris"
    fact(
        TABLE,
        component="AIMLAPIChatGenerator (stream)",
        case="two choices in one stream",
        sent="'Paris' for choice 0, 'Rome' for choice 1, finish_reason stop",
        got=f"{caught(raised.value, 'more than one choice')} (partial reply 'Paris'; never merged)",
    )


def test_chat_parallel_tool_calls_without_index(fact: Fact) -> None:
    body = sse_body([*STREAMS_OF_TWO_CALLS["no index"], chunk(finish="tool_calls")])
    (reply,) = streamed(chat_generator(sse_response(body)))["replies"]
    (plain,) = chat_generator(json_response(completion(PLAIN_TWO_CALLS))).run("hi")["replies"]
    assert [call.arguments for call in reply.tool_calls] == [{"city": "Paris"}, {"city": "Berlin"}]
    assert reply.tool_calls == plain.tool_calls
    fact(
        TABLE,
        component="AIMLAPIChatGenerator (stream)",
        case="parallel tool calls without `index`",
        sent="two tool-call deltas with ids call_a, call_b and no index, finish_reason tool_calls",
        got="reply with 2 tool calls, weather(Paris) and weather(Berlin), equal to the non-streamed reply's",
    )


def test_chat_streamed_tool_arguments_null(fact: Fact) -> None:
    body = sse_body(
        [
            chunk({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "weather", "arguments": ""}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": "null"}}]}),
            chunk(finish="tool_calls"),
        ]
    )
    (reply,) = streamed(chat_generator(sse_response(body)))["replies"]
    assert reply.tool_calls == []
    (invalid,) = reply.meta["invalid_tool_calls"]
    assert invalid["arguments"] == "null"
    fact(
        TABLE,
        component="AIMLAPIChatGenerator (stream)",
        case="tool arguments `null`",
        sent="a tool-call delta for weather whose arguments are 'null', finish_reason tool_calls",
        got=f"reply: tool_calls == []; meta['invalid_tool_calls'][0]['error'] == {invalid['error']!r}",
    )


def test_chat_an_html_page_answering_a_stream(fact: Fact) -> None:
    body = b"<html><body>Gateway</body></html>"
    with pytest.raises(StreamInterruptedError) as raised:
        streamed(chat_generator(answer(body, "text/html")))
    assert raised.value.reason == "malformed"
    fact(
        TABLE,
        component="AIMLAPIChatGenerator (stream)",
        case="an HTML page instead of events",
        sent=f"200 text/html: {shown(body)}",
        got=f"{caught(raised.value)} (reason 'malformed')",
    )


# --- embedders ---------------------------------------------------------------------------------------------------


def text_embedder(response: httpx.Response) -> AIMLAPITextEmbedder:
    return AIMLAPITextEmbedder(max_retries=0, http_client_kwargs={"transport": httpx.MockTransport(lambda _: response)})


def document_embedder(response: httpx.Response) -> AIMLAPIDocumentEmbedder:
    return AIMLAPIDocumentEmbedder(
        max_retries=0, progress_bar=False, http_client_kwargs={"transport": httpx.MockTransport(lambda _: response)}
    )


TEXT_EMBEDDER_ANSWERS = [
    pytest.param("a NaN in the vector", rows("[NaN, 1.0]"), "application/json", "not a finite number", id="nan"),
    pytest.param("1e400 in the vector", rows("[1e400, 1.0]"), "application/json", "not a finite number", id="1e400"),
    pytest.param(
        "an index that is not an int",
        b'{"data": [{"index": "0", "embedding": [1.0]}]}',
        "application/json",
        "bad index '0'",
        id="index-a-string",
    ),
    pytest.param(
        "an HTML page instead of JSON",
        b"<html><body>502 Bad Gateway</body></html>",
        "text/html",
        "not JSON",
        id="html",
    ),
]


@pytest.mark.parametrize(("case", "body", "content_type", "problem"), TEXT_EMBEDDER_ANSWERS)
def test_text_embedder_a_bad_answer(fact: Fact, case: str, body: bytes, content_type: str, problem: str) -> None:
    with pytest.raises(EmbeddingResponseError) as raised:
        text_embedder(answer(body, content_type)).run("hello")
    assert isinstance(raised.value, openai.APIResponseValidationError)
    assert problem in str(raised.value)
    fact(
        TABLE,
        component="AIMLAPITextEmbedder",
        case=case,
        sent=f"200 {content_type}: {shown(body)}",
        got=caught(raised.value, problem),
    )


DOCUMENT_EMBEDDER_ANSWERS = [
    pytest.param(("[0.5, -0.25]", "[1e400, 1.0]", "[0.5, -0.25]"), [1], "not a finite number", id="1e400"),
    pytest.param(("[1.0, 2.0]", "[1.0]", "[3.0, 4.0]"), [0, 1, 2], "mixes vectors of [1, 2] dimensions", id="mixed"),
]


@pytest.mark.parametrize(("vectors", "failed", "problem"), DOCUMENT_EMBEDDER_ANSWERS)
def test_document_embedder_bad_vectors_fail_their_documents(
    fact: Fact, vectors: tuple[str, ...], failed: list[int], problem: str
) -> None:
    body = rows(*vectors)
    result = document_embedder(answer(body)).run([Document(content=f"doc {i}") for i in range(len(vectors))])
    failures = result["meta"]["failed_documents"]
    assert [entry["index"] for entry in failures] == failed
    assert all(problem in entry["error"] for entry in failures)
    kept = [i for i, document in enumerate(result["documents"]) if document.embedding is not None]
    assert kept == [i for i in range(len(vectors)) if i not in failed]
    assert all(result["documents"][i].embedding is None for i in failed)
    fact(
        TABLE,
        component="AIMLAPIDocumentEmbedder",
        case="1e400 in one vector" if "finite" in problem else "vectors of mixed dimensions",
        sent=f"200, one answer for {len(vectors)} documents, embeddings {', '.join(vectors)}",
        got=(
            f"documents {kept} embedded, documents {failed} without an embedding and listed in "
            f"meta['failed_documents'] ({excerpt(failures[0]['error'], problem)})"
        ),
    )


# --- image generator --------------------------------------------------------------------------------------------


def image_generator(response: httpx.Response) -> AIMLAPIImageGenerator:
    return AIMLAPIImageGenerator(
        model="dall-e-3", max_retries=0, http_client_kwargs={"transport": httpx.MockTransport(lambda _: response)}
    )


def test_image_an_html_200(fact: Fact) -> None:
    body = b"<html>Bad gateway</html>"
    with pytest.raises(ImageAnswerError) as raised:
        image_generator(answer(body, "text/html")).run("a red square")
    assert "with text/html rather than JSON" in str(raised.value)
    assert isinstance(raised.value, openai.APIResponseValidationError)
    fact(
        TABLE,
        component="AIMLAPIImageGenerator",
        case="an HTML page instead of JSON",
        sent=f"200 text/html: {shown(body)}",
        got=caught(raised.value, "rather than JSON"),
    )


@pytest.mark.parametrize(
    ("case", "entry"),
    [
        pytest.param("b64_json of padding only", {"b64_json": "===="}, id="padding-only"),
        pytest.param("a base64 data URL with no data", {"url": "data:image/png;base64,"}, id="empty-data-url"),
    ],
)
def test_image_inline_base64_that_decodes_to_nothing(fact: Fact, case: str, entry: dict[str, str]) -> None:
    body = json.dumps({"data": [entry]}).encode()
    with pytest.raises(ImageResponseError) as raised:
        image_generator(answer(body)).run("a red square")
    assert "decodes to no bytes" in str(raised.value) or "not valid base64" in str(raised.value)
    fact(
        TABLE,
        component="AIMLAPIImageGenerator",
        case=f"inline base64 that decodes to nothing: {case}",
        sent=f"200 application/json: {shown(body)}",
        got=caught(raised.value),
    )


@pytest.fixture
def hostile_host() -> Iterator[HostileServer]:
    server = HostileServer()
    yield server
    server.close()


def test_image_a_host_trickling_headers_past_download_timeout(fact: Fact, hostile_host: HostileServer) -> None:
    hostile_host.image_url = hostile_host.url("/trickle-headers")
    generator = AIMLAPIImageGenerator(model="dall-e-3", api_base_url=f"{hostile_host.base}/v1", download_timeout=0.5)
    with pytest.raises(ImageDownloadError) as raised:
        generator.run("a red square")
    assert "did not arrive within download_timeout=0.5 s" in str(raised.value)
    assert raised.value.url == hostile_host.image_url
    fact(
        TABLE,
        component="AIMLAPIImageGenerator",
        case="a storage host trickling its headers (download_timeout=0.5)",
        sent="an image URL whose host sends the status line, then one header byte every 0.1 s",
        got=caught(raised.value, "download_timeout").replace(hostile_host.base, "http://127.0.0.1:<port>"),
    )


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/a.png", "file:///etc/passwd"])
def test_image_a_redirect_to_a_non_http_scheme(fact: Fact, hostile_host: HostileServer, location: str) -> None:
    hostile_host.image_url = hostile_host.url(f"/redirect?to={quote(location, safe='')}")
    generator = AIMLAPIImageGenerator(model="dall-e-3", api_base_url=f"{hostile_host.base}/v1", max_retries=0)
    with pytest.raises(ImageDownloadError) as raised:
        generator.run("a red square")
    assert "not an absolute http" in str(raised.value)
    assert raised.value.url == hostile_host.image_url
    fact(
        TABLE,
        component="AIMLAPIImageGenerator",
        case="a redirect to a non-http(s) scheme",
        sent=f"an image URL answered with 302 Location: {location}",
        got=caught(raised.value, "not an absolute http").replace(hostile_host.base, "http://127.0.0.1:<port>"),
    )


def test_image_good_inline_data_is_still_an_image(fact: Fact) -> None:
    """The counterpart of the cases above: a well-formed inline image is returned, so the checks refuse only harm."""
    body = json.dumps({"data": [{"b64_json": RED_PNG_B64}]}).encode()
    (image,) = image_generator(answer(body)).run("a red square")["images"]
    assert base64.b64decode(image.base64_image) == RED_PNG
    fact(
        TABLE,
        component="AIMLAPIImageGenerator",
        case="a well-formed inline image (control)",
        sent=f"200 application/json: a {len(RED_PNG)}-byte PNG as b64_json",
        got=f"one ImageContent, {image.mime_type}, the same {len(RED_PNG)} bytes",
    )
