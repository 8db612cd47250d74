# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""common/aimlapi/inline_data.py: base64 and `data:` URLs decode to bytes, or raise the caller's own error."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haystack_integrations.common.aimlapi.inline_data import decode_base64, decode_data_url, is_data_url
from tests.fuzzing import fuzz_settings

PAYLOAD = bytes(range(256))


class PayloadError(Exception):
    """Stands for a caller's error family, to show the decoding raises what it is given and nothing else."""


@pytest.mark.parametrize(
    "text",
    [
        base64.b64encode(PAYLOAD).decode(),
        base64.urlsafe_b64encode(PAYLOAD).decode(),
        base64.b64encode(PAYLOAD).decode().rstrip("="),
        "\n".join(base64.encodebytes(PAYLOAD).decode().split()),
    ],
    ids=["standard", "url-safe", "unpadded", "line-broken"],
)
def test_the_forms_upstreams_send_decode_to_the_same_bytes(text: str) -> None:
    assert decode_base64(text, PayloadError, "audio") == PAYLOAD


def test_text_that_is_not_base64_raises_the_callers_error_naming_what_was_expected() -> None:
    with pytest.raises(PayloadError, match=r"^The response carried audio that is not valid base64 \('@@") as raised:
        decode_base64("@@" + "A" * 100, PayloadError, "audio")
    assert "…" in str(raised.value) and "A" * 50 not in str(raised.value)


def test_a_data_url_gives_its_bytes_and_declared_type() -> None:
    encoded = base64.b64encode(PAYLOAD).decode()
    assert decode_data_url(f"data:audio/wav;base64,{encoded}", PayloadError, "audio") == (PAYLOAD, "audio/wav")
    assert decode_data_url(f"DATA:audio/wav;BASE64,{encoded}", PayloadError, "audio") == (PAYLOAD, "audio/wav")
    assert decode_data_url("data:,a%20b", PayloadError, "audio") == (b"a b", None)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("data:audio/wav;base64", r"carried an image in a malformed data: URL \('data:audio/wav;base64'\)"),
        ("https://example.com/a.png,x", r"carried an image in a malformed data: URL"),
        ("data:image/png;base64,***", r"carried an image that is not valid base64 \('\*\*\*'\)"),
    ],
)
def test_a_malformed_data_url_raises_the_callers_error(url: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        decode_data_url(url, PayloadError, "an image")


def test_is_data_url_ignores_the_case_of_the_scheme() -> None:
    assert is_data_url("data:,x") and is_data_url("Data:,x")
    assert not is_data_url("https://example.com/data:,x") and not is_data_url("dat")


@pytest.mark.fuzz
@fuzz_settings(150)
@given(st.text(max_size=80) | st.builds(lambda body: "data:" + body, st.text(max_size=60)))
def test_any_text_decodes_or_raises_only_the_callers_error(text: str) -> None:
    try:
        data, mime_type = decode_data_url(text, PayloadError, "audio")
    except PayloadError:
        return
    assert isinstance(data, bytes) and (mime_type is None or isinstance(mime_type, str))
