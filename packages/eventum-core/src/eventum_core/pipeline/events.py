"""The event stage: timestamp batches in, chunks of events out, through the producers of
`EventWorkers` (one in-process producer unless the plugin can be split across processes or
moved to one of its own).

`max_events` is exact: the chunk that reaches it is cut, and the run stops. A chunk waits for
room in the byte budget (`queue.max_event_bytes`) before it is queued for the outputs; then the
plugin keeps the records of the events passed on (`KeepsRecords`), none of those cut.
"""

from __future__ import annotations

import dataclasses
import os

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from eventum_core.batch import TimestampBatch
from eventum_core.config.generation import GeneratorParameters
from eventum_core.logging import get_logger
from eventum_core.pipeline.budget import ByteBudget
from eventum_core.pipeline.control import EventChunk, RunControl
from eventum_core.pipeline.counters import EventCounters
from eventum_core.pipeline.workers import EventWorkers, ProduceFailed, Producers, Result
from eventum_core.protocols import EventPlugin, PlansAhead, traits

log = get_logger()


PIECE = 2_000
"""Timestamps per piece of a batch, at most (the first and last are smaller: see
`TimestampBatch.pieces`): a piece of realistic events is made in tens of milliseconds, and
handed on (formatted, for a moved producer) while the next is made."""


def plan_producers(parameters: GeneratorParameters, plugin: EventPlugin, name: str) -> Producers:
    """Producers for the event stage, from the plugin's traits (read once from the built
    instance: they may depend on its config): in sample mode, all cores when it can be split
    (its pieces planned here first, if it is `planned`), else a core of its own when it can be
    moved. A producer makes a batch in pieces unless producing is cheap (or live: batches are
    what is due), however many there are, so that a batch's events do not depend on where it
    was made."""
    p = parameters
    event = traits("event", plugin)
    one = Producers(piece=None if p.live_mode or event["cheap"] else PIECE)
    planned = event["planned"] and not event["parallel_safe"] and isinstance(plugin, PlansAhead)
    splits = event["parallel_safe"] or planned
    if p.workers == "auto":
        cores = len(os.sched_getaffinity(0))
        # A cheap plugin: workers would cost more than they save.
        if p.live_mode or event["cheap"] or cores == 1:
            return one
        if splits:
            return dataclasses.replace(one, count=cores, planned=planned)
        return dataclasses.replace(one, moved=event["movable"])
    if p.workers > 1 and not splits:
        log.warning(
            "this event plugin cannot be split across processes; using one producer",
            generator=p.id,
            plugin=name,
        )
        return dataclasses.replace(one, moved=event["movable"] and not p.live_mode)
    return dataclasses.replace(one, count=p.workers, planned=planned and p.workers > 1)


class EventStage:
    def __init__(
        self,
        parameters: GeneratorParameters,
        workers: EventWorkers,
        control: RunControl,
        counters: EventCounters,
        budget: ByteBudget,
    ) -> None:
        self.parameters, self.workers, self.control = parameters, workers, control
        self.counters, self.budget = counters, budget

    async def run(
        self,
        receive: MemoryObjectReceiveStream[TimestampBatch],
        send: MemoryObjectSendStream[EventChunk],
    ) -> None:
        workers = self.workers
        async with receive, send:
            try:
                async for batch in receive:
                    await workers.submit(batch)
                    if workers.full and not await self._take(*await workers.result(), send):
                        return
                while workers.busy:
                    if not await self._take(*await workers.result(), send):
                        return
            finally:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(workers.close)

    async def _take(
        self, batch: TimestampBatch, made: Result, send: MemoryObjectSendStream[EventChunk]
    ) -> bool:
        """Count and pass on what the event plugin made of a batch; False once the run ends."""
        counters = self.counters
        if isinstance(made, ProduceFailed):
            log.error("event plugin failed", generator=self.parameters.id, reason=made.reason)
            counters.produce_failed += len(batch)
            return True
        produced, formatted, count = made.produced, made.formatted, made.events
        events = produced.events
        limit = self.parameters.max_events
        if limit is not None and counters.produced + count > limit:
            count = limit - counters.produced
            if events:
                events, formatted = events[:count], ()  # the writers format the part kept
            else:  # sent without its events: one formatted item per event
                formatted = tuple(f and f.cut(count) for f in formatted)
        kept = [record for index, record in produced.records if index < count]
        counters.produced += count
        counters.produce_failed += produced.failed
        counters.dropped += produced.dropped
        if count:
            first = formatted[0] if formatted else None
            size = self.budget.size_of(events or (first.items if first else []))
            await self.budget.acquire(size)
            await send.send(EventChunk(events, batch.timestamps, size, batch.index, formatted))
        if kept:
            await anyio.to_thread.run_sync(self.workers.keep, kept)
        if produced.exhausted or (limit is not None and counters.produced >= limit):
            self.control.stop()
            return False
        return True
