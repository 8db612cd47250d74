# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API's components in Ray Data: callables for `Dataset.map_batches` that wrap `AIMLAPIDocumentEmbedder` and
`AIMLAPIChatGenerator`, and one adaptive limit on the requests in flight across the cluster.

Importing this package does not import Ray: the callables work on any pandas, numpy or pyarrow batch, and only
`ClusterLimiter` needs Ray (`pip install "aimlapi-haystack[ray]>=4.1"`).
"""

# `openai` before anything imports `haystack`: see haystack_integrations/common/aimlapi/__init__.py.
import openai  # noqa: F401

from .chat import AIMLAPIChatCallable
from .embedding import AIMLAPIEmbeddingCallable
from .limiter import ClusterLimiter

__all__ = ["AIMLAPIChatCallable", "AIMLAPIEmbeddingCallable", "ClusterLimiter"]
