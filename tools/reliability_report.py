# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Run the reliability suite and write `docs/reliability.md` from what it measured.

Usage, from the repository root, in an environment with the test extras installed:

    python tools/reliability_report.py            # run `pytest -m reliability`, then write docs/reliability.md
    python tools/reliability_report.py --output -  # print the report instead

Every figure in the report comes from the run this command starts: each test records its facts through the
`fact` fixture (tests/reliability/conftest.py), which writes them to the JSON file named by `RELIABILITY_FACTS`.
If any test fails, nothing is written and the exit status is pytest's.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "reliability.md"
COMMAND = "python tools/reliability_report.py"
FACTS_ENV = "RELIABILITY_FACTS"
PACKAGES = ("aimlapi-haystack", "haystack-ai", "openai", "httpx", "llmock", "pytest")
MAX_CELL = 600

Row = dict[str, Any]
Column = tuple[str, Callable[[Row], Any]]


def run_suite(facts_file: Path) -> tuple[int, float]:
    command = [sys.executable, "-m", "pytest", "-m", "reliability", "-p", "no:cacheprovider", "-q", "tests"]
    sys.stderr.write(f"+ {' '.join(command)}\n")
    started = time.monotonic()
    completed = subprocess.run(command, cwd=ROOT, env={**os.environ, FACTS_ENV: str(facts_file)}, check=False)  # noqa: S603
    return completed.returncode, time.monotonic() - started


# --- formatting ---------------------------------------------------------------------------------------------------


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, list | tuple):
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{key}: {item}" for key, item in value.items())
    else:
        text = str(value)
    text = " ".join(text.split())
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return text.replace("|", "\\|")


def seconds(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f} s"


def table(rows: Iterable[Row], columns: list[Column]) -> list[str]:
    lines = ["| " + " | ".join(header for header, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(get(row)) for _, get in columns) + " |" for row in rows]
    return lines


def kibibytes(value: int) -> str:
    return f"{value / 1024:+,.0f} KiB"


# --- sections -----------------------------------------------------------------------------------------------------


def retries_section(rows: list[Row]) -> list[str]:
    return [
        "## Retries",
        "",
        "llmock answers with the scripted statuses, then a reply. Attempts, statuses and waits are read from llmock's",
        "request journal (every attempt of one call has the same fingerprint); waits are measured on the server's",
        "clock, from the end of one answer to the start of the next attempt.",
        "",
        *table(
            rows,
            [
                ("Case", lambda r: r["case"]),
                ("Mode", lambda r: r["mode"]),
                ("Statuses seen by the server", lambda r: r["statuses"]),
                ("Attempts", lambda r: r["attempts"]),
                ("Server asked to wait", lambda r: seconds(r["server_asked_s"], 3)),
                ("Shortest wait", lambda r: seconds(r["shortest_wait_s"], 3)),
                ("Time", lambda r: seconds(r["seconds"])),
                ("Data lost", lambda r: r.get("lost")),
                ("Outcome", lambda r: r["outcome"]),
            ],
        ),
    ]


def stream_faults_section(rows: list[Row]) -> list[str]:
    return [
        "## Stream faults",
        "",
        "llmock breaks the stream after a set number of SSE events. *Sent intact* is how many events the server sent",
        "before the fault, *received* how many the generator read (`StreamInterruptedError.chunks_received`), and",
        "*data lost* is what was sent but did not reach the caller: events not read plus text the streaming callback",
        "did not get. The partial reply in the error holds the same text as the callback.",
        "",
        *table(
            rows,
            [
                ("Fault", lambda r: r["fault"]),
                ("Mode", lambda r: r["mode"]),
                ("What happened", lambda r: r["raised"]),
                ("Message", lambda r: r["message"]),
                ("Attempts", lambda r: r["attempts"]),
                ("Sent intact", lambda r: r["sent_before_fault"]),
                ("Received", lambda r: r["received"]),
                ("Text the callback got", lambda r: repr(r["callback_text"])),
                ("Data lost", lambda r: r["lost"]),
                ("Time", lambda r: seconds(r["seconds"])),
                ("Timeout", lambda r: seconds(r["timeout_s"])),
            ],
        ),
    ]


def model_output_section(rows: list[Row]) -> list[str]:
    return [
        "## Bad model output",
        "",
        *table(
            rows,
            [
                ("Case", lambda r: r["case"]),
                ("Component", lambda r: r["component"]),
                ("Result", lambda r: r["result"]),
            ],
        ),
    ]


def markup_shown(value: Any) -> str:
    """Text that quotes what a server sent: its `<html>` must show as text, not be rendered by the Markdown viewer."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hostile_servers_section(rows: list[Row]) -> list[str]:
    return [
        "## Hostile servers",
        "",
        "Answers that are not what the protocol promises, one representative case per class (the component tests",
        "cover each class in full). Chat and embedding answers come from a scripted httpx transport; image downloads",
        "from a small raw-socket server on 127.0.0.1 that trickles and redirects. Every case ends in a typed error",
        "whose message says what was wrong, or in a correct result; nothing malformed is returned as good.",
        "",
        *table(
            rows,
            [
                ("Component", lambda r: r["component"]),
                ("Case", lambda r: r["case"]),
                ("What the server sent", lambda r: markup_shown(r["sent"])),
                ("What the caller got", lambda r: markup_shown(r["got"])),
            ],
        ),
    ]


def _fds(row: Row) -> str:
    under_load = row.get("fds_under_load")
    return f"{row['fds_before']} / {under_load if under_load is not None else '-'} / {row['fds_after']}"


LOAD_ROWS: list[tuple[str, Callable[[Row], Any]]] = [
    ("Requests", lambda r: r["requests"]),
    ("Concurrency (in flight at once)", lambda r: r["concurrency"]),
    ("Peak in flight, client side", lambda r: r.get("peak_in_flight_client")),
    ("Peak in flight, server side", lambda r: r["first_round"]["peak_in_flight_at_server"]),
    ("Injected error rates", lambda r: ", ".join(f"{s}: {p:.0%}" for s, p in r["injected"].items())),
    ("max_retries", lambda r: r["max_retries"]),
    ("Attempts the server saw", lambda r: r["first_round"]["attempts"]),
    ("Retries seen, by status", lambda r: r["first_round"]["statuses"]),
    ("Retries seen, total", lambda r: r["first_round"]["retries"]),
    ("Most attempts for one request", lambda r: r["first_round"]["most_attempts_for_one_request"]),
    ("Correct replies (matched to their prompt)", lambda r: r["correct_replies"]),
    ("Duplicate / lost replies", lambda r: f"{r['duplicates']} / {r['lost']}"),
    ("Wall time", lambda r: seconds(r["wall_s"])),
    ("Clients built", lambda r: r.get("clients_built")),
    ("Open file descriptors: before / under load / after close", _fds),
    (
        "Second round: wall time, retries",
        lambda r: f"{r['second_wall_s']:.2f} s, {r['second_round']['retries']}" if "second_round" in r else None,
    ),
    (
        "Resident memory growth over the second round",
        lambda r: kibibytes(r["rss_growth_bytes"]) if "rss_growth_bytes" in r else None,
    ),
]


def load_section(rows: list[Row]) -> list[str]:
    lines = [
        "## Load",
        "",
        "One generator instance, against llmock injecting errors at random (its `--error-rate` flags, which answer",
        "429 and 503 with `Retry-After: 1`). Every prompt is unique and llmock echoes it, so each reply is checked",
        "against its own request; the journal confirms each prompt was served exactly once. Memory is the process's",
        "resident set after a first round of the same size, then after the second.",
        "",
        "| | " + " | ".join(cell(row["case"]) for row in rows) + " |",
        "|---|" + "---|" * len(rows),
    ]
    lines += [f"| {label} | " + " | ".join(cell(get(row)) for row in rows) + " |" for label, get in LOAD_ROWS]
    return lines


def copies_section(rows: list[Row]) -> list[str]:
    return [
        "## Copies",
        "",
        "Each copy is run against llmock, sync and async, and must build its own client.",
        "",
        *table(
            rows,
            [
                ("Operation", lambda r: r["operation"]),
                ("State of the original", lambda r: r["state"]),
                ("Result", lambda r: r["result"]),
            ],
        ),
    ]


def merge_modes(rows: list[Row]) -> list[Row]:
    """One row per case whose sync and async runs ended the same way."""
    merged: dict[tuple, Row] = {}
    for row in rows:
        key = tuple((name, str(value)) for name, value in row.items() if name not in ("test", "mode", "raised_at"))
        if key in merged:
            merged[key]["mode"] += f", {row['mode']}"
            if row["raised_at"] not in merged[key]["raised_at"]:
                merged[key]["raised_at"] += f" / {row['raised_at']}"
        else:
            merged[key] = dict(row)
    return list(merged.values())


def bad_input_section(rows: list[Row]) -> list[str]:
    local = [row for row in rows if row["requests"] == 0]
    rows = merge_modes(rows)
    return [
        "## Bad input",
        "",
        (
            f"{len({row['misuse'] for row in rows})} misuses. {len({row['misuse'] for row in local})} are detected "
            "locally and raised before any request (llmock's journal stays empty); configuration is checked at "
            "warm-up, after construction and `Pipeline.loads` have succeeded, except a key given as a plain string, "
            "refused at construction so that no saved pipeline can hold it. The rest only the server can judge: "
            "they come back once (a 502 is retried as a server error), with the server's own words."
        ),
        "",
        *table(
            rows,
            [
                ("Misuse", lambda r: r["misuse"]),
                ("Mode", lambda r: r["mode"]),
                ("Raised at", lambda r: r["raised_at"]),
                ("Error", lambda r: r["error"]),
                ("Message", lambda r: r["message"]),
                ("Requests sent", lambda r: r["requests"]),
                ("Saved pipeline", lambda r: r["construction_and_loading"]),
            ],
        ),
    ]


def secrets_section(rows: list[Row]) -> list[str]:
    return [
        "## Secret hygiene",
        "",
        "Searched for the key (and its last 12 characters): the `openai`, `httpx`, `httpcore`, `haystack` and",
        "`haystack_integrations` loggers at DEBUG (messages, arguments, extra fields, tracebacks), the exception's",
        "text, repr and traceback, `to_dict`, `repr`, `Pipeline.dumps()` and pickles. Failure cases include a server",
        "that quotes the key in its error message.",
        "",
        *table(rows, [("Path", lambda r: r["path"]), ("Places the key appeared", lambda r: r["leaks"])]),
    ]


def components_section(rows: list[Row]) -> list[str]:
    return [
        "## Embedders and image generator",
        "",
        "`AIMLAPITextEmbedder`, `AIMLAPIDocumentEmbedder` and `AIMLAPIImageGenerator` under the same faults, against",
        "llmock (attempts and statuses from its journal), and the image generator's downloads from another host.",
        "",
        *table(
            rows,
            [
                ("Component", lambda r: r["component"]),
                ("Case", lambda r: r["case"]),
                ("Mode", lambda r: r["mode"]),
                ("Statuses / retries seen", lambda r: r["statuses"]),
                ("Attempts", lambda r: r["attempts"]),
                ("Time", lambda r: seconds(r["seconds"])),
                ("Outcome", lambda r: r["outcome"]),
            ],
        ),
    ]


SECTIONS: dict[str, Callable[[list[Row]], list[str]]] = {
    "retries": retries_section,
    "stream_faults": stream_faults_section,
    "model_output": model_output_section,
    "hostile_servers": hostile_servers_section,
    "load": load_section,
    "copies": copies_section,
    "bad_input": bad_input_section,
    "secrets": secrets_section,
    "components": components_section,
}


def generic_section(name: str, rows: list[Row]) -> list[str]:
    keys = [key for key in rows[0] if key not in ("table", "test")]
    columns: list[Column] = [(key, lambda r, key=key: r.get(key)) for key in keys]  # type: ignore[misc]
    return [f"## {name.replace('_', ' ').capitalize()}", "", *table(rows, columns)]


# --- the report ---------------------------------------------------------------------------------------------------


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def render(data: dict[str, Any], wall_seconds: float) -> str:
    outcomes: dict[str, str] = data["outcomes"]
    passed = sum(outcome == "passed" for outcome in outcomes.values())
    by_table: dict[str, list[Row]] = {}
    for row in data["facts"]:
        by_table.setdefault(row["table"], []).append(row)
    modules = sorted({nodeid.split("::")[0] for nodeid in outcomes})

    by_table = {name: by_table[name] for name in [*SECTIONS, *by_table] if name in by_table}
    lines = [
        "# Reliability",
        "",
        f"<!-- Generated by `{COMMAND}`; do not edit by hand. -->",
        "",
        f"Generated by `{COMMAND}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. It runs `pytest -m reliability`",
        "(the same tests run in the default `pytest`), and every figure below was measured by that run.",
        "",
        f"- Result: {passed} of {len(outcomes)} tests passed, in {wall_seconds:.1f} s of wall time.",
        (
            f"- Machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}."
        ),
        f"- Packages: {versions()}.",
        f"- Test modules: {', '.join(f'`{module}`' for module in modules)}.",
        "- The server is [llmock](https://pypi.org/project/llmock/), started as a separate process on 127.0.0.1 and",
        "  scripted through its scenario API; proxy error pages come from a scripted httpx transport.",
        "",
    ]
    for name, rows in by_table.items():
        section = SECTIONS.get(name)
        lines += section(rows) if section else generic_section(name, rows)
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="where to write the report; '-' for stdout")
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as workdir:
        facts_file = Path(workdir) / "facts.json"
        exit_code, wall_seconds = run_suite(facts_file)
        if exit_code != 0:
            sys.stderr.write(f"pytest exited with {exit_code}: the report was not written.\n")
            return exit_code
        data = json.loads(facts_file.read_text())

    report = render(data, wall_seconds)
    if arguments.output == "-":
        sys.stdout.write(report)
    else:
        output = Path(arguments.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report)
        sys.stderr.write(f"wrote {output}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
