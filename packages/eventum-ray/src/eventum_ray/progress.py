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
        self._segments: dict[int, tuple[str, Counters]] = {}
        self._lost: dict[int, dict[str, Counters]] = {}  # segment -> replaced attempt -> counters
        self._ready: set[int] = set()
        self._now: str | None = None
        self._stopping = False

    def ready(self, segment: int) -> str | None:
        """A live segment is loaded and waits for the run's `now` (None until every one is)."""
        self._ready.add(segment)
        return self._now

    def waiting(self) -> int:
        return len(self._ready)

    def start(self, now: str) -> None:
        self._now = now

    def stop(self) -> None:
        """Ctrl-C on the driver: every segment stops taking timestamps and writes what it made."""
        self._stopping = True

    def report(self, segment: int, attempt: str, counters: Counters) -> bool:
        """An attempt's counters so far; the answer says whether the run is stopping. A rerun's
        replace those of the attempt that died, which are kept (a rerun writes again what that
        attempt had written); a replaced attempt that still reports (a node cut off, not dead)
        updates its own, not the segment's."""
        replaced = self._lost.setdefault(segment, {})
        if attempt in replaced:
            replaced[attempt] = counters
            return self._stopping
        previous = self._segments.get(segment)
        if previous is not None and previous[0] != attempt:
            replaced[previous[0]] = previous[1]
        self._segments[segment] = (attempt, counters)
        return self._stopping

    def segments(self) -> dict[int, Counters]:
        return {i: counters for i, (_, counters) in self._segments.items()}

    def lost(self) -> dict[int, list[Counters]]:
        """The last counters of each segment's attempts that died, by segment."""
        return {i: list(attempts.values()) for i, attempts in self._lost.items() if attempts}

    def snapshot(self) -> dict[str, Any]:
        """Counters per segment, as the REST API shows a generator's."""
        return {str(i): c.snapshot() for i, (_, c) in sorted(self._segments.items())}


def start(run_id: str) -> Any:
    node = ray.get_runtime_context().get_node_id()
    return RunProgress.options(  # type: ignore[attr-defined]
        name=f"eventum-{run_id}",
        namespace=NAMESPACE,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False),
    ).remote()
