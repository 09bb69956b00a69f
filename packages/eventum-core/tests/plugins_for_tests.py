"""Small real plugins registered explicitly by core's tests (no entry points needed)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import ClassVar

import anyio
import numpy as np
from pydantic import Field

from eventum_core import (
    TIMESTAMP_DTYPE,
    Formatted,
    InputConfig,
    OutputConfig,
    PluginConfig,
    PluginContext,
    Produced,
    TimestampBatch,
    WriteError,
)


class RangeConfig(InputConfig):
    start_us: int = 0
    step_us: int = 1_000_000
    count: int = Field(default=10, ge=0)


class RangeInput:
    """`count` timestamps `step_us` apart from `start_us` (epoch microseconds)."""

    Config: ClassVar[type[RangeConfig]] = RangeConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: RangeConfig, context: PluginContext) -> None:
        self.config = config

    def generate(self, size: int) -> Iterator[np.ndarray]:
        c = self.config
        for first in range(0, c.count, size):
            n = min(size, c.count - first)
            yield (c.start_us + (first + np.arange(n)) * c.step_us).astype(TIMESTAMP_DTYPE)

    def stop(self) -> None:
        pass


class EchoConfig(PluginConfig):
    fail_every: int = 0
    exhaust_after: int = 0
    per_timestamp: int = 1


class EchoEvent:
    """`<iso timestamp> <tags>` per timestamp; can fail or run dry on purpose."""

    Config: ClassVar[type[EchoConfig]] = EchoConfig

    def __init__(self, config: EchoConfig, context: PluginContext) -> None:
        self.config = config
        self.key = context.generator_id
        self.seen = 0

    def produce(self, batch: TimestampBatch) -> Produced:
        events: list[str] = []
        failed = 0
        c = self.config
        for ts, tags in zip(batch.datetimes(), batch.tags(), strict=True):
            self.seen += 1
            if c.exhaust_after and self.seen > c.exhaust_after:
                return Produced(events, failed, exhausted=True)
            if c.fail_every and self.seen % c.fail_every == 0:
                failed += 1
                continue
            events.extend([f"{ts.isoformat()} {','.join(tags)}"] * c.per_timestamp)
        PRODUCED[self.key] = PRODUCED.get(self.key, 0) + len(events)
        return Produced(events, failed)

    def close(self) -> None:
        pass


class MemoryConfig(OutputConfig):
    fail_first: int = 0
    retryable: bool = False
    reject_odd: bool = False  # a partial failure: items at odd positions, permanently
    gone_after: int = 0
    mixed_first: bool = False  # first write: item 0 may be retried, item 1 is rejected for good
    delay: float = 0


WRITTEN: dict[str, list[str]] = {}
PRODUCED: dict[str, int] = {}  # events made so far, per generator id
AHEAD: dict[str, int] = {}  # the most events made but not yet written, seen by a write


class MemoryOutput:
    """Keeps items in WRITTEN[generator id]; can fail its first writes or be slow."""

    Config: ClassVar[type[MemoryConfig]] = MemoryConfig

    def __init__(self, config: MemoryConfig, context: PluginContext) -> None:
        self.config = config
        self.key = context.generator_id
        self.writes = 0

    async def open(self) -> None:
        WRITTEN[self.key] = []
        PRODUCED[self.key] = AHEAD[self.key] = 0

    async def write(self, items: Sequence[str]) -> None:
        self.writes += 1
        ahead = PRODUCED[self.key] - len(WRITTEN[self.key])
        AHEAD[self.key] = max(AHEAD[self.key], ahead)
        if self.config.delay:
            await anyio.sleep(self.config.delay)
        c = self.config
        if self.writes <= c.fail_first:
            raise WriteError("sink refused", retryable=c.retryable)
        if c.mixed_first and self.writes == 1:
            WRITTEN[self.key].extend(items[2:])
            raise WriteError(
                "2 of them failed", items={0: (True, "429 busy"), 1: (False, "400 mapping")}
            )
        if c.gone_after and self.writes > c.gone_after:
            raise WriteError("broken pipe", sink_gone=True)
        if c.reject_odd:
            WRITTEN[self.key].extend(items[0::2])
            raise WriteError("mapping rejected", failed=list(range(1, len(items), 2)))
        WRITTEN[self.key].extend(items)

    async def close(self) -> None:
        pass


__all__ = ["EchoEvent", "MemoryOutput", "RangeInput"]


class SplitEcho(EchoEvent):
    """EchoEvent that may be spread over worker processes."""

    parallel_safe = True


class PidFormatter:
    """`<event>|<pid of the process that formatted it>`."""

    Config: ClassVar[type[PluginConfig]] = PluginConfig
    parallel_safe: ClassVar[bool] = True

    def __init__(self, config: PluginConfig, context: PluginContext) -> None:
        pass

    def format(self, events: Sequence[str]) -> Formatted:
        return Formatted([f"{e}|{os.getpid()}" for e in events], len(events))


class HerePidFormatter(PidFormatter):
    parallel_safe: ClassVar[bool] = False


KEPT: dict[str, list[str]] = {}  # records core handed back, per generator id


class RecordingEcho(SplitEcho):
    """SplitEcho with a record for every second event of a batch (the event itself), kept in
    KEPT[generator id] when core hands it back."""

    def produce(self, batch: TimestampBatch) -> Produced:
        produced = super().produce(batch)
        records = [(i, e) for i, e in enumerate(produced.events) if i % 2 == 0]
        return Produced(produced.events, produced.failed, records=records)

    def keep(self, records: list[str]) -> None:
        KEPT.setdefault(self.key, []).extend(records)


class MovedEcho(RecordingEcho):
    """RecordingEcho whose state is one sequence (it numbers its events), so it may be moved to a
    process of its own but not split: `<timestamp> <tags> #<n> <pid> <timestamps in the call>`."""

    parallel_safe = False
    movable = True

    def produce(self, batch: TimestampBatch) -> Produced:
        produced = super().produce(batch)
        first = self.seen - len(batch)
        events = [
            f"{e} #{first + i + 1} {os.getpid()} {len(batch)}"
            for i, e in enumerate(produced.events)
        ]
        return Produced(
            events, produced.failed, records=[(i, events[i]) for i, _ in produced.records]
        )


class MadeWhereEcho(MovedEcho):
    """MovedEcho with the pid of the process that made the instance after each event."""

    def __init__(self, config: EchoConfig, context: PluginContext) -> None:
        super().__init__(config, context)
        self.made_in = os.getpid()

    def produce(self, batch: TimestampBatch) -> Produced:
        produced = super().produce(batch)
        return Produced([f"{e} {self.made_in}" for e in produced.events], produced.failed)


class PlannedEcho(EchoEvent):
    """EchoEvent that numbers its events as one sequence wherever a piece is made: this
    process's instance plans each piece's first number (`PlansAhead`).
    `<timestamp> <tags> #<n> <pid>`."""

    planned = True

    def __init__(self, config: EchoConfig, context: PluginContext) -> None:
        super().__init__(config, context)
        self.planned_so_far = 0

    def plan(self, batch: TimestampBatch) -> int:
        first, self.planned_so_far = self.planned_so_far, self.planned_so_far + len(batch)
        return first

    def produce(self, batch: TimestampBatch) -> Produced:
        produced = super().produce(batch)
        first = 0 if batch.plan is None else batch.plan
        events = [f"{e} #{first + i + 1} {os.getpid()}" for i, e in enumerate(produced.events)]
        return Produced(events, produced.failed)


class SplitSizes(SplitEcho):
    """SplitEcho with the number of timestamps of the `produce` call after each event."""

    def produce(self, batch: TimestampBatch) -> Produced:
        produced = super().produce(batch)
        return Produced([f"{e} {len(batch)}" for e in produced.events], produced.failed)
