"""The run's progress actor: the latest counters of each segment, while the run goes on.

Pinned to the driver's node (hard affinity): an actor elsewhere dies with its node, and the
driver waiting on it would die too. Named `eventum-<run id>` in the `eventum` namespace, so
anything connected to the cluster can read a run's counters (`ray.get_actor`).
"""

from __future__ import annotations

from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from eventum_core.pipeline.counters import Counters

NAMESPACE = "eventum"


@ray.remote(num_cpus=0, max_restarts=0)
class RunProgress:
    def __init__(self) -> None:
        self._segments: dict[int, Counters] = {}
        self._ready: set[int] = set()
        self._now: str | None = None

    def ready(self, segment: int) -> str | None:
        """A live segment is loaded and waits for the run's `now` (None until every one is)."""
        self._ready.add(segment)
        return self._now

    def waiting(self) -> int:
        return len(self._ready)

    def start(self, now: str) -> None:
        self._now = now

    def report(self, segment: int, counters: Counters) -> None:
        """A segment's counters so far; a rerun's replace those of the attempt that died."""
        self._segments[segment] = counters

    def segments(self) -> dict[int, Counters]:
        return dict(self._segments)

    def snapshot(self) -> dict[str, Any]:
        """Counters per segment, as the REST API shows a generator's."""
        return {str(i): c.snapshot() for i, c in sorted(self._segments.items())}


def start(run_id: str) -> Any:
    node = ray.get_runtime_context().get_node_id()
    return RunProgress.options(  # type: ignore[attr-defined]
        name=f"eventum-{run_id}",
        namespace=NAMESPACE,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False),
    ).remote()
