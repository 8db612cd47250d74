# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Image downloads from hosts that misbehave (a hand-written server on 127.0.0.1) and addresses that cannot be
fetched: every case ends in `ImageDownloadError` naming the URL, sync and async alike.
"""

import asyncio
import threading
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from haystack_integrations.common.aimlapi.downloads import DownloadError, download
from haystack_integrations.common.aimlapi.images import download_image, download_image_async
from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator, ImageDownloadError

from .helpers import RED_PNG
from .hostile_server import HostileServer


@pytest.fixture
def server() -> Iterator[HostileServer]:
    hostile = HostileServer()
    yield hostile
    hostile.close()


def fetch(url: str, *, use_async: bool, timeout: float = 5.0) -> tuple[bytes, str]:
    if use_async:

        async def go() -> tuple[bytes, str]:
            async with httpx.AsyncClient() as client:
                return await download_image_async(client, url, timeout=timeout, max_bytes=10_000)

        return asyncio.run(go())
    with httpx.Client() as client:
        return download_image(client, url, timeout=timeout, max_bytes=10_000)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_prompt_host_is_fetched(server: HostileServer, use_async: bool) -> None:
    assert fetch(server.url("/red.png"), use_async=use_async) == (RED_PNG, "image/png")


# --- download_timeout bounds the whole attempt ---------------------------------------------------------------------


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("path", ["/trickle-headers", "/trickle-body"])
def test_a_trickling_host_runs_out_of_download_timeout(server: HostileServer, path: str, use_async: bool) -> None:
    """Every byte arrives well within a read timeout; only a bound on the whole attempt stops the trickle."""
    url = server.url(path)
    with pytest.raises(ImageDownloadError, match=r"did not arrive within download_timeout=0\.5 s") as raised:
        fetch(url, use_async=use_async, timeout=0.5)
    assert raised.value.url == url
    assert url in str(raised.value)


def test_the_generator_stops_a_host_trickling_headers(server: HostileServer) -> None:
    server.image_url = server.url("/trickle-headers")
    generator = AIMLAPIImageGenerator(model="dall-e-3", api_base_url=f"{server.base}/v1", download_timeout=0.5)
    with pytest.raises(ImageDownloadError, match="trickle-headers: it did not arrive within download_timeout"):
        generator.run("x")
    assert server.paths[:2] == ["/v1/images/generations", "/trickle-headers"]


async def test_run_async_stops_a_host_trickling_headers(server: HostileServer) -> None:
    server.image_url = server.url("/trickle-headers")
    generator = AIMLAPIImageGenerator(model="dall-e-3", api_base_url=f"{server.base}/v1", download_timeout=0.5)
    with pytest.raises(ImageDownloadError, match="trickle-headers: it did not arrive within download_timeout"):
        await generator.run_async("x")


def test_the_generator_downloads_from_a_prompt_host(server: HostileServer) -> None:
    generator = AIMLAPIImageGenerator(model="dall-e-3", api_base_url=f"{server.base}/v1")
    (image,) = generator.run("x")["images"]
    assert image.mime_type == "image/png"
    assert image.meta["url"] == server.image_url


# --- addresses that cannot be fetched --------------------------------------------------------------------------------

BAD_URLS = [
    pytest.param("http://exa mple.com/a.png", "is not a valid host name", id="space-in-host"),
    pytest.param("http://a..b/a.png", "is not a valid host name", id="empty-label"),
    pytest.param("http://-bad-.example/a.png", "is not a valid host name", id="hyphen-label"),
    pytest.param("http://" + "a" * 64 + ".example/a.png", "is not a valid host name", id="label-too-long"),
    pytest.param("http://xn--/a.png", "is not a valid host name", id="bad-punycode"),
    pytest.param("http://\u2603\u2603.example:80/a.png", "not a valid URL", id="bad-idna"),
    pytest.param("http://[::1/a.png", "not a valid URL", id="broken-ipv6"),
    pytest.param("http://127.0.0.1:99999/a.png", "not a valid URL", id="port-out-of-range"),
    pytest.param("http://127.0.0.1:-1/a.png", "not a valid URL", id="negative-port"),
    pytest.param("http://127.0.0.1:http/a.png", "not a valid URL", id="port-not-a-number"),
    pytest.param("http://127.0.0.1/a\x00.png", "not a valid URL", id="nul"),
    pytest.param("http://127.0.0.1/a\n.png", "not a valid URL", id="newline"),
    pytest.param("http:///a.png", "not an absolute http", id="no-host"),
    pytest.param("http://user@/a.png", "not an absolute http", id="userinfo-no-host"),
    pytest.param("ftp://127.0.0.1/a.png", "not an absolute http", id="ftp"),
    pytest.param("file:///etc/passwd", "not an absolute http", id="file"),
    pytest.param("javascript:alert(1)", "not an absolute http", id="javascript"),
    pytest.param("//127.0.0.1/a.png", "not an absolute http", id="scheme-relative"),
    pytest.param("a.png", "not an absolute http", id="relative"),
]


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("url", "reason"), BAD_URLS)
def test_an_address_that_cannot_be_fetched_names_the_url(url: str, reason: str, use_async: bool) -> None:
    with pytest.raises(ImageDownloadError, match=reason) as raised:
        fetch(url, use_async=use_async)
    assert raised.value.url == url


BAD_REDIRECTS = [
    pytest.param("ftp://127.0.0.1/a.png", "not an absolute http", id="to-ftp"),
    pytest.param("file:///etc/passwd", "not an absolute http", id="to-file"),
    pytest.param("http://127.0.0.1:99999/a.png", "not a valid URL", id="to-port-out-of-range"),
    pytest.param("http://exa mple.com/a.png", "not a valid", id="to-space-in-host"),
    pytest.param("http://[::1/a.png", "Invalid URL in location header|not a valid URL", id="to-broken-ipv6"),
    pytest.param("http://a..b/a.png", "is not a valid host name", id="to-empty-label"),
]


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(("location", "reason"), BAD_REDIRECTS)
def test_a_redirect_to_an_address_that_cannot_be_fetched_names_the_url(
    server: HostileServer, location: str, reason: str, use_async: bool
) -> None:
    url = server.url(f"/redirect?to={quote(location, safe='')}")
    with pytest.raises(ImageDownloadError, match=reason) as raised:
        fetch(url, use_async=use_async)
    assert raised.value.url == url


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_redirects_are_followed_to_the_image(server: HostileServer, use_async: bool) -> None:
    hop = server.url(f"/redirect?to={quote(server.url('/red.png'), safe='')}")
    url = server.url(f"/redirect?to={quote(hop, safe='')}")
    assert fetch(url, use_async=use_async) == (RED_PNG, "image/png")


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_redirect_loop_ends(server: HostileServer, use_async: bool) -> None:
    url = server.url("/loop")
    with pytest.raises(ImageDownloadError, match="it redirects more than 20 times"):
        fetch(url, use_async=use_async)
    assert server.paths.count("/loop") == 21


def test_the_generic_download_raises_download_error() -> None:
    with pytest.raises(DownloadError, match=r"Could not download ftp://h/x: it is not an absolute http\(s\) URL"):
        download(httpx.Client(), "ftp://h/x", timeout=1, max_bytes=10)


# --- one download client per event loop ------------------------------------------------------------------------------


def test_run_async_from_two_threads_with_their_own_loops(server: HostileServer) -> None:
    generator = AIMLAPIImageGenerator(model="dall-e-3", api_base_url=f"{server.base}/v1", max_retries=0)
    failures: list[BaseException] = []
    results: list[bytes] = []

    def worker() -> None:
        async def calls() -> None:
            for _ in range(5):
                result = await generator.run_async("x")
                results.append(result["images"][0].base64_image.encode())

        try:
            for _ in range(2):  # a fresh loop each time: the previous loop's clients must not be reused
                asyncio.run(calls())
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(results) == 20


async def test_the_download_client_is_the_one_paired_with_the_calls_client(server: HostileServer) -> None:
    """Another loop building its clients mid-call replaces the shared attributes; this call keeps its own pair."""
    generator = AIMLAPIImageGenerator(model="dall-e-3", api_base_url=f"{server.base}/v1", max_retries=0)
    original = generator._async_client_for_call

    class Unusable(httpx.AsyncClient):
        async def send(self, *args: object, **kwargs: object) -> httpx.Response:
            raise AssertionError("a download went through another loop's client")

    async def then_another_loop_builds_its_clients() -> object:
        client = await original()
        generator._async_http_client = Unusable()
        return client

    generator._async_client_for_call = then_another_loop_builds_its_clients  # type: ignore[method-assign]
    (image,) = (await generator.run_async("x"))["images"]
    assert image.mime_type == "image/png"
