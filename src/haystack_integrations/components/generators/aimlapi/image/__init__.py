# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from .errors import ImageAnswerError, ImageDownloadError, ImageResponseError
from .image_generator import AIMLAPIImageGenerator

__all__ = ["AIMLAPIImageGenerator", "ImageAnswerError", "ImageDownloadError", "ImageResponseError"]
