# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Run every benchmark and write `benchmarks/RESULTS.md` and `benchmarks/results.json`.

Usage (inside the project's environment, after `pip install -e ".[test]"`):
```bash
python benchmarks/run.py            # the full run, about 5 minutes on 2 cores
python benchmarks/run.py --quick    # a smoke run of the same code, about 20 s
python benchmarks/run.py --only plain,stream --output-dir /tmp/bench
```

It starts its own servers (llmock, and two small stdlib servers) as separate processes on 127.0.0.1 and stops them
at the end; nothing else needs installing or starting. See `benchmarks/README.md` for what is measured and how.
"""

import argparse
import importlib.metadata
import inspect
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the benchmark modules import each other as top-level modules
    sys.path.insert(0, str(HERE))

from chat import FULL, QUICK, WORKLOADS, run_chat_benchmarks, settings_dict  # noqa: E402
from imports import run_import_benchmark  # noqa: E402
from measure import spread as spread_of  # noqa: E402

ALL = (*WORKLOADS, "import", "embedders")
PACKAGES = ("aimlapi-haystack", "haystack-ai", "openai", "httpx", "httpx2", "pydantic", "llmock")
METRIC_NAMES = {
    "cpu_ms": "client CPU (ms)",
    "wall_ms": "wall (ms)",
    "ttft_ms": "time to first token (ms)",
}

# (workload, metric, comparison, limit, description). Reported, never asserted. A "gap" compares this workload's
# ratio to the raw SDK with the ratio of the workload named in GAP_REFERENCES, measured in the same run: the async
# twins and the reasoning stream must cost no more than 0.05 (of the raw SDK's CPU) above their sync counterpart.
# A "gap_over_floor" makes the same comparison after taking each workload's floor (the request and its bytes, read
# through the raw SDK's client with nothing decoded; see chat.py) from its ratio. The async floor alone is further
# above the sync floor than 0.05: the HTTP stack's async path costs more a read than its blocking one, and a ratio
# below 1 moves towards 1 when the same cost is added to both sides. The plain gap therefore measures the HTTP stack
# as much as this package; the gap over the floors measures only what this package adds.
TARGETS = (
    ("plain", "cpu_ms", "ratio", 0.80, "client CPU <= 0.80x the raw openai SDK"),
    ("plain", "cpu_ms", "vs_haystack", 1.0, "client CPU below Haystack's OpenAIChatGenerator"),
    ("plain_async", "cpu_ms", "ratio", 0.85, "client CPU <= 0.85x AsyncOpenAI (the sync target + 0.05)"),
    ("plain_async", "cpu_ms", "gap", 0.05, "ratio to AsyncOpenAI at most 0.05 above the sync reply's ratio"),
    (
        "plain_async",
        "cpu_ms",
        "gap_over_floor",
        0.05,
        "what it adds above its floor at most 0.05 above what the sync reply adds above its own",
    ),
    ("stream", "cpu_ms", "ratio", 0.65, "client CPU <= 0.65x the raw openai SDK"),
    ("stream", "cpu_ms", "vs_haystack", 1.0, "client CPU below Haystack's OpenAIChatGenerator"),
    ("stream_async", "cpu_ms", "ratio", 0.70, "client CPU <= 0.70x AsyncOpenAI (the sync target + 0.05)"),
    ("stream_async", "cpu_ms", "gap", 0.05, "ratio to AsyncOpenAI at most 0.05 above the sync stream's ratio"),
    (
        "stream_async",
        "cpu_ms",
        "gap_over_floor",
        0.05,
        "what it adds above its floor at most 0.05 above what the sync stream adds above its own",
    ),
    ("paced", "cpu_ms", "ratio", 0.55, "client CPU <= 0.55x the raw openai SDK"),
    ("reasoning_tools", "cpu_ms", "ratio", 0.70, "client CPU <= 0.70x the raw openai SDK (the stream target + 0.05)"),
    ("reasoning_tools", "cpu_ms", "gap", 0.05, "ratio at most 0.05 above the 2,000-chunk text stream's ratio"),
    ("concurrent", "wall_ms", "ratio", 1.10, "wall <= 1.10x AsyncOpenAI"),
    ("ttft", "ttft_ms", "difference", 1.0, "within 1 ms of the raw openai SDK"),
    ("import", "wall_ms", "ratio", 1.05, "wall <= 1.05x Haystack's OpenAIChatGenerator"),
    # On a shared machine the wall time of a one-second import mostly measures the scheduler; CPU time is steadier.
    ("import", "cpu_ms", "ratio", 1.05, "CPU <= 1.05x Haystack's OpenAIChatGenerator"),
)

GAP_REFERENCES = {"plain_async": "plain", "stream_async": "stream", "reasoning_tools": "stream"}
GAP_TITLES = {"plain_async": "plain reply", "stream_async": "stream"}


def _log(started: float) -> Any:
    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    return log


def machine() -> dict[str, Any]:
    """What the figures were measured on: CPU, cores, OS, Python, package versions, commit, load."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    commit = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": versions,
        "commit": commit,
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def run_embedders(quick: bool, log: Any) -> dict[str, Any]:
    """The document-embedder benchmark of `benchmarks/embedders.py`, when that module is present."""
    try:
        import embedders  # noqa: PLC0415  # optional: written separately, may be absent
    except ImportError as error:
        return {"skipped": f"benchmarks/embedders.py could not be imported ({error})"}
    wanted: dict[str, Any] = {"documents": 64, "concurrencies": (1, 4), "repeats": 1} if quick else {"repeats": 3}
    parameters = inspect.signature(embedders.run_benchmark).parameters
    log("embedders: running")
    try:
        figures: dict[str, Any] = embedders.run_benchmark(**{k: v for k, v in wanted.items() if k in parameters})
    except Exception as error:  # the chat figures of a long run must still be written
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}
    if "markdown" not in figures and hasattr(embedders, "to_markdown"):
        figures["markdown"] = embedders.to_markdown(figures)
    return figures


def evaluate_targets(workloads: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target with the measured value (median of per-round ratios or differences) and whether it is met."""
    evaluated = []
    for workload, metric, comparison, limit, description in TARGETS:
        result = workloads.get(workload)
        if result is None:
            continue
        if comparison == "gap_over_floor":
            reference = workloads.get(GAP_REFERENCES[workload])
            if reference is None or "floor" not in reference["summary"]["ratios"]:
                continue
            reference_over = _over_floor(reference, metric)["median"]
            own_over = _over_floor(result, metric)
            spread = {key: own_over[key] - reference_over for key in ("median", "p25", "p75")}
        elif comparison == "gap":
            reference = workloads.get(GAP_REFERENCES[workload])
            if reference is None:
                continue
            # The median ratio less the reference's median ratio; the range is this workload's p25-p75 less the same.
            reference_median = reference["summary"]["ratios"]["aimlapi"][metric]["median"]
            own = result["summary"]["ratios"]["aimlapi"][metric]
            spread = {key: own[key] - reference_median for key in ("median", "p25", "p75")}
        elif comparison == "ratio":
            spread = result["summary"]["ratios"]["aimlapi"][metric]
        elif comparison == "difference":
            spread = result["summary"]["differences"]["aimlapi"][metric]
        else:
            spread = result["aimlapi_vs_haystack"][metric]
        value = spread["median"]
        met = value < limit if comparison == "vs_haystack" else value <= limit
        evaluated.append(
            {
                "target": f"{result['title']}: {description}",
                "workload": workload,
                "metric": metric,
                "comparison": comparison,
                "limit": limit,
                "value": round(value, 6),
                "p25": round(spread["p25"], 6),
                "p75": round(spread["p75"], 6),
                "met": met,
            }
        )
    return evaluated


def _over_floor(result: dict[str, Any], metric: str) -> dict[str, float]:
    """Per round, this package's ratio to the raw SDK less the floor's ratio: the median and quartiles."""
    ratios = result["summary"]["ratios"]
    ours, floor = ratios["aimlapi"][metric]["rounds"], ratios["floor"][metric]["rounds"]
    return spread_of([own - least for own, least in zip(ours, floor, strict=True)])


def floor_gaps(workloads: dict[str, dict[str, Any]]) -> dict[str, float]:
    """For each async twin, its floor's median ratio less the sync floor's: what the HTTP stack alone adds."""
    gaps = {}
    for workload in ("plain_async", "stream_async"):
        result, reference = workloads.get(workload), workloads.get(GAP_REFERENCES[workload])
        if result is None or reference is None:
            continue
        own, other = result["summary"]["ratios"].get("floor"), reference["summary"]["ratios"].get("floor")
        if own is not None and other is not None:
            gaps[workload] = round(own["cpu_ms"]["median"] - other["cpu_ms"]["median"], 6)
    return gaps


def _format_value(comparison: str, value: float) -> str:
    if comparison in ("gap", "gap_over_floor"):
        return f"{value:+.3f}"
    return f"{value:+.2f} ms" if comparison == "difference" else f"{value:.3f}x"


def _workload_table(result: dict[str, Any]) -> list[str]:
    summary = result["summary"]
    baseline = summary["baseline"]
    labels = result["contender_labels"]
    metrics = list(summary["contenders"][baseline])
    header = ["contender"]
    for metric in metrics:
        header += [f"{METRIC_NAMES.get(metric, metric)}, median", f"ratio to {labels[baseline]}"]
    for metric in next(iter(summary["differences"].values()), {}):
        header.append(f"{METRIC_NAMES.get(metric, metric)}, difference to {labels[baseline]}")
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    for name, figures in summary["contenders"].items():
        cells = [labels.get(name, name)]
        for metric in metrics:
            cells.append(f"{figures[metric]['median']:.3f}")
            if name == baseline:
                cells.append("1 (baseline)")
            else:
                ratio = summary["ratios"][name][metric]
                cells.append(f"{ratio['median']:.3f}x ({ratio['p25']:.3f}-{ratio['p75']:.3f})")
        for metric in next(iter(summary["differences"].values()), {}):
            if name == baseline:
                cells.append("0 (baseline)")
            else:
                difference = summary["differences"][name][metric]
                cells.append(f"{difference['median']:+.2f} ({difference['p25']:+.2f} to {difference['p75']:+.2f})")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def to_markdown(report: dict[str, Any]) -> str:
    """RESULTS.md: machine, targets, then one table per workload."""
    info = report["machine"]
    packages = ", ".join(f"{name} {version}" for name, version in info["packages"].items() if version)
    lines = [
        "# Benchmark results",
        "",
        (
            f"Generated by `python benchmarks/run.py{' --quick' if report['mode'] == 'quick' else ''}` on "
            f"{report['generated_at']} ({report['mode']} run, {report['duration_s']:.0f} s). How to read and "
            "reproduce these figures: [README.md](README.md). Ray Data and the cluster-wide limiter are measured "
            "apart, by `python benchmarks/ray_bench.py`: [RAY.md](RAY.md)."
        ),
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), {info['os']}",
        f"- Python: {info['python']}",
        f"- Packages: {packages}",
        (
            f"- Commit: {info['commit']}; load average at start {_load(info['load_average_at_start'])}, at end "
            f"{_load(info.get('load_average_at_end'))}"
        ),
        "",
        "## Targets",
        "",
        (
            "Each value is the median of per-round ratios (or differences) of `AIMLAPIChatGenerator` to the "
            "baseline, with the interquartile range beside it. A signed value without `x` is a gap: that median "
            "ratio less the median ratio of its sync (or text-stream) counterpart in the same run, the range its "
            "p25-p75 less the same. Targets are reported, never asserted."
        ),
        "",
        "| target | measured | range (p25-p75) | met |",
        "| --- | ---: | ---: | :---: |",
    ]
    for target in report["targets"]:
        comparison = target["comparison"]
        lines.append(
            f"| {target['target']} | {_format_value(comparison, target['value'])} | "
            f"{_format_value(comparison, target['p25'])} - {_format_value(comparison, target['p75'])} | "
            f"{'yes' if target['met'] else '**no**'} |"
        )
    gaps = floor_gaps({result["name"]: result for result in report["workloads"]})
    if gaps:
        shown = "; ".join(f"{GAP_TITLES[name]} {value:+.3f}" for name, value in gaps.items())
        lines += [
            "",
            (
                "A gap over the floor takes each workload's floor ratio (its request and bytes through the raw SDK's "
                "client, nothing decoded; the floor row of its table) from this package's ratio before comparing. "
                f"The async floors alone, less the sync floors: {shown}. That much of a plain gap is the HTTP "
                "stack's async path, which every client of the SDK pays."
            ),
        ]
    for result in report["workloads"]:
        lines += ["", f"## {result['title']}", "", result["description"], ""]
        settings = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in result["settings"].items())
        lines += [f"Settings: {settings}.", ""]
        lines += _workload_table(result)
        versus = result.get("aimlapi_vs_haystack")
        if versus:
            ratios = ", ".join(
                f"{METRIC_NAMES.get(metric, metric)} {spread['median']:.3f}x" for metric, spread in versus.items()
            )
            lines += ["", f"`AIMLAPIChatGenerator` / Haystack's `OpenAIChatGenerator`, per round: {ratios}."]
    embedders = report.get("embedders")
    if embedders is not None:
        lines += ["", "## Document embedders", ""]
        if "skipped" in embedders:
            lines.append(f"Skipped: {embedders['skipped']}.")
        elif "error" in embedders:
            lines.append(f"Failed: {embedders['error']}")
        else:
            lines.append(embedders.get("markdown", "(no table)"))
    return "\n".join(lines) + "\n"


def _load(load: list[float] | None) -> str:
    return "n/a" if not load else " / ".join(f"{value:.2f}" for value in load)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few rounds, small replies")
    parser.add_argument(
        "--only",
        default=",".join(ALL),
        help=f"comma-separated workloads to run (default: all of {','.join(ALL)})",
    )
    parser.add_argument("--output-dir", type=Path, default=HERE, help="where RESULTS.md and results.json go")
    parser.add_argument(
        "--render", type=Path, metavar="RESULTS_JSON", help="measure nothing: rewrite RESULTS.md from a results.json"
    )
    args = parser.parse_args(argv)
    if args.render is not None:
        report = json.loads(args.render.read_text())
        report["targets"] = evaluate_targets({result["name"]: result for result in report["workloads"]})
        args.render.write_text(json.dumps(report, indent=2) + "\n")
        (args.render.parent / "RESULTS.md").write_text(to_markdown(report))
        return 0
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = sorted(set(only) - set(ALL))
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(ALL)}")

    started = time.monotonic()
    log = _log(started)
    settings = QUICK if args.quick else FULL
    report: dict[str, Any] = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "settings": settings_dict(settings),
    }
    workloads = run_chat_benchmarks(settings, progress=log, only=tuple(w for w in WORKLOADS if w in only))
    if "import" in only:
        workloads.append(run_import_benchmark(rounds=2 if args.quick else 15, progress=log))
    report["workloads"] = workloads
    report["targets"] = evaluate_targets({result["name"]: result for result in workloads})
    if "embedders" in only:
        report["embedders"] = run_embedders(args.quick, log)
    report["machine"]["load_average_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    report["duration_s"] = round(time.monotonic() - started, 1)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.output_dir / "RESULTS.md").write_text(to_markdown(report))
    log(f"wrote {args.output_dir / 'RESULTS.md'} and {args.output_dir / 'results.json'}")
    for target in report["targets"]:
        verdict = "met" if target["met"] else "MISSED"
        print(f"{verdict:6}  {_format_value(target['comparison'], target['value']):>10}  {target['target']}")
    for name, value in floor_gaps({result["name"]: result for result in workloads}).items():
        print(f"{'floor':6}  {value:>+10.3f}  async floor less sync floor, {GAP_TITLES[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
