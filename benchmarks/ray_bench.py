# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The Ray path, measured: embedding rows per second with 1, 2 and 4 actors (and one process without Ray, for
comparison), and the 429s a concurrency-limited chat server answers with and without the shared `ClusterLimiter`.

Everything runs on this machine: a local Ray cluster (`ray.init(num_cpus=2)`) and `ray_server.py` as a separate
process on 127.0.0.1. Needs the `ray` extra. Writes `benchmarks/RAY.md` and `benchmarks/ray_results.json`.

```bash
python benchmarks/ray_bench.py            # about 3 minutes on 2 busy cores
python benchmarks/ray_bench.py --quick    # tiny settings, a smoke run
```
"""

import argparse
import json
import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import ray
import ray.data
from haystack import Document
from haystack.utils import Secret

from haystack_integrations.components.embedders.aimlapi import AIMLAPIDocumentEmbedder
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from haystack_integrations.ray.aimlapi import AIMLAPIChatCallable, AIMLAPIEmbeddingCallable, ClusterLimiter

HERE = Path(__file__).resolve().parent
KEY = Secret.from_token("benchmark-key")


class ServerProcess:
    """`ray_server.py` in a process of its own, so that it does not share the driver's interpreter lock."""

    def __init__(self, latency_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "ray_server.py"), "--port", "0", "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout is None:
            raise RuntimeError("the server process has no stdout")
        line = self.process.stdout.readline()
        self.url = line.strip().rsplit(" ", 1)[-1]
        self.root = self.url.removesuffix("/v1")

    def reset(self, **options: Any) -> None:
        request = urllib.request.Request(  # loopback only
            f"{self.root}/_reset", data=json.dumps(options).encode(), method="POST"
        )
        urllib.request.urlopen(request).read()

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.root}/_stats") as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def embed_with_ray(server: ServerProcess, rows: int, actors: int) -> dict[str, Any]:
    server.reset()
    embedder = AIMLAPIDocumentEmbedder(
        api_key=KEY, api_base_url=server.url, batch_size=100, max_concurrency=4, progress_bar=False
    )
    dataset = ray.data.range(rows, override_num_blocks=8).map(lambda row: {"text": f"chunk number {row['id']}"})
    started = time.perf_counter()
    result = dataset.map_batches(
        AIMLAPIEmbeddingCallable,
        fn_constructor_kwargs={"embedder": embedder},
        batch_format="pandas",
        batch_size=1_000,
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=0.25,
    ).materialize()
    seconds = time.perf_counter() - started
    failed = result.filter(lambda row: row["error"] is not None).count()
    serving = server.stats()["serving_seconds"]
    return {
        "actors": actors,
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "serving_seconds": serving,
        "rows_per_serving_second": rows / serving if serving else None,
        "failed": failed,
    }


def embed_in_one_process(server: ServerProcess, rows: int, max_concurrency: int) -> dict[str, Any]:
    server.reset()
    embedder = AIMLAPIDocumentEmbedder(
        api_key=KEY, api_base_url=server.url, batch_size=100, max_concurrency=max_concurrency, progress_bar=False
    )
    documents = [Document(content=f"chunk number {row}") for row in range(rows)]
    started = time.perf_counter()
    result = embedder.run(documents)
    seconds = time.perf_counter() - started
    serving = server.stats()["serving_seconds"]
    return {
        "max_concurrency": max_concurrency,
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "serving_seconds": serving,
        "rows_per_serving_second": rows / serving if serving else None,
        "failed": len(result["meta"]["failed_documents"]),
    }


def chat_against_a_limit(
    server: ServerProcess, rows: int, actors: int, server_limit: int, *, shared_limiter: bool
) -> dict[str, Any]:
    server.reset(chat_limit=server_limit, retry_after=0.2)
    limiter = ClusterLimiter(name=f"bench-{time.monotonic_ns()}", initial_limit=4) if shared_limiter else None
    generator = AIMLAPIChatGenerator(api_key=KEY, api_base_url=server.url, model="openai/gpt-4o-mini", max_retries=10)
    dataset = ray.data.range(rows, override_num_blocks=8).map(lambda row: {"prompt": f"question {row['id']}"})
    started = time.perf_counter()
    result = dataset.map_batches(
        AIMLAPIChatCallable,
        fn_constructor_kwargs={"generator": generator, "max_concurrency": 8, "limiter": limiter},
        batch_format="pandas",
        batch_size=100,
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=0.25,
    ).materialize()
    seconds = time.perf_counter() - started
    failed = result.filter(lambda row: row["error"] is not None).count()
    stats = server.stats()
    limiter_stats = None
    if limiter is not None:
        final = limiter.stats()
        limiter_stats = {"limit": final.limit, "ceiling": final.ceiling, "throttled": final.throttled}
        limiter.shutdown()
    return {
        "shared_limiter": shared_limiter,
        "actors": actors,
        "rows": rows,
        "server_limit": server_limit,
        "requests_sent": len(stats["arrivals"]),
        "throttled_429": stats["throttled"],
        "failed_rows": failed,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "serving_seconds": stats["serving_seconds"],
        "rows_per_serving_second": rows / stats["serving_seconds"] if stats["serving_seconds"] else None,
        "limiter_at_end": limiter_stats,
    }


def _figures(run: dict[str, Any]) -> str:
    serving = run.get("serving_seconds")
    per_second = run.get("rows_per_serving_second")
    return (
        f"{run['seconds']:.1f} | {run['rows_per_second']:,.0f} | "
        f"{f'{serving:.1f}' if serving else '-'} | {f'{per_second:,.0f}' if per_second else '-'}"
    )


def _other_rows(results: dict[str, Any]) -> str:
    """Where the rows a partial run (`--only`) did not measure come from."""
    when = results.get("other_rows_from")
    return f" (the other rows from the full run of {when})" if when else ""


def render(results: dict[str, Any]) -> str:
    settings = results["settings"]
    lines = [
        "# Ray benchmark",
        "",
        "<!-- Written by benchmarks/ray_bench.py; do not edit by hand. -->",
        "",
        f"Run {results['when']} on {results['machine']}: a local Ray cluster with 2 CPUs, and",
        f"`benchmarks/ray_server.py` as a separate process on 127.0.0.1 ({settings['latency_ms']:g} ms per request).",
        "The machine was shared with other work while this ran, so treat the figures as rough. Command:",
        f"`{results['command']}`{_other_rows(results)}. When Ray is worth it, in the light of these: `docs/ray.md`.",
        "",
        f"## Embedding {settings['embed_rows']:,} rows",
        "",
        "`AIMLAPIEmbeddingCallable` over `AIMLAPIDocumentEmbedder(batch_size=100, max_concurrency=4)` per actor, Ray",
        "batches of 1,000 rows; the time includes starting the actors. For comparison, the same embedder in one",
        "process without Ray.",
        f"Starting the actors alone (8 rows, 4 actors) took {results['startup']['seconds']:.1f} s.",
        "",
        '"serving" is the time from the server\'s first request to its last answer: the run without start-up.',
        "",
        "| path | seconds, all | rows/s, all | seconds serving | rows/s serving | failed rows |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in results["embedding_ray"]:
        name = f"Ray, {run['actors']} actor{'s' if run['actors'] > 1 else ''}"
        lines.append(f"| {name} | {_figures(run)} | {run['failed']} |")
    for run in results["embedding_one_process"]:
        lines.append(f"| one process, max_concurrency={run['max_concurrency']} | {_figures(run)} | {run['failed']} |")
    lines += [
        "",
        f"## Chat against a concurrency limit of {settings['server_limit']}",
        "",
        f"{settings['chat_rows']:,} rows through `AIMLAPIChatCallable` on {settings['chat_actors']} actors, each with",
        "`max_concurrency=8` (so up to 32 requests wanted at once); the server answers 429 with `Retry-After: 0.2`",
        "above its limit. Without the shared limiter each actor's client retries its own 429s (`max_retries=10`);",
        "with it, every request waits for a place under one `ClusterLimiter` (`initial_limit=4`).",
        "",
        (
            "| shared limiter | requests sent | 429s | failed rows | seconds, all | rows/s, all | seconds serving | "
            "rows/s serving | limit at the end |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in results["chat_limit"]:
        limiter = run.get("limiter_at_end")
        lines.append(
            f"| {'yes' if run['shared_limiter'] else 'no'} | {run['requests_sent']:,} | {run['throttled_429']:,} | "
            f"{run['failed_rows']} | {_figures(run)} | {limiter['limit'] if limiter else '-'} |"
        )
    return "\n".join(lines) + "\n"


def run_embedding(server: ServerProcess, settings: dict[str, Any], results: dict[str, Any]) -> None:
    # What starting 4 actors costs: the same pipeline over 8 rows.
    results["startup"] = embed_with_ray(server, 8, 4)
    print(results["startup"], flush=True)
    for actors in (1, 2, 4):
        results["embedding_ray"].append(embed_with_ray(server, settings["embed_rows"], actors))
        print(results["embedding_ray"][-1], flush=True)
    for max_concurrency in (4, 16):
        run = embed_in_one_process(server, settings["embed_rows"], max_concurrency)
        results["embedding_one_process"].append(run)
        print(run, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny settings: a smoke run")
    parser.add_argument("--output-dir", type=Path, default=HERE)
    parser.add_argument(
        "--only", choices=("embedding", "chat"), help="run one part; the other's figures are kept from the last run"
    )
    args = parser.parse_args()
    settings = {
        "latency_ms": 50.0,
        "embed_rows": 2_000 if args.quick else 100_000,
        "chat_rows": 100 if args.quick else 1_000,
        "chat_actors": 4,
        "server_limit": 8,
    }
    server = ServerProcess(settings["latency_ms"])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    try:
        results: dict[str, Any] = {
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
            f"Ray {ray.__version__}",
            "command": "python benchmarks/ray_bench.py" + (" --quick" if args.quick else ""),
            "settings": settings,
            "embedding_ray": [],
            "embedding_one_process": [],
            "chat_limit": [],
        }
        previous_path = args.output_dir / "ray_results.json"
        if args.only and previous_path.exists():
            previous = json.loads(previous_path.read_text())
            kept = ("startup", "embedding_ray", "embedding_one_process") if args.only == "chat" else ("chat_limit",)
            results.update({key: previous[key] for key in kept})
            results["command"] += f" --only {args.only}"
            results["other_rows_from"] = previous["when"]
        if args.only in (None, "embedding"):
            run_embedding(server, settings, results)
        for shared in (False, True) if args.only in (None, "chat") else ():
            run = chat_against_a_limit(
                server, settings["chat_rows"], settings["chat_actors"], settings["server_limit"], shared_limiter=shared
            )
            results["chat_limit"].append(run)
            print(run, flush=True)
    finally:
        ray.shutdown()
        server.stop()
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "ray_results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.output_dir / "RAY.md").write_text(render(results))
    print(f"wrote {args.output_dir / 'RAY.md'}")


if __name__ == "__main__":
    main()
