"""Counters of a cluster run: each segment's, added up into one `Counters` for the progress line
and the run summary (lateness histograms add bucket by bucket, so p50/p99 are the whole run's)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventum_core.pipeline.counters import Counters, EventCounters, InputCounters, OutputCounters
from eventum_core.pipeline.lateness import LagStats


def add_up(parts: Iterable[Counters], like: Counters) -> Counters:
    """The sum of segments' counters, shaped like `like` (any one of them)."""
    total = Counters(
        inputs=[InputCounters(c.name) for c in like.inputs],
        event=EventCounters(like.event.name),
        outputs=[OutputCounters(c.name) for c in like.outputs],
    )
    for part in parts:
        for mine, theirs in zip(total.inputs, part.inputs, strict=True):
            mine.generated += theirs.generated
        for key in ("produced", "produce_failed", "dropped"):
            setattr(total.event, key, getattr(total.event, key) + getattr(part.event, key))
        for out, other in zip(total.outputs, part.outputs, strict=True):
            for key in ("written", "write_failed", "format_failed", "dead_lettered", "retries"):
                setattr(out, key, getattr(out, key) + getattr(other, key))
            _add_lateness(out.lateness, other.lateness)
    return total


def _add_lateness(total: LagStats, other: LagStats) -> None:
    total.count += other.count
    total.late += other.late
    total.max_us = max(total.max_us, other.max_us)
    total._buckets += other._buckets


def segment_summary(counters: Counters, *, live: bool) -> dict[str, Any]:
    """One segment's line in the run summary."""
    summary: dict[str, Any] = {
        "generated": counters.generated,
        "written": counters.written,
        "failed": counters.lost + counters.event.produce_failed,
        "dead_lettered": sum(o.dead_lettered for o in counters.outputs),
    }
    if live and counters.lateness.count:
        summary["lateness"] = counters.lateness.as_dict()
    return summary
