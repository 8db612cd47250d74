# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""What the image generator raises when a request succeeded but produced no usable image."""

# Defined with the rest of what is AI/ML API about images, where the shared download code raises them too.
from haystack_integrations.common.aimlapi.images import ImageAnswerError, ImageDownloadError, ImageResponseError

__all__ = ["ImageAnswerError", "ImageDownloadError", "ImageResponseError"]
