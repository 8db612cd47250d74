# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
import asyncio
from typing import Any

from haystack_integrations.common.aimlapi.limiter import AdaptiveConcurrency, AdaptiveLimiter, LimiterStats, Permit

DEFAULT_LIMITER_NAME = "aimlapi-limiter"


class _LimiterActor:
    """The Ray actor behind `ClusterLimiter`: one `AdaptiveLimiter` on the actor's event loop."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self._limiter = AdaptiveLimiter(**parameters)

    async def acquire(self) -> Permit:
        return await self._limiter.acquire_async()

    def release(self, permit: Permit, throttled: bool, retry_after: float | None) -> None:
        self._limiter.release(permit, throttled=throttled, retry_after=retry_after)

    def stats(self) -> LimiterStats:
        return self._limiter.stats()


class ClusterLimiter:
    """
    One adaptive limit on the requests in flight to AI/ML API across a Ray cluster: a small Ray actor that every
    worker asks before each HTTP request, and tells how it went. On a 429 it lowers the limit for everyone and pauses
    everyone for the server's `Retry-After`; while requests succeed it raises the limit again (the rule is
    `haystack_integrations.common.aimlapi.limiter.AdaptiveConcurrency`).

    <!-- not-run: needs the ray extra and a cluster; tests/ray/test_docstring_examples.py runs it on a local one -->
    ```python
    import ray
    from haystack_integrations.ray.aimlapi import AIMLAPIEmbeddingCallable, ClusterLimiter

    ray.init()
    limiter = ClusterLimiter(initial_limit=8, max_limit=64)
    dataset = ray.data.read_parquet("chunks.parquet").map_batches(
        AIMLAPIEmbeddingCallable,
        fn_constructor_kwargs={"limiter": limiter},
        batch_format="pandas",
        concurrency=4,
        num_cpus=0.25,
    )
    ```

    The handle pickles, so it can be passed to actors in `fn_constructor_kwargs`. Each request costs two small
    messages to the actor (a wait for a place, then a fire-and-forget release): well under a millisecond on one
    machine, a network round trip across machines, which is small next to a model's answer.
    """

    def __init__(self, *, name: str = DEFAULT_LIMITER_NAME, namespace: str | None = None, **parameters: Any) -> None:
        """
        Creates the limiter actor, or joins the one of that name that is already running in the cluster.

        :param name: The actor's name: limiters of the same name (and namespace) are one limiter.
        :param namespace: The Ray namespace of the actor; the job's own by default.
        :param parameters: The limit's rule, as `AdaptiveConcurrency` takes them: `initial_limit`, `min_limit`,
            `max_limit`, `decrease_factor`, `ceiling_ttl`, `default_pause`. Ignored when joining a running limiter.
        :raises TypeError / ValueError: A parameter out of range, before the actor starts.
        :raises ImportError: Ray is not installed; the message says how to install it.
        """
        AdaptiveConcurrency(**parameters)  # checks the parameters here, where the error is readable
        ray = _import_ray()
        actor_class = ray.remote(num_cpus=0, max_concurrency=10_000)(_LimiterActor)
        self.name = name
        self._actor = actor_class.options(name=name, namespace=namespace, get_if_exists=True).remote(parameters)

    def acquire(self) -> Permit:
        """Waits until a request may start, blocking the thread; returns its permit."""
        return _import_ray().get(self._actor.acquire.remote())

    async def acquire_async(self) -> Permit:
        """Waits until a request may start, without blocking the event loop; returns its permit."""
        return await asyncio.wrap_future(self._actor.acquire.remote().future())

    def release(self, permit: Permit, *, throttled: bool = False, retry_after: float | None = None) -> None:
        """Gives back a request's place, with whether the server throttled it. Does not wait for the actor."""
        self._actor.release.remote(permit, throttled, retry_after)

    def stats(self) -> LimiterStats:
        """A snapshot of the shared limit and its counters."""
        return _import_ray().get(self._actor.stats.remote())

    def shutdown(self) -> None:
        """Stops the limiter actor. Workers still holding the handle fail their next request."""
        _import_ray().kill(self._actor)


def _import_ray() -> Any:
    try:
        import ray  # noqa: PLC0415  # Ray is an optional extra, imported only when a cluster limiter is used
    except ImportError as error:
        message = 'ClusterLimiter needs Ray. Install it with: pip install "aimlapi-haystack[ray]>=4.1"'
        raise ImportError(message) from error
    return ray
