# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The OCR, speech and indexing examples run as scripts against the media server on 127.0.0.1."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media_server import MP3_BYTES, MediaServer, tiny_pdf, tiny_wav

pytestmark = pytest.mark.loopback

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def env(media_server: MediaServer) -> dict[str, str]:
    return {**os.environ, "AIMLAPI_API_KEY": "sk-example-key-123", "AIMLAPI_BASE_URL": media_server.url}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    pdf, wav = tmp_path / "scan.pdf", tmp_path / "memo.wav"
    pdf.write_bytes(tiny_pdf())
    wav.write_bytes(tiny_wav())
    return pdf, wav


def run_example(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("ocr.py", ["scan.pdf"]),
        ("transcribe.py", ["memo.wav"]),
        ("text_to_speech.py", ["Hello"]),
        ("index_scans_and_recordings.py", ["scan.pdf", "memo.wav", "question"]),
    ],
)
def test_examples_without_a_key_say_what_to_do(name: str, args: list[str]) -> None:
    env = {key: value for key, value in os.environ.items() if key != "AIMLAPI_API_KEY"}
    result = run_example(name, *args, env=env)
    assert result.returncode == 2
    assert "AIMLAPI_API_KEY is not set" in result.stderr and "Traceback" not in result.stderr


def test_ocr_example(media_server: MediaServer, env: dict[str, str], files: tuple[Path, Path]) -> None:
    result = run_example("ocr.py", str(files[0]), "https://example.com/note.png", "--split-pages", env=env)
    assert result.returncode == 0, result.stderr
    assert "# Anatomy of the Somatosensory System" in result.stdout
    assert "handwriting test" in result.stdout
    assert "cost: 0.002000 USD" in result.stdout
    assert len(media_server.requests("/v1/ocr")) == 2


def test_transcribe_example_reports_a_failed_job_by_id(
    media_server: MediaServer, env: dict[str, str], files: tuple[Path, Path]
) -> None:
    result = run_example("transcribe.py", str(files[1]), "--poll-interval", "0.01", "--diarize", env=env)
    assert result.returncode == 0, result.stderr
    assert "generation gen-1" in result.stdout and "speakers: [0]" in result.stdout
    assert f"cost: not reported by {media_server.url}" in result.stdout
    assert b'name="diarize"\r\n\r\ntrue' in media_server.requests("/v1/stt/create")[0].body
    media_server.state.stt_statuses = ["queued", "error"]
    result = run_example("transcribe.py", "https://example.com/a.mp3", "--poll-interval", "0.01", env=env)
    assert result.returncode == 1
    assert "(generation gen-2)" in result.stderr and "cannot decode audio" in result.stderr


def test_text_to_speech_example_saves_the_audio(media_server: MediaServer, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "answer.mp3"
    result = run_example("text_to_speech.py", "Your order has shipped.", "--voice", "nova", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == MP3_BYTES and "audio/mpeg" in result.stdout
    assert "cost: 3000 credits ($0.001500)" in result.stdout


def test_text_to_speech_example_says_when_the_server_stated_no_cost(
    media_server: MediaServer, env: dict[str, str], tmp_path: Path
) -> None:
    # Raw audio answers carry no cost: the example names the server rather than printing None.
    out = tmp_path / "hello.wav"
    result = run_example("text_to_speech.py", "Hello!", "--model", "#g1_aura-2-thalia-en", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert f"cost: not reported by {media_server.url}" in result.stdout
    assert "None" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Bad input, refused before any request.
        (["x" * 5000], "over the 4096"),
        # Half a file, then the connection drops: a typed error, not a truncated file on disk.
        (["Hello!", "--model", "#g1_aura-2-thalia-en"], "APIConnectionError: Could not connect"),
    ],
)
def test_text_to_speech_example_prints_one_error_line_and_exits_1(
    media_server: MediaServer, env: dict[str, str], tmp_path: Path, args: list[str], expected: str
) -> None:
    media_server.state.tts_mode = "truncated"
    out = tmp_path / "speech.wav"
    result = run_example("text_to_speech.py", *args, "--out", str(out), env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    (error_line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert expected in error_line
    assert not out.exists()


def test_index_scans_and_recordings_example(
    media_server: MediaServer, env: dict[str, str], files: tuple[Path, Path]
) -> None:
    pdf, wav = files
    result = run_example(
        "index_scans_and_recordings.py",
        str(pdf),
        str(wav),
        "Which receptors are in the skin?",
        "--poll-interval",
        "0.01",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "indexed 2 passages" in result.stdout
    assert f"from {pdf}" in result.stdout and f"from {wav}" in result.stdout
    assert "answer: From the documents: # Anatomy of the Somatosensory System" in result.stdout
    paths = [request.path for request in media_server.requests("/v1/")]
    assert paths.count("/v1/ocr") == 1 and paths.count("/v1/stt/create") == 1
    assert paths.count("/v1/embeddings") == 2 and paths.count("/v1/chat/completions") == 1
    assert "sk-example-key-123" not in result.stdout + result.stderr
