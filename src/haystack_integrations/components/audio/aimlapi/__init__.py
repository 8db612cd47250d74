# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from .text_to_speech import AIMLAPITextToSpeech
from .transcriber import AIMLAPITranscriber

__all__ = ["AIMLAPITextToSpeech", "AIMLAPITranscriber"]
