# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""The AI/ML API-shaped loopback server of `benchmarks/ray_server.py`, for the callables and the Ray cluster tests."""

import importlib.util
import sys
import time
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


@pytest.fixture(autouse=True)
def no_default_limiter_left() -> Iterator[None]:
    """
    After each test, stops a limiter actor of the default name that the test left running.

    The examples' limiters all take the default name, and `ClusterLimiter` joins a running actor of that name. One
    left by a test is garbage-collected once its handles are gone, at a moment of Ray's choosing: the next test could
    join it just before it dies, and its rows would fail. So it is killed here, and the name waited for.
    """
    yield
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        shut_down_default_limiter(ray)


def shut_down_default_limiter(ray: Any) -> None:
    """Stops the limiter actor of the default name, if any, and waits until its name is free to take again."""
    from haystack_integrations.ray.aimlapi.limiter import DEFAULT_LIMITER_NAME  # noqa: PLC0415  # needs Ray

    try:
        ray.kill(ray.get_actor(DEFAULT_LIMITER_NAME))
    except ValueError:  # none is running
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            ray.get_actor(DEFAULT_LIMITER_NAME)
        except ValueError:
            return
        time.sleep(0.05)
    raise AssertionError(f"the limiter actor {DEFAULT_LIMITER_NAME!r} was killed but still holds its name")
