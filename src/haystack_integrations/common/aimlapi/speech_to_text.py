# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API's speech-to-text endpoint: paths, model families, the job vocabulary and the result shapes.

A transcription is a job: `POST /v1/stt/create` (JSON with a `url`, or `multipart/form-data` with the file) answers
`{"generation_id"}`, and `GET /v1/stt/{generation_id}` reports `queued | generating | completed | error`. The result
of a completed job sits under `result` (every example) or `output` (the fetch spec), in the shape of the upstream:

- Deepgram and Whisper: `{metadata: {duration, ...}, results: {channels: [{alternatives: [{transcript, words}]}]}}`,
  word times in seconds;
- OpenAI: `{text, usage: {input_tokens, output_tokens, ...}}`;
- AssemblyAI: its transcript object, `{text, words: [{text, start, end, speaker}], audio_duration, ...}`, word times
  in milliseconds;
- Microsoft MAI: `{text, usage: {seconds, cost}}`.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from openai import OpenAIError

from .cost import cost_from_body

STT_CREATE_PATH = "/stt/create"
"""Path below the `/v1` base URL that submits a transcription."""

DEFAULT_STT_MODEL = "#g1_nova-2-general"
"""Deepgram Nova 2 (general): the model AI/ML API's speech-to-text guide uses."""


def stt_poll_path(generation_id: str) -> str:
    """The path that reports a transcription's state. Ids are URL-encoded: some job ids hold `:` or `/`."""
    return f"/stt/{quote(generation_id, safe='')}"


SttFamily = Literal["deepgram", "openai", "assemblyai", "microsoft"]


@dataclass(frozen=True)
class SttFamilySpec:
    """
    How one family of speech-to-text models is asked.

    :param upload_field: The multipart part that carries the file. Every example and AI/ML API's SDK say `audio`;
        the OpenAI models' specs say `file`. The other name is tried once when the server refuses the first (400/422).
    :param language_key: The request field that names the spoken language.
    :param speaker_key: The request field that turns on speaker labels, if the family has one.
    """

    upload_field: str
    language_key: str
    speaker_key: str | None


STT_FAMILIES: Mapping[SttFamily, SttFamilySpec] = {
    "deepgram": SttFamilySpec(upload_field="audio", language_key="language", speaker_key="diarize"),
    "openai": SttFamilySpec(upload_field="audio", language_key="language", speaker_key=None),
    "assemblyai": SttFamilySpec(upload_field="audio", language_key="language_code", speaker_key="speaker_labels"),
    "microsoft": SttFamilySpec(upload_field="audio", language_key="language", speaker_key=None),
}
"""One row per family; `infer_stt_family` picks the row for a model id."""

ALTERNATE_UPLOAD_FIELD = {"audio": "file", "file": "audio"}

_STT_PATTERNS: tuple[tuple[SttFamily, re.Pattern[str]], ...] = (
    ("openai", re.compile(r"^openai/|transcribe")),
    ("assemblyai", re.compile(r"^aai/|assembly|slam-1")),
    ("microsoft", re.compile(r"^microsoft/|mai-transcribe")),
    ("deepgram", re.compile(r"nova|whisper|deepgram|^#g1_")),
)


def infer_stt_family(model: str) -> SttFamily:
    """The family of a speech-to-text model id; Deepgram's conventions for ids no pattern knows."""
    lowered = model.strip().lower()
    for family, pattern in _STT_PATTERNS:
        if pattern.search(lowered):
            return family
    return "deepgram"


class TranscriptionError(OpenAIError):
    """
    A transcription job completed, but its result holds no transcript that can be read.

    :param message: What was wrong, in words; it names the generation id.
    :param generation_id: The job's id, to fetch the result by hand within the hour AI/ML API keeps it.
    """

    def __init__(self, message: str, *, generation_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.generation_id = generation_id


@dataclass(frozen=True)
class Transcript:
    """
    What a completed job says about a recording.

    :param text: The transcript.
    :param language: The spoken language, when the result names it.
    :param duration: The recording's length in seconds, when the result states it.
    :param words: Word timings in seconds: `{"word", "start", "end", "confidence"?, "speaker"?}` each.
    :param speakers: The distinct speaker labels among the words, in order of first appearance.
    :param usage: The result's own `usage` block (tokens, seconds), if any.
    :param cost: The cost, `{"credits_used", "usd_spent"}`, when the reply stated one.
    :param channels: The transcript of every audio channel, when there are several.
    :param paragraphs: Deepgram's `paragraphs` block, or AssemblyAI's `utterances`, as sent.
    """

    text: str
    language: str | None = None
    duration: float | None = None
    words: list[dict[str, Any]] = field(default_factory=list)
    speakers: list[Any] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    cost: dict[str, Any] | None = None
    channels: list[str] = field(default_factory=list)
    paragraphs: Any = None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and abs(value) != float("inf") else None  # noqa: PLR0124  # NaN check


def _string(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def result_payload(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The result of a completed job: `result` (every example), else `output` (the fetch spec), else the body itself
    when it is a result already (the legacy synchronous endpoint returns Deepgram's body directly)."""
    for key in ("result", "output"):
        value = body.get(key)
        if isinstance(value, Mapping):
            return value
    if "results" in body or "text" in body:
        return body
    return None


def _channels(results: object) -> list[Mapping[str, Any]]:
    """`results.channels` as a list: examples send a list, the schema types it as an object."""
    if not isinstance(results, Mapping):
        return []
    channels = results.get("channels")
    if isinstance(channels, list):
        return [channel for channel in channels if isinstance(channel, Mapping)]
    if isinstance(channels, Mapping):
        if "alternatives" in channels:
            return [channels]
        return [channel for channel in channels.values() if isinstance(channel, Mapping)]
    return []


def _first_alternative(channel: Mapping[str, Any]) -> Mapping[str, Any] | None:
    alternatives = channel.get("alternatives")
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], Mapping):
        return alternatives[0]
    if isinstance(alternatives, Mapping):
        return alternatives
    return None


def _words(entries: object, *, milliseconds: bool) -> list[dict[str, Any]]:
    """Word timings in one shape, in seconds; entries that are not objects with a word are skipped."""
    if not isinstance(entries, list):
        return []
    scale = 0.001 if milliseconds else 1.0
    words = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        text = _string(entry.get("punctuated_word")) or _string(entry.get("word")) or _string(entry.get("text"))
        if text is None:
            continue
        word: dict[str, Any] = {"word": text}
        for key in ("start", "end"):
            value = _number(entry.get(key))
            word[key] = round(value * scale, 6) if value is not None else None
        confidence = _number(entry.get("confidence"))
        if confidence is not None:
            word["confidence"] = confidence
        speaker = entry.get("speaker")
        if speaker is not None and isinstance(speaker, str | int) and not isinstance(speaker, bool):
            word["speaker"] = speaker
        words.append(word)
    return words


def _speakers(words: list[dict[str, Any]]) -> list[Any]:
    seen: list[Any] = []
    for word in words:
        if "speaker" in word and word["speaker"] not in seen:
            seen.append(word["speaker"])
    return seen


def _result_cost(body: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any] | None:
    cost = cost_from_body(body) or cost_from_body(result)
    if cost:
        return cost
    usage = result.get("usage")
    # MAI states its price inside the result, in US dollars.
    usd = _number(usage.get("cost")) if isinstance(usage, Mapping) else None
    return {"credits_used": None, "usd_spent": usd} if usd is not None else None


def read_transcript(body: Mapping[str, Any], *, generation_id: str) -> Transcript:
    """
    The transcript in a completed job's reply, in any of the documented result shapes (see the module docstring).

    The text is `result.text`, else the first alternative of each channel (joined by line breaks when there are
    several channels). An empty transcript is valid (a silent recording); a result with neither is an error.

    :raises TranscriptionError: The reply holds no result, or a result with no transcript; the text names the id.
    """
    result = result_payload(body)
    if result is None:
        keys = ", ".join(sorted(map(str, body))) or "none"
        raise TranscriptionError(
            f"The transcription {generation_id} completed, but its answer holds no result (keys: {keys}).",
            generation_id=generation_id,
        )
    metadata = result.get("metadata") if isinstance(result.get("metadata"), Mapping) else {}
    assert isinstance(metadata, Mapping)  # noqa: S101  # for the type checker
    channel_texts: list[str] = []
    words: list[dict[str, Any]] = []
    paragraphs: Any = None
    language = _string(result.get("language")) or _string(result.get("language_code"))
    for channel in _channels(result.get("results")):
        alternative = _first_alternative(channel)
        if alternative is None:
            continue
        transcript = alternative.get("transcript")
        if isinstance(transcript, str):
            channel_texts.append(transcript)
        words.extend(_words(alternative.get("words"), milliseconds=False))
        paragraphs = paragraphs or alternative.get("paragraphs")
        language = language or _string(channel.get("detected_language")) or _string(alternative.get("language"))
    text = result.get("text")
    if not isinstance(text, str):
        if not channel_texts:
            keys = ", ".join(sorted(map(str, result))) or "none"
            raise TranscriptionError(
                f"The transcription {generation_id} completed, but its result holds no transcript (neither `text` "
                f"nor results.channels[].alternatives[].transcript; keys: {keys}).",
                generation_id=generation_id,
            )
        text = "\n".join(channel_texts)
    if not words:
        # AssemblyAI lists words at the top of its result, in milliseconds.
        words = _words(result.get("words"), milliseconds=True)
        paragraphs = paragraphs or result.get("utterances")
    usage = result.get("usage")
    duration = (
        _number(metadata.get("duration"))
        or _number(result.get("audio_duration"))
        or _number(result.get("duration"))
        or (_number(usage.get("seconds")) if isinstance(usage, Mapping) else None)
    )
    return Transcript(
        text=text,
        language=language,
        duration=duration,
        words=words,
        speakers=_speakers(words),
        usage=dict(usage) if isinstance(usage, Mapping) else None,
        cost=_result_cost(body, result),
        channels=channel_texts if len(channel_texts) > 1 else [],
        paragraphs=paragraphs,
    )
