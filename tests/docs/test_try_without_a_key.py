# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The README's recipe for trying the examples without a key works as written: start llmock, point the examples at it.

tests/docs marks the block not-run, because it leaves a server running in the background. Here its lines run in a
shell of their own, on a free port instead of the README's, and the server is stopped afterwards. The `pip install`
line is the only one left out: the `test` extra has installed llmock already, and tests use no network.
"""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.loopback

ROOT = Path(__file__).parent.parent.parent
MARKER = "tests/docs/test_try_without_a_key.py"
README_PORT = "8765"


def _recipe() -> list[str]:
    text = (ROOT / "README.md").read_text()
    after_marker = text.split(MARKER, 1)[1]
    block = after_marker.split("```bash\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_recipe_installs_starts_points_and_runs() -> None:
    lines = _recipe()
    assert lines[0] == "pip install llmock"
    assert any(line.startswith("llmock serve ") and line.endswith("&") for line in lines)
    assert any(line.startswith("export AIMLAPI_BASE_URL=") for line in lines)
    assert lines[-1].startswith("python examples/")


def test_the_recipe_runs_an_example_against_llmock() -> None:
    port = str(_free_port())
    script = "\n".join(line.replace(README_PORT, port) for line in _recipe()[1:])
    assert port in script  # the README still names the port this test replaces
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AIMLAPI_", "OPENAI_"))}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    # The shell starts llmock in the background, in the shell's own session, so that stopping the session stops it.
    shell = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", f"{script}\nkill %1"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = shell.communicate(timeout=180)
    finally:
        try:
            os.killpg(shell.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    assert shell.returncode == 0, stderr
    assert stdout.strip()  # the reply streamed to the terminal
    # The example's last line, on stderr: the model, the finish reason, and that this server reports no cost.
    assert "finish_reason=stop" in stderr
    assert f"cost: not reported by http://127.0.0.1:{port}/v1" in stderr
