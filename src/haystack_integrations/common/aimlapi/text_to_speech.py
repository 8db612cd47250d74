# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API's text-to-speech endpoint, `POST /v1/tts`: its model families and the two forms of its answer.

One path serves several upstreams, and each names its settings its own way: OpenAI takes `voice` and
`response_format`, Deepgram `container`, `encoding` and `sample_rate`, ElevenLabs `voice` and `output_format`,
MiniMax nests them in `voice_setting` and `audio_setting`. The answer is either JSON carrying an audio URL
(`{"audio": {"url"}}`, `{"audio": "<url>"}` or `{"audio_url"}`), or the audio bytes themselves.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .cost import cost_from_body
from .media import MediaResponseError

TTS_PATH = "/tts"
"""Path below the `/v1` base URL."""

DEFAULT_TTS_MODEL = "openai/tts-1"

TtsFamily = Literal["openai", "deepgram", "elevenlabs", "minimax", "alibaba", "microsoft", "other"]

OPENAI_VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "nova",
    "onyx",
    "sage",
    "shimmer",
    "verse",
)
"""The eleven voices OpenAI's speech models take."""


@dataclass(frozen=True)
class TtsFamilySpec:
    """
    How one family of text-to-speech models is asked.

    :param text_key: The request field that carries the text (`script` for Microsoft VibeVoice).
    :param max_characters: The documented limit on the text's length, if there is one.
    :param voice_path: Where the voice goes, as a path of keys (`("voice_setting", "voice_id")` for MiniMax).
    :param format_path: Where the audio format goes, if the family lets the caller choose it.
    :param formats: The formats the family documents for that field (empty: not checked here).
    :param voices: The voices the family documents (empty: not checked here).
    :param default_mime_type: What the audio is when neither its bytes nor the server say (e.g. headerless PCM).
    """

    text_key: str = "text"
    max_characters: int | None = None
    voice_path: tuple[str, ...] = ("voice",)
    format_path: tuple[str, ...] | None = None
    formats: tuple[str, ...] = ()
    voices: tuple[str, ...] = ()
    default_mime_type: str | None = None


TTS_FAMILIES: Mapping[TtsFamily, TtsFamilySpec] = {
    "openai": TtsFamilySpec(
        max_characters=4096,
        format_path=("response_format",),
        formats=("mp3", "opus", "aac", "flac", "wav", "pcm"),
        voices=OPENAI_VOICES,
        default_mime_type="audio/mpeg",
    ),
    # `encoding` linear16 is the default; `container` (wav, none) and `sample_rate` (a string) go as given.
    "deepgram": TtsFamilySpec(
        format_path=("encoding",),
        formats=("linear16", "mulaw", "alaw", "mp3", "opus", "flac", "aac"),
        default_mime_type="audio/wav",
    ),
    # `output_format` is codec_samplerate_bitrate, e.g. mp3_44100_128 or pcm_24000; `voice_settings` as given.
    "elevenlabs": TtsFamilySpec(format_path=("output_format",), default_mime_type="audio/mpeg"),
    "minimax": TtsFamilySpec(
        max_characters=5000,
        voice_path=("voice_setting", "voice_id"),
        format_path=("audio_setting", "format"),
        formats=("mp3", "pcm", "flac"),
        default_mime_type="audio/mpeg",
    ),
    "alibaba": TtsFamilySpec(max_characters=600, default_mime_type="audio/wav"),
    "microsoft": TtsFamilySpec(text_key="script", default_mime_type="audio/wav"),
    # Hume, Inworld, ByteDance, MAI voice: `voice` and, for some, `format` (wav, mp3).
    "other": TtsFamilySpec(format_path=("format",)),
}
"""One row per family; `infer_tts_family` picks the row for a model id."""

_TTS_PATTERNS: tuple[tuple[TtsFamily, re.Pattern[str]], ...] = (
    ("openai", re.compile(r"^openai/|^tts-1|-tts$|gpt-4o-mini-tts")),
    ("deepgram", re.compile(r"^deepgram/|aura")),
    ("elevenlabs", re.compile(r"^elevenlabs/|eleven_")),
    ("minimax", re.compile(r"^minimax/")),
    ("alibaba", re.compile(r"^alibaba/|qwen.*tts")),
    ("microsoft", re.compile(r"vibevoice")),
)

# Audio format names, as the families spell them, to MIME types. ElevenLabs' `mp3_44100_128` is read by its codec.
_FORMAT_MIME_TYPES: Mapping[str, str] = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
    "linear16": "audio/wav",
    "mulaw": "audio/basic",
    "alaw": "audio/x-alaw-basic",
    "ulaw": "audio/basic",
}


def infer_tts_family(model: str) -> TtsFamily:
    """The family of a text-to-speech model id; `other` for an id no pattern knows."""
    lowered = model.strip().lower()
    for family, pattern in _TTS_PATTERNS:
        if pattern.search(lowered):
            return family
    return "other"


def expected_mime_type(family: TtsFamily, fields: Mapping[str, Any]) -> str | None:
    """The MIME type the request asks for, from the family's format field, else the family's default."""
    spec = TTS_FAMILIES[family]
    value: Any = fields
    for key in spec.format_path or ():
        value = value.get(key) if isinstance(value, Mapping) else None
    if isinstance(value, str) and value.strip():
        codec = value.strip().lower().split("_", 1)[0]
        if family == "deepgram" and codec == "linear16" and fields.get("container") == "none":
            return "audio/pcm"
        return _FORMAT_MIME_TYPES.get(codec, spec.default_mime_type)
    return spec.default_mime_type


def set_path(fields: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Sets `fields[path[0]][path[1]]... = value`, creating (or copying) the nested dicts on the way."""
    target = fields
    for key in path[:-1]:
        inner = target.get(key)
        target[key] = dict(inner) if isinstance(inner, Mapping) else {}
        target = target[key]
    target[path[-1]] = value


def check_tts_request(family: TtsFamily, text: object, fields: Mapping[str, Any]) -> None:
    """
    Raise a `ValueError` / `TypeError` naming the problem for text the family cannot take, or a voice or format it
    does not document, before anything is sent.

    Text over the documented limit is refused, not split: joining separately generated pieces of audio is only
    safe for some containers (a WAV header states its length), and a split mid-sentence changes the intonation.
    The message says how to split it instead.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("text is empty; pass the words to speak.")
    spec = TTS_FAMILIES[family]
    if spec.max_characters is not None and len(text) > spec.max_characters:
        raise ValueError(
            f"text has {len(text)} characters, over the {spec.max_characters} that {family} text-to-speech models "
            "take in one request. Split it at sentence boundaries (e.g. with Haystack's DocumentSplitter, "
            "split_by='sentence') and call the component once per part."
        )
    voice: Any = fields
    for key in spec.voice_path:
        voice = voice.get(key) if isinstance(voice, Mapping) else None
    if spec.voices and voice is not None and voice not in spec.voices:
        raise ValueError(f"voice {voice!r} is not one of the {family} voices: {', '.join(spec.voices)}.")
    chosen: Any = fields
    for key in spec.format_path or ():
        chosen = chosen.get(key) if isinstance(chosen, Mapping) else None
    if spec.formats and chosen is not None and chosen not in spec.formats:
        name = ".".join(spec.format_path or ())
        raise ValueError(f"{name} {chosen!r} is not a {family} format; pass one of {', '.join(spec.formats)}.")


@dataclass(frozen=True)
class SpeechAnswer:
    """
    What a JSON answer of `POST /v1/tts` says.

    :param url: Where the audio can be downloaded (http(s), or a `data:` URL).
    :param cost: `{"credits_used", "usd_spent"}`, when the answer stated it.
    :param usage: Other usage figures (Qwen's `characters`), if any.
    :param extra: `file_name`, `duration`, `sample_rate` when the answer gave them.
    """

    url: str
    cost: dict[str, Any] | None = None
    usage: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None


def read_speech_answer(body: object) -> SpeechAnswer:
    """
    The audio URL and cost in a JSON answer: `audio.url` (examples), `audio` as a string (the specs) or `audio_url`
    (AI/ML API's SDK), then `url`.

    :raises MediaResponseError: The answer holds no audio URL.
    """
    if not isinstance(body, Mapping):
        raise MediaResponseError(f"The text-to-speech answer is JSON but not an object ({type(body).__name__}).")
    audio = body.get("audio")
    candidates = [
        audio.get("url") if isinstance(audio, Mapping) else audio,
        body.get("audio_url"),
        body.get("url"),
    ]
    url = next((value.strip() for value in candidates if isinstance(value, str) and value.strip()), None)
    if url is None:
        keys = ", ".join(sorted(map(str, body))) or "none"
        raise MediaResponseError(f"The text-to-speech answer holds no audio URL (keys: {keys}).")
    extra: dict[str, Any] = {}
    if isinstance(audio, Mapping) and isinstance(audio.get("file_name"), str):
        extra["file_name"] = audio["file_name"]
    for key in ("duration", "sample_rate"):
        value = body.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            extra[key] = value
    usage = body.get("usage")
    return SpeechAnswer(
        url=url,
        cost=cost_from_body(body),
        usage=dict(usage) if isinstance(usage, Mapping) else None,
        extra=extra or None,
    )
