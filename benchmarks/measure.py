# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Interleaved rounds, medians and per-round ratios: the statistics every benchmark here reports.

The machine the benchmarks run on is shared and has few cores, so its speed drifts during a run. Each round
therefore measures every contender once, in an order rotated from round to round, and each contender is compared
with the baseline *of the same round*; the medians of those per-round ratios are what the report quotes.

Usage example:
```python
samples = run_rounds({"openai": measure_sdk, "aimlapi": measure_ours}, rounds=15)
summary = summarize(samples, baseline="openai")
print(summary["ratios"]["aimlapi"]["cpu_ms"]["median"])
```
"""

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

Sample = dict[str, float]
"""One contender's figures for one round, e.g. `{"cpu_ms": 0.9, "wall_ms": 1.7}` (per request)."""


def timed_batch(call: Callable[[], object], requests: int) -> Sample:
    """Run `call` `requests` times; client CPU and wall time per request, in milliseconds."""
    gc.collect()  # a collection owed by the previous contender must not land in this one's figures
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for _ in range(requests):
        call()
    cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
    return {"cpu_ms": cpu * 1000 / requests, "wall_ms": wall * 1000 / requests}


def run_rounds(
    contenders: Mapping[str, Callable[[], Sample]], *, rounds: int, progress: Callable[[str], None] | None = None
) -> dict[str, list[Sample]]:
    """
    Call each contender once per round, the order rotated each round; return every contender's samples.

    :param contenders: Name to a callable that measures one round and returns its `Sample`.
    :param rounds: How many rounds.
    :param progress: Called with a short status line after each round.
    """
    names = list(contenders)
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(contenders[name]())
        if progress is not None:
            progress(f"round {round_number + 1}/{rounds}")
    return samples


def spread(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    if len(ordered) >= 4:
        quartiles = statistics.quantiles(ordered, n=4, method="inclusive")
        low, high = quartiles[0], quartiles[2]
    else:
        low, high = ordered[0], ordered[-1]
    return {
        "median": statistics.median(ordered),
        "p25": low,
        "p75": high,
        "min": ordered[0],
        "max": ordered[-1],
        "rounds": [round(value, 6) for value in values],
    }


def summarize(
    samples: Mapping[str, list[Sample]], *, baseline: str, differences: tuple[str, ...] = ()
) -> dict[str, Any]:
    """
    Medians per contender and metric, and per-round ratios (and, for `differences`, per-round differences) to
    `baseline`.

    :returns: `{"contenders": {name: {metric: spread}}, "ratios": {name: {metric: spread}},
        "differences": {name: {metric: spread}}}`, where a spread holds `median`, `p25`, `p75`, `min`, `max` and
        the per-round `rounds` values.
    """
    metrics = list(samples[baseline][0])
    summary: dict[str, Any] = {"baseline": baseline, "contenders": {}, "ratios": {}, "differences": {}}
    for name, rounds in samples.items():
        summary["contenders"][name] = {metric: spread([sample[metric] for sample in rounds]) for metric in metrics}
        if name == baseline:
            continue
        pairs = list(zip(rounds, samples[baseline], strict=True))
        summary["ratios"][name] = {
            metric: spread([ours[metric] / base[metric] for ours, base in pairs if base[metric] > 0])
            for metric in metrics
        }
        if differences:
            summary["differences"][name] = {
                metric: spread([ours[metric] - base[metric] for ours, base in pairs]) for metric in differences
            }
    return summary
