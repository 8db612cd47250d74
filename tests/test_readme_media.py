# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The README's OCR and speech example runs against the media server on 127.0.0.1.

tests/docs marks it not-run, since llmock has no OCR or speech endpoints; this module runs it instead, so the README
cannot drift from the components.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media_server import MediaServer

pytestmark = pytest.mark.loopback

README = Path(__file__).parent.parent / "README.md"


def _section_code(heading: str) -> str:
    section = README.read_text().split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_documents_and_speech_example_runs(media_server: MediaServer, tmp_path: Path) -> None:
    code = _section_code("## Documents and speech")
    media_server.state.stt_statuses = ["completed"]
    env = {**os.environ, "AIMLAPI_API_KEY": "sk-docs-key-123", "AIMLAPI_BASE_URL": media_server.url}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    # The print ends with the transcriber's failed sources: none, since every job completed.
    assert result.stdout.rstrip().endswith("[]")
    # Each component reached its own endpoint.
    paths = {request.path for request in media_server.requests("/v1/")}
    assert {"/v1/ocr", "/v1/stt/create", "/v1/tts"} <= paths
    assert (tmp_path / "shipped.mp3").stat().st_size > 0
