# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The kinds `models --kind` filters the media components' models by."""

import pytest

from haystack_integrations.common.aimlapi.catalogue import ModelInfo, filter_models, normalize_kind


@pytest.mark.parametrize(
    ("api_type", "kind"),
    [
        ("ocr", "ocr"),
        ("openai/ocr", "ocr"),
        ("vision-ocr", "ocr"),
        ("openai/audio-speech", "speech"),
        ("openai/audio-transcriptions", "transcription"),
    ],
)
def test_media_model_types_have_a_kind(api_type: str, kind: str) -> None:
    assert normalize_kind(api_type) == kind


def test_ocr_models_can_be_filtered_by_kind() -> None:
    models = [
        ModelInfo(id="mistral/mistral-ocr-4-0", kind=normalize_kind("openai/ocr")),
        ModelInfo(id="openai/gpt-4o", kind="chat"),
    ]
    assert [model.id for model in filter_models(models, kind="ocr")] == ["mistral/mistral-ocr-4-0"]
