# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from haystack import Document, component, default_from_dict, default_to_dict, logging
from haystack.dataclasses import ByteStream
from haystack.utils import Secret, deserialize_secrets_inplace
from openai import APIStatusError

from haystack_integrations.common.aimlapi import AIMLAPIClientsMixin, check_api_key, default_api_key
from haystack_integrations.common.aimlapi.cost import COST_META_KEY, cost_from_body, cost_from_headers, usage_with_cost
from haystack_integrations.common.aimlapi.jobs import (
    DEFAULT_JOB_TIMEOUT_SECONDS,
    DEFAULT_MAX_POLL_RETRIES,
    JobResult,
    check_job_settings,
    run_job,
    run_job_async,
    submit_safely,
    submit_safely_async,
)
from haystack_integrations.common.aimlapi.media import (
    MediaSource,
    check_meta,
    check_positive_int,
    check_sources,
    failed_source,
    gather_in_order,
    map_in_order,
    read_source,
    response_json,
)
from haystack_integrations.common.aimlapi.speech_to_text import (
    ALTERNATE_UPLOAD_FIELD,
    DEFAULT_STT_MODEL,
    STT_CREATE_PATH,
    STT_FAMILIES,
    SttFamily,
    Transcript,
    infer_stt_family,
    read_transcript,
    stt_poll_path,
)

logger = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 2.0
_LABEL = "transcription"
# Polls are retried by the job loop, which knows the job's deadline, not by the client.
_POLL_OPTIONS: dict[str, Any] = {"cast_to": httpx.Response, "options": {"max_retries": 0}}


@dataclass(frozen=True)
class _Request:
    """One submit request, ready to send: JSON for a URL, multipart for bytes."""

    json_body: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    upload: tuple[str, bytes, str] | None = None  # file name, bytes, MIME type
    upload_field: str = "audio"


def _form_value(value: Any) -> str:
    """A request field as a multipart form value: booleans as `true`/`false`, structures as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


@component
class AIMLAPITranscriber(AIMLAPIClientsMixin):
    """
    Transcribes recordings into Documents with AI/ML API's speech-to-text models (Deepgram, Whisper, OpenAI,
    AssemblyAI, Microsoft).

    Usage example:
    ```python
    from haystack_integrations.components.audio.aimlapi import AIMLAPITranscriber

    transcriber = AIMLAPITranscriber(model="#g1_nova-2-general")  # reads AIMLAPI_API_KEY
    result = transcriber.run(sources=["meeting.wav", "https://example.com/interview.mp3"])
    for document in result["documents"]:
        print(document.meta["generation_id"], document.content[:80])
    ```

    Each source is submitted once to `POST /v1/stt/create` (a URL as JSON, for the server to fetch; a file or
    `ByteStream` as a multipart upload), then polled at `GET /v1/stt/{generation_id}` every `poll_interval` seconds
    until it completes, fails, or `job_timeout` runs out. Transient poll failures are retried; a job that ends in
    `error` or runs out of time is reported with its generation id, so its result can be fetched later (AI/ML API
    keeps transcripts for an hour).

    Every documented result shape is read: plain `text` (OpenAI, Microsoft, AssemblyAI) and Deepgram/Whisper's
    `results.channels[].alternatives[]`. Word timings (in seconds) and speaker labels go into `meta["words"]` and
    `meta["speakers"]` when the model returns them.
    """

    def __init__(
        self,
        *,
        api_key: Secret = default_api_key(),  # noqa: B008
        model: str = DEFAULT_STT_MODEL,
        language: str | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        job_timeout: float = DEFAULT_JOB_TIMEOUT_SECONDS,
        max_poll_retries: int = DEFAULT_MAX_POLL_RETRIES,
        max_concurrency: int = 4,
        raise_on_failure: bool = False,
        api_base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        extra_headers: dict[str, Any] | None = None,
        http_client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """
        Creates the transcriber.

        :param api_key: The AI/ML API key; by default the `AIMLAPI_API_KEY` environment variable.
        :param model: A speech-to-text model id, e.g. `#g1_nova-2-general`, `#g1_whisper-large`,
            `openai/gpt-4o-transcribe`, `aai/universal`, `microsoft/mai-transcribe-1.5`.
        :param language: The spoken language (`en`, `de`, ...), sent under the name the model's family uses
            (`language`, or `language_code` for AssemblyAI). `None` lets the model decide.
        :param generation_kwargs: Further request fields for the model, e.g. `{"diarize": True, "smart_format": True}`
            (Deepgram), `{"speaker_labels": True}` (AssemblyAI), `{"prompt": "...", "temperature": 0}` (OpenAI).
        :param poll_interval: Seconds between two polls of a job.
        :param job_timeout: Seconds one source may take, from submitting to the result.
        :param max_poll_retries: Transient poll failures (dropped connections, 5xx, 429) tolerated in a row.
        :param max_concurrency: How many sources are transcribed at the same time.
        :param raise_on_failure: Raise the first failure instead of listing failed sources in
            `meta["failed_sources"]`.
        :param api_base_url: The API's base URL; by default `AIMLAPI_BASE_URL`, else `https://api.aimlapi.com/v1`.
        :param timeout: Seconds each HTTP request may take; by default `AIMLAPI_TIMEOUT`, else 30.
        :param max_retries: Retries of a failed request: polls, and submits that certainly did not reach the server
            (a 429, a refused connection). A submit is never resent after the server may have received it.
        :param extra_headers: Headers sent with every request.
        :param http_client_kwargs: Keyword arguments for the `httpx.Client` / `httpx.AsyncClient` (proxies, a test's
            `transport`).
        """
        check_api_key(api_key)
        if not isinstance(model, str) or not model.strip():
            raise ValueError("model must be a speech-to-text model id such as '#g1_nova-2-general'.")
        if language is not None and (not isinstance(language, str) or not language.strip()):
            raise ValueError(f"language must be a language code such as 'en', or None, got {language!r}.")
        _check_kwargs(generation_kwargs)
        check_job_settings(poll_interval, job_timeout, max_poll_retries)
        check_positive_int("max_concurrency", max_concurrency)
        self.api_key = api_key
        self.model = model
        self.language = language
        self.generation_kwargs = generation_kwargs
        self.poll_interval = poll_interval
        self.job_timeout = job_timeout
        self.max_poll_retries = max_poll_retries
        self.max_concurrency = max_concurrency
        self.raise_on_failure = raise_on_failure
        self._store_connection_settings(
            api_base_url=api_base_url,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            http_client_kwargs=http_client_kwargs,
        )

    @property
    def family(self) -> SttFamily:
        """The model family whose request conventions this transcriber follows."""
        return infer_stt_family(self.model)

    def to_dict(self) -> dict[str, Any]:
        """
        Serializes the component. The key is stored as a reference to its environment variable, never its value.

        :returns: The component as a dictionary.
        """
        return default_to_dict(
            self,
            api_key=self.api_key.to_dict(),
            model=self.model,
            language=self.language,
            generation_kwargs=self.generation_kwargs,
            poll_interval=self.poll_interval,
            job_timeout=self.job_timeout,
            max_poll_retries=self.max_poll_retries,
            max_concurrency=self.max_concurrency,
            raise_on_failure=self.raise_on_failure,
            **self._connection_init_parameters(),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AIMLAPITranscriber":
        """
        Deserializes the component.

        :param data: The dictionary `to_dict` produced.
        :returns: The component.
        """
        deserialize_secrets_inplace(data["init_parameters"], keys=["api_key"])
        return default_from_dict(cls, data)

    # --- requests ----------------------------------------------------------------------------------------------

    def _fields(self, generation_kwargs: dict[str, Any] | None) -> dict[str, Any]:
        fields: dict[str, Any] = {"model": self.model}
        if self.language:
            fields[STT_FAMILIES[self.family].language_key] = self.language
        fields.update(self.generation_kwargs or {})
        fields.update(generation_kwargs or {})
        return fields

    def _request(self, source: MediaSource, fields: dict[str, Any]) -> _Request:
        if source.url is not None:
            return _Request(json_body={**fields, "url": source.url})
        return _Request(
            form={key: _form_value(value) for key, value in fields.items() if value is not None},
            upload=(source.file_name, source.data or b"", source.mime_type or "application/octet-stream"),
            upload_field=STT_FAMILIES[self.family].upload_field,
        )

    @staticmethod
    def _post_kwargs(request: _Request, upload_field: str) -> dict[str, Any]:
        # No retries by the client: a resent submit could start a second job (see `submit_safely`).
        if request.json_body is not None:
            return {"body": request.json_body, "options": {"max_retries": 0}}
        assert request.upload is not None  # noqa: S101  # a bytes request always has its upload
        return {
            "body": request.form,
            "files": [(upload_field, request.upload)],
            "options": {"headers": {"Content-Type": "multipart/form-data"}, "max_retries": 0},
        }

    @staticmethod
    def _field_was_refused(error: APIStatusError, request: _Request) -> bool:
        # The OpenAI models' specs name the file part `file`, every example and the SDK `audio`. A 400/422 to an
        # upload means the server did not take the job, so the other name can be tried without a second job.
        return request.upload is not None and error.status_code in (400, 422)

    def _submit(self, client: Any, request: _Request) -> dict[str, Any]:
        def send(upload_field: str) -> httpx.Response:
            return submit_safely(
                lambda: client.post(
                    STT_CREATE_PATH, cast_to=httpx.Response, **self._post_kwargs(request, upload_field)
                ),
                max_retries=client.max_retries,
            )

        try:
            response = send(request.upload_field)
        except APIStatusError as error:
            if not self._field_was_refused(error, request):
                raise
            response = send(ALTERNATE_UPLOAD_FIELD[request.upload_field])
        return self._submit_body(response)

    async def _submit_async(self, client: Any, request: _Request) -> dict[str, Any]:
        async def send(upload_field: str) -> httpx.Response:
            return await submit_safely_async(
                lambda: client.post(
                    STT_CREATE_PATH, cast_to=httpx.Response, **self._post_kwargs(request, upload_field)
                ),
                max_retries=client.max_retries,
            )

        try:
            response = await send(request.upload_field)
        except APIStatusError as error:
            if not self._field_was_refused(error, request):
                raise
            response = await send(ALTERNATE_UPLOAD_FIELD[request.upload_field])
        return self._submit_body(response)

    @staticmethod
    def _submit_body(response: httpx.Response) -> dict[str, Any]:
        body = response_json(response, "speech-to-text submit")
        if isinstance(body, dict):
            # Kept with the job so that the cost a header states can be read later; never sent anywhere.
            cost = cost_from_headers(response.headers)
            if cost and "meta" not in body:
                body = {**body, "meta": {"usage": cost}}
        return body

    @staticmethod
    def _poll_body(response: httpx.Response) -> Any:
        try:
            return response_json(response, "speech-to-text poll")
        except Exception:  # a poll answer that is not JSON is retried by the job loop
            return response.text

    def _job_options(self) -> dict[str, Any]:
        return {
            "poll_interval": self.poll_interval,
            "job_timeout": self.job_timeout,
            "max_poll_retries": self.max_poll_retries,
            "label": _LABEL,
        }

    # --- results -----------------------------------------------------------------------------------------------

    def _document(self, source: MediaSource, meta: dict[str, Any], job: JobResult) -> Document:
        transcript = read_transcript(job.body, generation_id=job.job_id)
        cost = transcript.cost or cost_from_body(job.submit_body)
        return Document(
            content=transcript.text, meta={**source.meta, **meta, **self._meta(source, job, transcript, cost)}
        )

    def _meta(
        self, source: MediaSource, job: JobResult, transcript: Transcript, cost: dict[str, Any] | None
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "source": source.label,
            "generation_id": job.job_id,
            "model": self.model,
            "language": transcript.language or self.language,
            "duration": transcript.duration,
        }
        usage = usage_with_cost(transcript.usage, cost)
        if usage is not None:
            meta["usage"] = usage
        if cost is not None:
            meta[COST_META_KEY] = cost
        if transcript.words:
            meta["words"] = transcript.words
        if transcript.speakers:
            meta["speakers"] = transcript.speakers
        if transcript.channels:
            meta["channels"] = transcript.channels
        if transcript.paragraphs:
            meta["paragraphs"] = transcript.paragraphs
        return meta

    def _outcome(
        self, label: str, error: BaseException | None, document: Document | None
    ) -> tuple[Document | None, dict[str, Any] | None]:
        if error is None:
            return document, None
        if self.raise_on_failure:
            raise error
        generation_id = getattr(error, "job_id", None) or getattr(error, "generation_id", None)
        logger.warning("Could not transcribe {source}: {error}", source=label, error=error)
        return None, failed_source(label, error, generation_id=generation_id)

    def _transcribe_one(self, client: Any, item: tuple[int, Any, dict[str, Any], dict[str, Any]]) -> Any:
        position, raw, meta, fields = item
        label = _label(raw, position)
        try:
            source = read_source(raw, position)
            label = source.label
            request = self._request(source, fields)
            job = run_job(
                lambda: self._submit(client, request),
                lambda job_id: self._poll_body(client.get(stt_poll_path(job_id), **_POLL_OPTIONS)),
                **self._job_options(),
            )
            return self._outcome(label, None, self._document(source, meta, job))
        except Exception as error:  # each source fails alone, reported in failed_sources
            return self._outcome(label, error, None)

    async def _transcribe_one_async(self, client: Any, item: tuple[int, Any, dict[str, Any], dict[str, Any]]) -> Any:
        position, raw, meta, fields = item
        label = _label(raw, position)
        try:
            source = read_source(raw, position)
            label = source.label
            request = self._request(source, fields)

            async def poll(job_id: str) -> Any:
                return self._poll_body(await client.get(stt_poll_path(job_id), **_POLL_OPTIONS))

            job = await run_job_async(lambda: self._submit_async(client, request), poll, **self._job_options())
            return self._outcome(label, None, self._document(source, meta, job))
        except Exception as error:  # each source fails alone
            return self._outcome(label, error, None)

    def _prepare(
        self, sources: Any, meta: Any, generation_kwargs: dict[str, Any] | None
    ) -> list[tuple[int, Any, dict[str, Any], dict[str, Any]]]:
        checked = check_sources(sources)
        metas = check_meta(meta, len(checked))
        _check_kwargs(generation_kwargs)
        fields = self._fields(generation_kwargs)
        return [(position, source, metas[position], fields) for position, source in enumerate(checked)]

    @staticmethod
    def _result(outcomes: list[tuple[Document | None, dict[str, Any] | None]]) -> dict[str, Any]:
        documents = [document for document, _ in outcomes if document is not None]
        failed = [failure for _, failure in outcomes if failure is not None]
        return {"documents": documents, "meta": {"failed_sources": failed}}

    @component.output_types(documents=list[Document], meta=dict[str, Any])
    def run(
        self,
        sources: list[str | Path | ByteStream],
        meta: dict[str, Any] | list[dict[str, Any]] | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """
        Transcribes each source into one Document.

        :param sources: File paths, `ByteStream`s, or http(s) URLs of recordings.
        :param meta: Meta for the Documents: one dict for all, or one per source.
        :param generation_kwargs: Request fields for this call, merged over those given at init.
        :returns: A dictionary with:
            - `documents`: one Document per transcribed source, in the order of `sources`, with the transcript as
              content and in `meta`: `source`, `generation_id`, `model`, `language`, `duration` (seconds),
              `usage` (with the cost as numbers), `cost`, and `words` / `speakers` / `channels` / `paragraphs`
              when the model returns them;
            - `meta`: `failed_sources`, one `{"source", "error", "reason", "generation_id"?}` per source that failed.
        :raises ValueError / TypeError: Bad input, before any request is sent.
        :raises openai.APIStatusError / JobError / TranscriptionError: With `raise_on_failure=True`, the first
            failure.
        """
        items = self._prepare(sources, meta, generation_kwargs)
        client = self._client_for_call()
        outcomes = map_in_order(lambda item: self._transcribe_one(client, item), items, self.max_concurrency)
        return self._result(outcomes)

    @component.output_types(documents=list[Document], meta=dict[str, Any])
    async def run_async(
        self,
        sources: list[str | Path | ByteStream],
        meta: dict[str, Any] | list[dict[str, Any]] | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """
        Transcribes each source into one Document, without blocking the event loop. Cancelling the awaiting task
        stops every poll at once (the jobs may still finish on the server).

        :param sources: File paths, `ByteStream`s, or http(s) URLs of recordings.
        :param meta: Meta for the Documents: one dict for all, or one per source.
        :param generation_kwargs: Request fields for this call, merged over those given at init.
        :returns: The same as `run`.
        """
        items = self._prepare(sources, meta, generation_kwargs)
        client = await self._async_client_for_call()
        outcomes = await gather_in_order(
            lambda item: self._transcribe_one_async(client, item), items, self.max_concurrency
        )
        return self._result(outcomes)


def _label(source: object, position: int) -> str:
    if isinstance(source, ByteStream):
        name = (source.meta or {}).get("file_path") or (source.meta or {}).get("file_name")
        return str(name) if name else f"ByteStream #{position}"
    return str(source)


def _check_kwargs(generation_kwargs: object) -> None:
    if generation_kwargs is not None and not isinstance(generation_kwargs, dict):
        raise TypeError(
            f"generation_kwargs must be a dict of request fields, e.g. {{'diarize': True}}, "
            f"got {type(generation_kwargs).__name__}."
        )
    for key in ("url", "audio", "file"):
        if generation_kwargs and key in generation_kwargs:
            raise ValueError(f"generation_kwargs must not set {key!r}: pass the recording in sources instead.")
