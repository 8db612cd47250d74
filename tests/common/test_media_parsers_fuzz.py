# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Property tests of the media answer parsers: whatever JSON arrives, the result is a well-formed value or one of the
documented errors, never another exception.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haystack_integrations.common.aimlapi.media import MediaResponseError, audio_mime_type
from haystack_integrations.common.aimlapi.ocr import OcrAnswer, parse_pages, read_ocr_answer
from haystack_integrations.common.aimlapi.speech_to_text import Transcript, TranscriptionError, read_transcript
from haystack_integrations.common.aimlapi.text_to_speech import read_speech_answer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "media"
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def mutate(base: dict[str, Any]) -> st.SearchStrategy[Any]:
    """`base` with one key, at any depth, replaced by an arbitrary JSON value."""

    def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        found = [prefix] if prefix else []
        if isinstance(value, dict):
            for key, inner in value.items():
                found.extend(paths(inner, (*prefix, key)))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                found.extend(paths(inner, (*prefix, index)))
        return found

    def replace(path: tuple[Any, ...], new: Any) -> Any:
        copy = json.loads(json.dumps(base))
        target = copy
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = new
        return copy

    return st.builds(replace, st.sampled_from(paths(base)), json_values)


STT_FIXTURES = [
    "stt_poll_completed_deepgram.json",
    "stt_poll_completed_openai.json",
    "stt_poll_completed_assemblyai.json",
    "stt_poll_completed_mai.json",
]


def check_transcript(body: Any) -> None:
    try:
        transcript = read_transcript(body, generation_id="gen-z")
    except TranscriptionError as error:
        assert error.generation_id == "gen-z" and "gen-z" in str(error)
        return
    assert isinstance(transcript, Transcript) and isinstance(transcript.text, str)
    assert all(isinstance(word["word"], str) and word["word"] for word in transcript.words)
    assert transcript.duration is None or isinstance(transcript.duration, float)
    json.dumps(transcript.words)  # meta must stay serializable


@FUZZ
@given(body=st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_read_transcript_on_arbitrary_objects(body: dict[str, Any]) -> None:
    check_transcript(body)


@pytest.mark.parametrize("name", STT_FIXTURES)
def test_read_transcript_on_mutated_fixtures(name: str) -> None:
    @FUZZ
    @given(body=mutate(fixture(name)))
    def run(body: Any) -> None:
        check_transcript(body)

    run()


def check_ocr(body: Any) -> None:
    try:
        answer = read_ocr_answer(body)
    except MediaResponseError:
        return
    assert isinstance(answer, OcrAnswer) and answer.pages
    assert all(isinstance(page.markdown, str) and isinstance(page.index, int) for page in answer.pages)


@FUZZ
@given(body=json_values)
def test_read_ocr_answer_on_arbitrary_json(body: Any) -> None:
    check_ocr(body)


@pytest.mark.parametrize("name", ["ocr_mistral_pdf.json", "ocr_glm.json", "ocr_mistral4_schema.json"])
def test_read_ocr_answer_on_mutated_fixtures(name: str) -> None:
    @FUZZ
    @given(body=mutate(fixture(name)))
    def run(body: Any) -> None:
        check_ocr(body)

    run()


@FUZZ
@given(body=st.one_of(json_values, mutate(fixture("tts_minimax_url.json")), mutate(fixture("tts_vibevoice_url.json"))))
def test_read_speech_answer_gives_a_url_or_a_typed_error(body: Any) -> None:
    try:
        answer = read_speech_answer(body)
    except MediaResponseError:
        return
    assert isinstance(answer.url, str) and answer.url.strip() == answer.url and answer.url


@FUZZ
@given(pages=st.one_of(json_values, st.from_regex(r"\s*\d{1,3}\s*(-\s*\d{1,3})?\s*", fullmatch=True)))
def test_parse_pages_gives_indices_or_a_clear_error(pages: Any) -> None:
    try:
        parsed = parse_pages(pages)
    except (ValueError, TypeError) as error:
        assert "pages" in str(error)
        return
    assert parsed is None or (isinstance(parsed, tuple) and parsed[0] <= parsed[1]) or parsed == sorted(set(parsed))


@FUZZ
@given(data=st.binary(max_size=64), declared=st.none() | st.text(max_size=20))
def test_audio_mime_type_is_always_a_mime_type(data: bytes, declared: str | None) -> None:
    assert "/" in audio_mime_type(data, declared)
