# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
from .ocr_document_converter import AIMLAPIOCRDocumentConverter

__all__ = ["AIMLAPIOCRDocumentConverter"]
