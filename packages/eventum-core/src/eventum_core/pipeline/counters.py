"""Eventum's per-plugin counters, plus lateness; one snapshot shape for the summary and the API."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from eventum_core.pipeline.lateness import LagStats


@dataclass
class InputCounters:
    name: str
    generated: int = 0


@dataclass
class EventCounters:
    name: str
    produced: int = 0
    produce_failed: int = 0
    dropped: int = 0


@dataclass
class OutputCounters:
    name: str
    written: int = 0
    write_failed: int = 0
    format_failed: int = 0
    dead_lettered: int = 0
    retries: int = 0
    lateness: LagStats = field(default_factory=LagStats, repr=False)


@dataclass
class Counters:
    inputs: list[InputCounters]
    event: EventCounters
    outputs: list[OutputCounters]
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def lateness(self) -> LagStats:
        """Lateness at the slowest output: how far behind its timestamp an event was written."""
        return max(
            (o.lateness for o in self.outputs),
            key=lambda s: (s.percentile_ms(99), s.max_us),
            default=LagStats(),
        )

    @property
    def generated(self) -> int:
        return sum(c.generated for c in self.inputs)

    @property
    def written(self) -> int:
        return sum(c.written for c in self.outputs)

    @property
    def lost(self) -> int:
        """Events produced that some output failed to format or write."""
        return sum(c.write_failed + c.format_failed for c in self.outputs)

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def snapshot(self) -> dict[str, Any]:
        elapsed = self.elapsed
        return {
            "input": [asdict(c) for c in self.inputs],
            "event": asdict(self.event),
            "output": [
                {
                    "name": c.name,
                    "written": c.written,
                    "write_failed": c.write_failed,
                    "format_failed": c.format_failed,
                    "lateness": c.lateness.as_dict(),
                }
                for c in self.outputs
            ],
            "total_generated": self.generated,
            "total_written": self.written,
            "lost": self.lost,
            "uptime": round(elapsed, 3),
            "input_eps": round(self.generated / elapsed, 1) if elapsed else 0.0,
            "output_eps": round(self.event.produced / elapsed, 1) if elapsed else 0.0,
            "lateness": self.lateness.as_dict(),
        }
