# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from .document_embedder import AIMLAPIDocumentEmbedder
from .errors import EmbeddingResponseError
from .text_embedder import AIMLAPITextEmbedder

__all__ = ["AIMLAPIDocumentEmbedder", "AIMLAPITextEmbedder", "EmbeddingResponseError"]
