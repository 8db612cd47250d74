# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
# `openai` before anything imports `haystack`: see haystack_integrations/common/aimlapi/__init__.py.
import openai  # noqa: F401

from .ocr_document_converter import AIMLAPIOCRDocumentConverter

__all__ = ["AIMLAPIOCRDocumentConverter"]
