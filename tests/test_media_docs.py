# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Every Python block of docs/ocr.md and docs/audio.md runs, against the media server on 127.0.0.1."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media_server import MediaServer

pytestmark = pytest.mark.loopback

DOCS = Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
BLOCKS = [
    pytest.param(code, id=f"{name}-{index}")
    for name in ("ocr.md", "audio.md")
    for index, code in enumerate(BLOCK.findall((DOCS / name).read_text()))
]


def test_the_pages_have_code_to_run() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("code", BLOCKS)
def test_doc_block_runs(code: str, media_server: MediaServer, tmp_path: Path) -> None:
    media_server.state.stt_statuses = ["completed"]
    env = {**os.environ, "AIMLAPI_API_KEY": "sk-docs-key-123", "AIMLAPI_BASE_URL": media_server.url}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert media_server.requests("/v1/")
