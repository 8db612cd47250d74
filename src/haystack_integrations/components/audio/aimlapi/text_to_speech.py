# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

import contextlib
import weakref
from collections.abc import Mapping
from typing import Any

import httpx
from haystack import component, default_from_dict, default_to_dict
from haystack.dataclasses import ByteStream
from haystack.utils import Secret, deserialize_secrets_inplace
from haystack.utils.http_client import init_http_client

from haystack_integrations.common.aimlapi import AIMLAPIClientsMixin, check_api_key, default_api_key
from haystack_integrations.common.aimlapi.clients import AIMLAPIClient, AsyncAIMLAPIClient
from haystack_integrations.common.aimlapi.cost import COST_META_KEY, cost_from_headers, usage_with_cost
from haystack_integrations.common.aimlapi.downloads import download, download_async
from haystack_integrations.common.aimlapi.inline_data import decode_data_url, is_data_url
from haystack_integrations.common.aimlapi.media import (
    AudioDownloadError,
    MediaResponseError,
    audio_download_mime_type,
    audio_mime_type,
    response_json,
)
from haystack_integrations.common.aimlapi.text_to_speech import (
    DEFAULT_TTS_MODEL,
    TTS_FAMILIES,
    TTS_PATH,
    SpeechAnswer,
    TtsFamily,
    check_tts_request,
    expected_mime_type,
    infer_tts_family,
    read_speech_answer,
    set_path,
)

DEFAULT_DOWNLOAD_TIMEOUT = 60.0
DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024


def _is_json(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "").lower()
    if "json" in content_type:
        return True
    # A server that labels JSON as text or sends no type at all: audio never starts with `{`.
    return not content_type.startswith("audio/") and response.content.lstrip()[:1] == b"{"


@component
class AIMLAPITextToSpeech(AIMLAPIClientsMixin):
    """
    Speaks text aloud with AI/ML API's text-to-speech models (OpenAI, Deepgram Aura, ElevenLabs, MiniMax, Qwen, Hume
    and more), returning the audio as a `ByteStream`.

    Usage example:
    <!-- not-run: llmock serves no speech endpoint; tests/test_docstring_examples.py runs it on loopback -->
    ```python
    from haystack_integrations.components.audio.aimlapi import AIMLAPITextToSpeech

    tts = AIMLAPITextToSpeech(model="openai/tts-1", voice="nova")  # reads AIMLAPI_API_KEY
    result = tts.run("Your order has shipped.", generation_kwargs={"response_format": "wav"})
    result["audio"].to_file("answer.wav")
    print(result["audio"].mime_type, result["meta"]["cost"])  # audio/wav {'credits_used': ..., 'usd_spent': ...}
    ```

    Each model family names its settings its own way; pass them in `generation_kwargs` as the family spells them
    (`response_format`/`speed` for OpenAI, `container`/`encoding`/`sample_rate` for Deepgram, `output_format`/
    `voice_settings` for ElevenLabs, `voice_setting`/`audio_setting` for MiniMax). `voice` is put where the family
    expects it (MiniMax: `voice_setting.voice_id`), and OpenAI voices and formats are checked before sending.

    AI/ML API answers either with the audio bytes or with JSON that holds an audio URL; the URL is downloaded
    without the API key, with a size cap, a timeout and retries, and kept in `meta["audio_url"]` (it may be a signed
    link that expires). The MIME type is read from the audio's bytes, else the server's `Content-Type`, else the
    format asked for.

    Text longer than the family's documented limit (OpenAI 4,096 characters, MiniMax 5,000, Qwen 600) is refused
    with a `ValueError` before any request: joined pieces of separately generated audio are not valid files in
    every container. Split long text at sentence boundaries and call the component per part.
    """

    def __init__(
        self,
        *,
        api_key: Secret = default_api_key(),  # noqa: B008
        model: str = DEFAULT_TTS_MODEL,
        voice: str | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        download_timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        api_base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        extra_headers: dict[str, Any] | None = None,
        http_client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """
        Creates the component.

        :param api_key: The AI/ML API key; by default the `AIMLAPI_API_KEY` environment variable.
        :param model: A text-to-speech model id, e.g. `openai/tts-1`, `openai/gpt-4o-mini-tts`, `#g1_aura-2-thalia-en`,
            `elevenlabs/eleven_multilingual_v2`, `minimax/speech-2.8-hd`, `alibaba/qwen3-tts-flash`.
        :param voice: The voice; each call may choose another. `None` leaves it to the model's default.
        :param generation_kwargs: Further request fields, as the model's family names them.
        :param download_timeout: Seconds the download of an audio URL may take.
        :param max_download_bytes: The largest audio file downloaded.
        :param api_base_url: The API's base URL; by default `AIMLAPI_BASE_URL`, else `https://api.aimlapi.com/v1`.
        :param timeout: Seconds the request may take; by default `AIMLAPI_TIMEOUT`, else 30.
        :param max_retries: Retries of a failed request and download; by default `AIMLAPI_MAX_RETRIES`, else 5.
        :param extra_headers: Headers sent with every request to the API (never with downloads).
        :param http_client_kwargs: Keyword arguments for the `httpx.Client` / `httpx.AsyncClient`.
        """
        check_api_key(api_key)
        if not isinstance(model, str) or not model.strip():
            raise ValueError("model must be a text-to-speech model id such as 'openai/tts-1'.")
        _check_kwargs(generation_kwargs)
        _check_voice(voice)
        for name, value in (("download_timeout", download_timeout), ("max_download_bytes", max_download_bytes)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}.")
        self.api_key = api_key
        self.model = model
        self.voice = voice
        self.generation_kwargs = generation_kwargs
        self.download_timeout = download_timeout
        self.max_download_bytes = max_download_bytes
        self._store_connection_settings(
            api_base_url=api_base_url,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            http_client_kwargs=http_client_kwargs,
        )
        # The httpx client under each `openai` client this component built; downloads go through it (same pool,
        # proxies, test transport) but without the key, which the `openai` client adds per request.
        self._download_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        # A voice or format the family does not take fails here already.
        check_tts_request(self.family, "text", self._fields("text", None, None))

    _transient_attributes = (*AIMLAPIClientsMixin._transient_attributes, "_download_clients")

    def __setstate__(self, state: dict[str, Any]) -> None:
        AIMLAPIClientsMixin.__setstate__(self, state)
        self._download_clients = weakref.WeakKeyDictionary()

    @property
    def family(self) -> TtsFamily:
        """The model family whose request conventions this component follows."""
        return infer_tts_family(self.model)

    def _make_client(self, options: Mapping[str, Any]) -> AIMLAPIClient:
        http_client = init_http_client(self.http_client_kwargs, async_client=False) or httpx.Client()
        client = AIMLAPIClient(http_client=http_client, **options)  # type: ignore[arg-type]
        self._download_clients[client] = http_client
        return client

    def _make_async_client(self, options: Mapping[str, Any]) -> AsyncAIMLAPIClient:
        http_client = init_http_client(self.http_client_kwargs, async_client=True) or httpx.AsyncClient()
        client = AsyncAIMLAPIClient(http_client=http_client, **options)  # type: ignore[arg-type]
        self._download_clients[client] = http_client
        return client

    def to_dict(self) -> dict[str, Any]:
        """
        Serializes the component. The key is stored as a reference to its environment variable, never its value.

        :returns: The component as a dictionary.
        """
        return default_to_dict(
            self,
            api_key=self.api_key.to_dict(),
            model=self.model,
            voice=self.voice,
            generation_kwargs=self.generation_kwargs,
            download_timeout=self.download_timeout,
            max_download_bytes=self.max_download_bytes,
            **self._connection_init_parameters(),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AIMLAPITextToSpeech":
        """
        Deserializes the component.

        :param data: The dictionary `to_dict` produced.
        :returns: The component.
        """
        deserialize_secrets_inplace(data["init_parameters"], keys=["api_key"])
        return default_from_dict(cls, data)

    # --- requests and answers ----------------------------------------------------------------------------------

    def _fields(self, text: str, voice: str | None, generation_kwargs: dict[str, Any] | None) -> dict[str, Any]:
        spec = TTS_FAMILIES[self.family]
        fields: dict[str, Any] = {"model": self.model, spec.text_key: text}
        for kwargs in (self.generation_kwargs, generation_kwargs):
            for key, value in (kwargs or {}).items():
                # Nested settings (MiniMax's voice_setting) merge key by key, so a call can change one of them.
                if isinstance(value, Mapping) and isinstance(fields.get(key), Mapping):
                    fields[key] = {**fields[key], **value}
                else:
                    fields[key] = value
        chosen_voice = voice if voice is not None else self.voice
        if chosen_voice is not None:
            set_path(fields, spec.voice_path, chosen_voice)
        return fields

    def _prepare(self, text: object, voice: object, generation_kwargs: object) -> dict[str, Any]:
        _check_voice(voice)
        _check_kwargs(generation_kwargs)
        fields = self._fields(text if isinstance(text, str) else "", voice, generation_kwargs)  # type: ignore[arg-type]
        check_tts_request(self.family, text, fields)
        return fields

    def _meta(self, response: httpx.Response, answer: SpeechAnswer | None, mime_type: str, size: int) -> dict[str, Any]:
        cost = (answer.cost if answer else None) or cost_from_headers(response.headers)
        meta: dict[str, Any] = {"model": self.model, "family": self.family, "mime_type": mime_type, "size": size}
        if answer is not None:
            meta["audio_url"] = None if is_data_url(answer.url) else answer.url
            meta.update(answer.extra or {})
        usage = usage_with_cost(answer.usage if answer else None, cost)
        if usage is not None:
            meta["usage"] = usage
        meta[COST_META_KEY] = cost
        return meta

    def _bytes_answer(self, response: httpx.Response, fields: Mapping[str, Any]) -> dict[str, Any]:
        data = response.content
        if not data:
            raise MediaResponseError("The text-to-speech answer is empty: no audio and no JSON.")
        mime_type = audio_mime_type(data, response.headers.get("content-type"), expected_mime_type(self.family, fields))
        return {
            "audio": ByteStream(data=data, mime_type=mime_type),
            "meta": self._meta(response, None, mime_type, len(data)),
        }

    def _finish(
        self,
        response: httpx.Response,
        answer: SpeechAnswer,
        data: bytes,
        declared: str | None,
        fields: Mapping[str, Any],
    ) -> dict[str, Any]:
        if not data:
            raise MediaResponseError(f"The audio at {answer.url} is empty.")
        mime_type = audio_mime_type(data, declared, expected_mime_type(self.family, fields))
        meta = self._meta(response, answer, mime_type, len(data))
        return {"audio": ByteStream(data=data, mime_type=mime_type, meta={"url": meta.get("audio_url")}), "meta": meta}

    # `run` and `run_async` differ only in how they send, download and close; what they make of the answers is here.

    def _read_response(self, response: httpx.Response, fields: Mapping[str, Any]) -> dict[str, Any] | SpeechAnswer:
        """
        The result when the response holds the audio itself (raw bytes, or a `data:` URL in the JSON), else the
        JSON answer whose audio URL is still to be downloaded.
        """
        if not _is_json(response):
            return self._bytes_answer(response, fields)
        answer = read_speech_answer(response_json(response, "text-to-speech"))
        if is_data_url(answer.url):
            data, declared = decode_data_url(answer.url, MediaResponseError, "audio")
            return self._finish(response, answer, data, declared, fields)
        return answer

    def _download_settings(self, client: Any) -> dict[str, Any]:
        """The keyword arguments of `download` / `download_async` for the audio URL of an answer `client` got."""
        return {
            "timeout": self.download_timeout,
            "max_bytes": self.max_download_bytes,
            "max_retries": client.max_retries,
            "error_type": AudioDownloadError,
            "what": "audio",
        }

    @component.output_types(audio=ByteStream, meta=dict[str, Any])
    def run(
        self, text: str, voice: str | None = None, generation_kwargs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """
        Speaks `text`.

        :param text: What to say; at most the family's documented length.
        :param voice: The voice for this call; overrides the one given at init.
        :param generation_kwargs: Request fields for this call, merged key by key over those given at init.
        :returns: A dictionary with:
            - `audio`: a `ByteStream` with the audio and its `mime_type` (`audio/mpeg`, `audio/wav`, ...);
            - `meta`: `model`, `family`, `mime_type`, `size` (bytes), `audio_url` (when the answer was a URL),
              `usage` (with the cost as numbers, when stated) and `cost` (`None` for raw-audio answers, which carry
              no cost; AI/ML API's usage logs have it).
        :raises ValueError / TypeError: Bad input, before any request is sent.
        :raises openai.APIStatusError: The API refused the request; the text is AI/ML API's own message.
        :raises MediaResponseError: The answer held neither audio nor an audio URL, or its inline audio (a `data:`
            URL) could not be decoded.
        :raises AudioDownloadError: The audio URL could not be downloaded.
        """
        fields = self._prepare(text, voice, generation_kwargs)
        client = self._client_for_call()
        response = client.post(TTS_PATH, body=fields, cast_to=httpx.Response)
        outcome = self._read_response(response, fields)
        if not isinstance(outcome, SpeechAnswer):
            return outcome
        http_client = self._download_clients.get(client)
        owned = http_client is None
        http_client = http_client or httpx.Client()
        try:
            data, declared = download(http_client, outcome.url, **self._download_settings(client))
        finally:
            if owned:
                http_client.close()
        declared = _downloaded_audio_type(outcome.url, data, declared)
        return self._finish(response, outcome, data, declared, fields)

    @component.output_types(audio=ByteStream, meta=dict[str, Any])
    async def run_async(
        self, text: str, voice: str | None = None, generation_kwargs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """
        Speaks `text` without blocking the event loop.

        :param text: What to say; at most the family's documented length.
        :param voice: The voice for this call; overrides the one given at init.
        :param generation_kwargs: Request fields for this call, merged key by key over those given at init.
        :returns: The same as `run`.
        """
        fields = self._prepare(text, voice, generation_kwargs)
        client = await self._async_client_for_call()
        response = await client.post(TTS_PATH, body=fields, cast_to=httpx.Response)
        outcome = self._read_response(response, fields)
        if not isinstance(outcome, SpeechAnswer):
            return outcome
        http_client = self._download_clients.get(client)
        owned = http_client is None
        http_client = http_client or httpx.AsyncClient()
        try:
            data, declared = await download_async(http_client, outcome.url, **self._download_settings(client))
        finally:
            if owned:
                with contextlib.suppress(Exception):
                    await http_client.aclose()
        declared = _downloaded_audio_type(outcome.url, data, declared)
        return self._finish(response, outcome, data, declared, fields)


def _downloaded_audio_type(url: str, data: bytes, declared: str | None) -> str:
    """The audio MIME type of downloaded bytes; refuses a file that neither its bytes nor its type say is audio."""
    mime_type = audio_download_mime_type(data, declared)
    if mime_type is None:
        raise AudioDownloadError(url, f"the server answered with {declared or 'no content type'}, not audio")
    return mime_type


def _check_voice(voice: object) -> None:
    if voice is not None and (not isinstance(voice, str) or not voice.strip()):
        raise ValueError(f"voice must be a voice name such as 'alloy', or None, got {voice!r}.")


def _check_kwargs(generation_kwargs: object) -> None:
    if generation_kwargs is not None and not isinstance(generation_kwargs, dict):
        raise TypeError(
            f"generation_kwargs must be a dict of request fields, e.g. {{'response_format': 'wav'}}, "
            f"got {type(generation_kwargs).__name__}."
        )
    if generation_kwargs and ("text" in generation_kwargs or "script" in generation_kwargs):
        raise ValueError("generation_kwargs must not set 'text' or 'script': pass the words as the text input.")
