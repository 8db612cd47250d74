# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from haystack_integrations.common.aimlapi import StreamInterruptedError

from .batch import AIMLAPIBatchChatGenerator
from .chat.chat_generator import AIMLAPIChatGenerator
from .image import AIMLAPIImageGenerator, ImageAnswerError, ImageDownloadError, ImageResponseError

__all__ = [
    "AIMLAPIBatchChatGenerator",
    "AIMLAPIChatGenerator",
    "AIMLAPIImageGenerator",
    "ImageAnswerError",
    "ImageDownloadError",
    "ImageResponseError",
    "StreamInterruptedError",
]
