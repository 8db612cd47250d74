# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from haystack_integrations.common.aimlapi import StreamInterruptedError

from .chat.chat_generator import AIMLAPIChatGenerator

__all__ = ["AIMLAPIChatGenerator", "StreamInterruptedError"]
