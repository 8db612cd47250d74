# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Model-family inference, size translation and response-shape reading in the shared image module."""

import pytest

from haystack_integrations.common.aimlapi.images import (
    GeneratedImage,
    MissingImage,
    images_from_body,
    infer_image_family,
    read_image_answer,
    size_parameter,
)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("dall-e-3", "openai"),
        ("dall-e-2", "openai"),
        ("openai/gpt-image-1", "openai"),
        ("gpt-image-1", "openai"),
        ("x-ai/grok-2-image", "openai"),
        ("bytedance/seedream-3.0", "openai"),
        ("bytedance/seedream-v4-text-to-image", "openai"),
        ("flux/schnell", "fal"),
        ("flux/dev", "fal"),
        ("flux-pro/v1.1", "fal"),
        ("flux-pro/v1.1-ultra", "fal"),
        ("flux-realism", "fal"),
        ("stable-diffusion-v35-large", "fal"),
        ("stable-diffusion-v3-medium", "fal"),
        ("recraft-v3", "fal"),
        ("fal-ai/some-model", "fal"),
        ("google/imagen-4.0-generate-001", "google"),
        ("google/imagen-4.0-ultra-generate-preview-06-06", "google"),
        ("imagen-3.0-generate-002", "google"),
        ("google/nano-banana-pro", "google"),
        ("Google/Imagen4/Preview", "google"),
        ("acme/unknown-model", None),
        ("", None),
    ],
)
def test_infer_image_family(model: str, family: str | None) -> None:
    assert infer_image_family(model) == family


@pytest.mark.parametrize(
    ("family", "size", "expected"),
    [
        ("openai", "1024X768", ("size", "1024x768")),
        ("openai", " 1024 x 768 ", ("size", "1024x768")),
        ("openai", "1024\u00d7768", ("size", "1024x768")),
        ("fal", (800, 600), ("image_size", {"width": 800, "height": 600})),
        ("fal", "portrait_16_9", ("image_size", "portrait_16_9")),
        ("google", "1024x1024", ("aspect_ratio", "1:1")),
        ("google", (1080, 1920), ("aspect_ratio", "9:16")),
        ("google", "04:03", ("aspect_ratio", "4:3")),
    ],
)
def test_size_parameter(family: str, size: object, expected: tuple[str, object]) -> None:
    assert size_parameter(family, size) == expected  # type: ignore[arg-type]


def test_images_from_body_reads_each_shape_in_order() -> None:
    assert images_from_body({"data": [{"url": "https://a"}, {"b64_json": "QUJD", "revised_prompt": "p"}]}) == [
        GeneratedImage(url="https://a"),
        GeneratedImage(base64="QUJD", revised_prompt="p"),
    ]
    assert images_from_body(
        {"images": [{"url": "https://b", "width": 10, "height": 20, "content_type": "image/webp"}]}
    ) == [GeneratedImage(url="https://b", mime_type="image/webp", width=10, height=20)]
    assert images_from_body({"output": {"choices": [{"image_base64": "QUJD"}, {"url": "https://c"}]}}) == [
        GeneratedImage(base64="QUJD"),
        GeneratedImage(url="https://c"),
    ]


def test_images_from_body_tolerates_odd_entries() -> None:
    body = {"images": ["https://bare", None, 3, {"image_url": {"url": "https://nested"}}, {"width": 5}]}
    assert images_from_body(body) == [GeneratedImage(url="https://bare"), GeneratedImage(url="https://nested")]
    assert images_from_body({"data": None, "output": {"choices": "nope"}}) == []
    assert images_from_body({}) == []


def test_read_image_answer_keeps_positions_reports_unreadable_entries_and_nsfw_flags() -> None:
    body = {
        "images": [{"url": "https://a"}, {}, "  ", {"width": 8}, {"b64_json": "QUJD"}],
        "has_nsfw_concepts": [False, True, False, False, True],
    }
    answer = read_image_answer(body)
    assert answer.images == ((0, GeneratedImage(url="https://a")), (4, GeneratedImage(base64="QUJD")))
    assert answer.missing == (
        MissingImage(1, "the entry is empty"),
        MissingImage(2, "the entry is an empty string"),
        MissingImage(3, "the entry has neither base64 nor a URL (keys: width)"),
    )
    assert answer.nsfw_flags == (False, True, False, False, True)
    assert answer.flagged_indexes == [1, 4]
    assert answer.is_flagged(4) and not answer.is_flagged(0) and not answer.is_flagged(9)
    # The list of readable images alone, as before.
    assert images_from_body(body) == [GeneratedImage(url="https://a"), GeneratedImage(base64="QUJD")]


def test_read_image_answer_without_nsfw_flags() -> None:
    answer = read_image_answer({"data": [{"url": "https://a"}]})
    assert answer.nsfw_flags is None
    assert answer.flagged_indexes == []
    assert not answer.is_flagged(0)
    assert read_image_answer({"images": [], "has_nsfw_concepts": "yes"}).nsfw_flags is None  # not a list: ignored
