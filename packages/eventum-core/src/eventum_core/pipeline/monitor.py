"""Watching a run from beside it: `max_duration`, progress reports, and in live mode a warning
when events are written late, naming the stage that holds them up.

In live mode `max_duration` is measured on the timestamps' clock, from the run's start: the input
stage releases nothing stamped after `deadline(plan)`, so a run that was slow to get going still
writes only the events of its duration.

Outputs record lateness as they write (`OutputCounters.lateness`); the monitor only reads it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import anyio

from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import GeneratorPlan
from eventum_core.logging import get_logger
from eventum_core.pipeline.control import RunControl
from eventum_core.pipeline.counters import Counters
from eventum_core.pipeline.lateness import LATE_US
from eventum_core.pipeline.outputs import Output

log = get_logger()
TICK = 0.5  # seconds between looks
REPORT_EVERY = 10.0  # seconds between lateness warnings


def deadline(plan: GeneratorPlan) -> float:
    """When `max_duration` ends, in wall-clock seconds (inf without one): from the run's start
    in live mode (its fixed `now` while that is ahead, else the moment it was loaded), from this
    call otherwise."""
    p = plan.parameters
    if not p.max_duration:
        return math.inf
    now = time.time()
    if not p.live_mode:
        return now + p.max_duration
    start = plan.started_at.timestamp()
    return (start if p.now is None else max(start, now)) + p.max_duration


class Monitor:
    def __init__(
        self,
        parameters: GeneratorParameters,
        deadline: float,
        event_name: str,
        control: RunControl,
        counters: Counters,
        outputs: Sequence[Output],
        queues: tuple[Any, Any],  # (timestamp batches, event chunks): send streams
        progress: Callable[[Counters], None] | None = None,
    ) -> None:
        self.parameters, self.event_name, self.control = parameters, event_name, control
        self.deadline = deadline
        self.counters, self.outputs, self.progress = counters, outputs, progress
        self.timestamp_queue, self.event_queue = queues
        self._late_seen = [0] * len(outputs)
        self._reported = 0.0

    async def run(self) -> None:
        """Until cancelled when the run finishes."""
        p = self.parameters
        deadline = self.deadline
        while True:
            await anyio.sleep(min(TICK, max(0.0, deadline - time.time())))
            if self.progress is not None:
                self.progress(self.counters)
            if p.live_mode:
                self._check_lateness()
            if time.time() >= deadline:
                self.control.stop()
                deadline = math.inf

    def _check_lateness(self) -> None:
        """Warn (at most every 10 s) when an output wrote events more than a second late since
        the last look, naming the slowest stage."""
        behind_us = 0
        for i, output in enumerate(self.outputs):
            lateness = output.counters.lateness
            if lateness.late > self._late_seen[i]:
                self._late_seen[i] = lateness.late
                behind_us = max(behind_us, lateness.latest_us)
        if behind_us <= LATE_US:
            return
        now = time.monotonic()
        if now - self._reported < REPORT_EVERY:
            return
        self._reported = now
        log.warning(
            "live mode is behind its timestamps; nothing is dropped, events are late",
            generator=self.parameters.id,
            behind_s=round(behind_us / 1e6, 1),
            slowest=self._slowest(),
        )

    def _slowest(self) -> str:
        """Outputs when events wait for them (the one busiest writing), else the event plugin
        when timestamps wait for it, else the inputs."""
        if _full(self.event_queue) or any(
            o.queue is not None and _full(o.queue) for o in self.outputs
        ):
            return max(self.outputs, key=lambda o: o.busy).label
        if _full(self.timestamp_queue):
            return f"the event plugin '{self.event_name}'"
        return "the inputs (timestamps are computed too slowly)"


def _full(stream: Any) -> bool:
    stats = stream.statistics()
    return bool(stats.current_buffer_used >= stats.max_buffer_size)
