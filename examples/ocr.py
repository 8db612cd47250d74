# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Turn scanned PDFs and images into Markdown Documents with AI/ML API's OCR models; print each one and the cost.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/ocr.py scan.pdf https://arxiv.org/pdf/2201.04234 [--model mistral/mistral-ocr-4-0]
    python examples/ocr.py receipt.png --model zhipu/glm-ocr --split-pages --pages 0-2

Set AIMLAPI_BASE_URL to talk to another AI/ML API-compatible server instead.
"""

import argparse
import sys

from _common import cost_not_reported, run

from haystack_integrations.components.converters.aimlapi import AIMLAPIOCRDocumentConverter


def main(args: argparse.Namespace) -> int:
    converter = AIMLAPIOCRDocumentConverter(
        model=args.model, pages=args.pages, split_pages=args.split_pages, timeout=120
    )
    result = converter.run(sources=args.sources)
    cost_by_source: dict[str, float | None] = {}
    for document in result["documents"]:
        meta = document.meta
        print(f"--- {meta['source']} (pages {meta['page_numbers']})")
        print(document.content)
        # With --split-pages every page carries the cost of its whole source: count it once per source.
        cost_by_source[meta["source"]] = (meta.get("cost") or {}).get("usd_spent")
    for failure in result["meta"]["failed_sources"]:
        print(f"failed: {failure['source']}: {failure['reason']}", file=sys.stderr)
    stated = [usd for usd in cost_by_source.values() if usd is not None]
    if stated:
        print(f"cost: {sum(stated):.6f} USD")
    elif cost_by_source:
        print(cost_not_reported())
    return 1 if result["meta"]["failed_sources"] else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", help="file paths or http(s) URLs of PDFs and images")
    parser.add_argument("--model", default="mistral/mistral-ocr-4-0")
    parser.add_argument("--pages", help="0-based pages, e.g. 0-2 or 0,3,4")
    parser.add_argument("--split-pages", action="store_true", help="one Document per page")
    arguments = parser.parse_args()
    run(lambda: main(arguments))
