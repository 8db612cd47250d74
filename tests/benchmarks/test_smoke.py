# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The benchmark harness runs end to end and writes what it promises. No timing is asserted."""

import importlib.util
import json
import statistics
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
CONTENDERS = {"openai", "haystack", "aimlapi"}
CHAT_WORKLOADS = {"plain", "plain_async", "stream", "stream_async", "paced", "reasoning_tools", "concurrent", "ttft"}
FLOOR_WORKLOADS = {"plain", "plain_async", "stream", "stream_async", "paced"}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ratios_are_taken_per_round_not_from_medians() -> None:
    summarize = _load("measure").summarize
    # The baseline slows down in round 2 and the contender with it: per round the contender is always 1.1x, while
    # the ratio of the medians would be 1.65.
    samples = {
        "base": [{"cpu_ms": 1.0}, {"cpu_ms": 10.0}, {"cpu_ms": 1.0}],
        "ours": [{"cpu_ms": 1.1}, {"cpu_ms": 11.0}, {"cpu_ms": 1.65}],
    }
    summary = summarize(samples, baseline="base", differences=("cpu_ms",))
    assert summary["ratios"]["ours"]["cpu_ms"]["median"] == pytest.approx(1.1)
    assert summary["ratios"]["ours"]["cpu_ms"]["rounds"] == pytest.approx([1.1, 1.1, 1.65])
    assert summary["differences"]["ours"]["cpu_ms"]["rounds"] == pytest.approx([0.1, 1.0, 0.65])
    assert summary["contenders"]["ours"]["cpu_ms"]["median"] == pytest.approx(1.65)
    assert "base" not in summary["ratios"]


@pytest.mark.loopback
def test_quick_run_writes_results_json_and_markdown(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr

    report = json.loads((tmp_path / "results.json").read_text())
    assert report["mode"] == "quick"
    machine = report["machine"]
    assert machine["cores"] >= 1
    assert machine["python"].split()[-1] == ".".join(map(str, sys.version_info[:3]))
    assert machine["packages"]["haystack-ai"] and machine["packages"]["openai"] and machine["packages"]["llmock"]

    workloads = {result["name"]: result for result in report["workloads"]}
    assert set(workloads) == {*CHAT_WORKLOADS, "import"}
    for name in CHAT_WORKLOADS:
        summary = workloads[name]["summary"]
        assert summary["baseline"] == "openai"
        # The floor (request and bytes, nothing decoded) is timed beside the contenders where targets compare to it.
        floor = {"floor"} if name in FLOOR_WORKLOADS else set()
        assert set(summary["contenders"]) == CONTENDERS | floor
        assert set(summary["ratios"]) == {"haystack", "aimlapi"} | floor
        for figures in summary["contenders"].values():
            for spread in figures.values():
                assert len(spread["rounds"]) == workloads[name]["settings"]["rounds"]
                assert spread["median"] > 0
        assert set(workloads[name]["aimlapi_vs_haystack"]) == set(summary["contenders"]["openai"])
    assert set(workloads["ttft"]["summary"]["differences"]["aimlapi"]) == {"ttft_ms"}
    assert set(workloads["import"]["summary"]["contenders"]) == {"openai", "haystack", "aimlapi"}

    targets = report["targets"]
    assert [target["workload"] for target in targets] == [
        "plain",
        "plain",
        "plain_async",
        "plain_async",
        "plain_async",
        "stream",
        "stream",
        "stream_async",
        "stream_async",
        "stream_async",
        "paced",
        "reasoning_tools",
        "reasoning_tools",
        "concurrent",
        "ttft",
        "import",
        "import",
    ]
    assert all(isinstance(target["met"], bool) and isinstance(target["value"], float) for target in targets)
    # A gap is the async (or reasoning) median ratio less its counterpart's, both from this run.
    ratios = {
        name: workloads[name]["summary"]["ratios"]["aimlapi"]["cpu_ms"]["median"]
        for name in ("plain", "plain_async", "stream", "stream_async", "reasoning_tools")
    }
    gaps = {target["workload"]: target["value"] for target in targets if target["comparison"] == "gap"}
    assert gaps == pytest.approx(
        {
            "plain_async": ratios["plain_async"] - ratios["plain"],
            "stream_async": ratios["stream_async"] - ratios["stream"],
            "reasoning_tools": ratios["reasoning_tools"] - ratios["stream"],
        },
        abs=1e-5,
    )

    # A gap over the floor takes each workload's floor ratio from its own, round by round, before comparing.
    def over_floor(name: str) -> list[float]:
        ratios = workloads[name]["summary"]["ratios"]
        ours, floor = ratios["aimlapi"]["cpu_ms"]["rounds"], ratios["floor"]["cpu_ms"]["rounds"]
        return [own - least for own, least in zip(ours, floor, strict=True)]

    over_floor_gaps = {t["workload"]: t["value"] for t in targets if t["comparison"] == "gap_over_floor"}
    assert over_floor_gaps == pytest.approx(
        {
            "plain_async": statistics.median(over_floor("plain_async")) - statistics.median(over_floor("plain")),
            "stream_async": statistics.median(over_floor("stream_async")) - statistics.median(over_floor("stream")),
        },
        abs=1e-5,
    )
    # The embedder benchmark is folded in when benchmarks/embedders.py exists, and says why when it is skipped.
    assert "error" not in report["embedders"], report["embedders"]
    assert "skipped" in report["embedders"] or report["embedders"]["results"]

    markdown = (tmp_path / "RESULTS.md").read_text()
    assert markdown.startswith("# Benchmark results\n")
    assert f"- Machine: {machine['cpu']}, {machine['cores']} cores" in markdown
    for result in report["workloads"]:
        assert f"\n## {result['title']}\n" in markdown
    for target in targets:
        assert f"| {target['target']} |" in markdown
    assert "\n## Document embedders\n" in markdown
    assert "| AIMLAPIChatGenerator |" in markdown and "| Haystack OpenAIChatGenerator |" in markdown
    # One verdict line per target on stdout, then one per async twin for how far its floor is above the sync one.
    printed = [line for line in completed.stdout.splitlines() if line.strip()]
    assert len(printed) == len(targets) + 2
    assert [line.split()[0] for line in printed[-2:]] == ["floor", "floor"]
    assert "async floors alone, less the sync floors: plain reply " in markdown
