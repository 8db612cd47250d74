# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Connection errors and 404s from the Python API name the URL and the likely fix, and keep the openai types."""

import socket
from collections.abc import Iterator

import httpx
import openai
import pytest
from haystack.dataclasses import ChatMessage

from haystack_integrations.common.aimlapi.errors import redact_url_userinfo
from haystack_integrations.common.aimlapi.explained_errors import connection_failure_kind, not_found_hint
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.cli.helpers import FakeAIMLAPI
from tests.support import fixture_json, free_port

HI = [ChatMessage.from_user("Hi")]


@pytest.fixture
def fake_api() -> Iterator[FakeAIMLAPI]:
    server = FakeAIMLAPI()
    try:
        yield server
    finally:
        server.stop()


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/v1"


def test_a_refused_connection_names_the_url_and_the_setting() -> None:
    url = closed_port_url()
    with pytest.raises(openai.APIConnectionError) as caught:
        AIMLAPIChatGenerator(api_base_url=url, max_retries=0).run(HI)

    error = caught.value
    assert type(error) is openai.APIConnectionError  # the SDK's own type, not a new one
    port = url.split(":")[2].split("/")[0]
    assert str(error) == error.message
    assert error.message == (
        f"Could not connect to {url}/chat/completions: the connection was refused, so nothing listens on "
        f"127.0.0.1:{port}. Check api_base_url (or AIMLAPI_BASE_URL); AI/ML API's is https://api.aimlapi.com/v1."
    )
    assert error.__cause__ is not None  # the transport error underneath is kept
    assert "Connection refused" in str(error.__cause__)


def test_the_message_says_how_often_it_tried_and_how_to_fail_at_once() -> None:
    with pytest.raises(openai.APIConnectionError) as caught:
        AIMLAPIChatGenerator(api_base_url=closed_port_url(), max_retries=1).run(HI)
    assert caught.value.message.endswith(
        "Tried 2 times; max_retries=0 (or AIMLAPI_MAX_RETRIES=0) fails at the first attempt instead."
    )


async def test_async_too() -> None:
    url = closed_port_url()
    with pytest.raises(openai.APIConnectionError) as caught:
        await AIMLAPIChatGenerator(api_base_url=url, max_retries=0).run_async(HI)
    assert caught.value.message.startswith(f"Could not connect to {url}/chat/completions: the connection was refused")


def _unknown_host(request: httpx.Request) -> httpx.Response:
    # What httpx raises when the name does not resolve; simulated, so the test needs no DNS.
    try:
        raise socket.gaierror(-2, "Name or service not known")
    except socket.gaierror as error:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from error


def test_a_host_that_does_not_resolve_is_named() -> None:
    generator = AIMLAPIChatGenerator(
        api_base_url="https://api.aimlapi.cmo/v1",
        max_retries=0,
        http_client_kwargs={"transport": httpx.MockTransport(_unknown_host)},
    )
    with pytest.raises(openai.APIConnectionError) as caught:
        generator.run(HI)

    assert type(caught.value) is openai.APIConnectionError
    assert caught.value.message.startswith(
        "Could not connect to https://api.aimlapi.cmo/v1/chat/completions: the host name 'api.aimlapi.cmo' could not "
        "be resolved (a typo, or no network or DNS). Check api_base_url (or AIMLAPI_BASE_URL)"
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[Errno -2] Name or service not known", "unknown host"),
        ("[Errno 8] nodename nor servname provided, or not known", "unknown host"),
        ("[Errno 11001] getaddrinfo failed", "unknown host"),
        ("[Errno 111] Connection refused", "refused"),
        ("[WinError 10061] No connection could be made because the target machine actively refused it", "refused"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "other"),
    ],
)
def test_failure_kinds_from_the_words_alone(text: str, kind: str) -> None:
    # A proxy or transport may raise without the OSError underneath; the words still tell.
    assert connection_failure_kind(openai.APIConnectionError(request=httpx.Request("GET", "http://h/"))) == "other"
    error = httpx.ConnectError(text)
    assert connection_failure_kind(error) == kind


def test_credentials_in_the_url_are_never_in_the_message() -> None:
    url = closed_port_url().replace("http://", "http://someone:pa55word-secret@")
    with pytest.raises(openai.APIConnectionError) as caught:
        AIMLAPIChatGenerator(api_base_url=url, max_retries=0).run(HI)
    assert "pa55word-secret" not in str(caught.value)
    assert "someone" not in str(caught.value)
    assert "http://***@127.0.0.1:" in str(caught.value)


@pytest.fixture
def silent_server() -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        listener.close()


def test_a_timeout_names_the_url_and_the_setting(silent_server: str) -> None:
    with pytest.raises(openai.APITimeoutError) as caught:
        AIMLAPIChatGenerator(api_base_url=silent_server, max_retries=0, timeout=0.3).run(HI)

    assert type(caught.value) is openai.APITimeoutError
    assert caught.value.message == (
        f"No answer from {silent_server}/chat/completions within 0.3 s. Raise timeout (or AIMLAPI_TIMEOUT) for slow "
        "models, or check that the server is up."
    )


def test_a_404_on_a_base_url_without_v1_suggests_adding_it(fake_api: FakeAIMLAPI) -> None:
    root = f"http://127.0.0.1:{fake_api.port}"
    with pytest.raises(openai.NotFoundError) as caught:
        AIMLAPIChatGenerator(api_base_url=root, max_retries=0).run(HI)

    error = caught.value
    assert error.status_code == 404
    assert error.message == (
        f"Error code: 404 - Cannot POST /chat/completions. The base URL {root} has no version in its path, and "
        f"AI/ML API's endpoints are under /v1: try {root}/v1 as the base URL (api_base_url or AIMLAPI_BASE_URL)."
    )
    assert fake_api.requests[0].path == "/chat/completions"


async def test_a_404_without_v1_async(fake_api: FakeAIMLAPI) -> None:
    root = f"http://127.0.0.1:{fake_api.port}/"
    with pytest.raises(openai.NotFoundError, match=r"try http://127\.0\.0\.1:\d+/v1 as the base URL"):
        await AIMLAPIChatGenerator(api_base_url=root, max_retries=0).run_async(HI)


def test_a_404_on_a_versioned_base_url_gets_no_hint(fake_api: FakeAIMLAPI) -> None:
    fake_api.answer(
        "POST", "/v1/chat/completions", 404, fixture_json("error_400_validation.json") | {"statusCode": 404}
    )
    with pytest.raises(openai.NotFoundError) as caught:
        AIMLAPIChatGenerator(api_base_url=fake_api.url, max_retries=0).run(HI)
    assert "no version in its path" not in caught.value.message
    # It names the request instead, so that a server that serves chat but not (say) OCR says which call it lacked.
    assert caught.value.message.endswith(f"The request was POST {fake_api.url}/chat/completions.")


def test_a_404_names_the_endpoint_without_credentials_or_query(fake_api: FakeAIMLAPI) -> None:
    with_password = fake_api.url.replace("http://", "http://user:hunter2@")
    client = AIMLAPIChatGenerator(api_base_url=fake_api.url, max_retries=0)
    client.warm_up()
    assert client.client is not None
    with pytest.raises(openai.NotFoundError) as caught:
        client.client.get(f"{with_password}/nowhere?key=hunter2", cast_to=httpx.Response)
    assert caught.value.message.endswith(f"The request was GET http://***@127.0.0.1:{fake_api.port}/v1/nowhere.")
    assert "hunter2" not in caught.value.message


@pytest.mark.parametrize(
    ("base_url", "hinted"),
    [
        ("https://api.aimlapi.com", True),
        ("https://api.aimlapi.com/", True),
        ("http://proxy.local/aimlapi", True),
        ("https://api.aimlapi.com/v1", False),
        ("http://proxy.local/api/v2/", False),
        ("http://proxy.local/v1/openai", False),
    ],
)
def test_not_found_hint(base_url: str, hinted: bool) -> None:
    assert (not_found_hint(base_url) is not None) is hinted


def test_a_malformed_url_with_a_password_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="has a port that is not a number") as caught:
        AIMLAPIChatGenerator(api_base_url="http://someone:pa55word-secret@127.0.0.1:abc/v1").warm_up()
    assert "pa55word-secret" not in str(caught.value)
    assert "'http://***@127.0.0.1:abc/v1'" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://u:p@host/v1", "http://***@host/v1"),
        ("https://user@host:8080/v1?x=@y", "https://***@host:8080/v1?x=@y"),
        ("http://a:b@c@host/v1", "http://***@host/v1"),
        ("https://api.aimlapi.com/v1", "https://api.aimlapi.com/v1"),
        ("host/v1/a@b", "host/v1/a@b"),
        ("u:p@host", "***@host"),
    ],
)
def test_redact_url_userinfo(url: str, shown: str) -> None:
    assert redact_url_userinfo(url) == shown
