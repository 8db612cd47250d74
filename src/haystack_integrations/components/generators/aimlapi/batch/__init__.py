# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from .batch_chat_generator import AIMLAPIBatchChatGenerator

__all__ = ["AIMLAPIBatchChatGenerator"]
