# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The AI/ML API-shaped loopback server of `benchmarks/ray_server.py`, for the callables and the Ray cluster tests."""

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_ray_server() -> ModuleType:
    name = "benchmarks_ray_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / "ray_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ray_server = load_ray_server()


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[Any]:
    """A local Ray cluster (2 CPUs, no dashboard) for every test that asks for it, shut down at the end."""
    ray = pytest.importorskip("ray")
    ray_data = pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    context = ray_data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture
def loopback() -> Iterator[tuple[str, Any]]:
    """A fresh server (5 ms per request, no limit) on 127.0.0.1: its `/v1` URL and its account."""
    with ray_server.serve_in_thread(latency_ms=5) as served:
        yield served
