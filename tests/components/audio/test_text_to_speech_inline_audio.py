# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""AIMLAPITextToSpeech with audio inline in its answer: decoded without a download, or an audio error."""

import base64

import httpx
import pytest

from haystack_integrations.common.aimlapi.images import ImageResponseError
from haystack_integrations.common.aimlapi.media import MediaResponseError
from tests.components.audio.test_text_to_speech import WAV, TtsAPI, tts


def data_url_answer(url: str) -> httpx.Response:
    return httpx.Response(200, json={"audio": {"url": url}, "meta": {"usage": {"credits_used": 10}}})


MALFORMED = [
    pytest.param("data:audio/wav;base64;no-comma", "in a malformed data: URL", id="no-comma"),
    pytest.param("data:audio/wav;base64,%%%not-base64%%%", "that is not valid base64", id="not-base64"),
]


@pytest.mark.parametrize(("url", "reason"), MALFORMED)
def test_a_malformed_data_url_is_an_audio_error_not_an_image_one(url: str, reason: str) -> None:
    api = TtsAPI(data_url_answer(url))
    with pytest.raises(MediaResponseError) as raised:
        tts(api).run("Hi.")
    assert not isinstance(raised.value, ImageResponseError)
    assert str(raised.value).startswith("The response carried audio ") and reason in str(raised.value)
    assert "image" not in str(raised.value)
    assert len(api.requests) == 1  # nothing was downloaded


@pytest.mark.parametrize(("url", "reason"), MALFORMED)
async def test_run_async_raises_the_same_audio_error(url: str, reason: str) -> None:
    api = TtsAPI(data_url_answer(url))
    with pytest.raises(MediaResponseError, match=f"^The response carried audio .*{reason}"):
        await tts(api).run_async("Hi.")
    assert len(api.requests) == 1


def test_a_data_url_with_an_upper_case_scheme_is_decoded_not_downloaded() -> None:
    encoded = base64.b64encode(WAV).decode()
    api = TtsAPI(data_url_answer(f"DATA:audio/wav;base64,{encoded}"))
    result = tts(api).run("Hi.")
    assert result["audio"].data == WAV and result["audio"].mime_type == "audio/wav"
    assert result["meta"]["audio_url"] is None and result["meta"]["cost"]["credits_used"] == 10
    assert len(api.requests) == 1
