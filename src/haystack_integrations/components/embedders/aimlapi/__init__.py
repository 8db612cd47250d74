# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
# `openai` before anything imports `haystack`: see haystack_integrations/common/aimlapi/__init__.py.
import openai  # noqa: F401

from .document_embedder import AIMLAPIDocumentEmbedder
from .errors import EmbeddingResponseError
from .text_embedder import AIMLAPITextEmbedder

__all__ = ["AIMLAPIDocumentEmbedder", "AIMLAPITextEmbedder", "EmbeddingResponseError"]
