"""Running one generator: inputs -> event plugin -> outputs, with bounded queues between stages.

Stages are anyio tasks in one event loop. Blocking plugin work (pulling timestamps, producing
events) runs in worker threads, one call per batch. Memory stays flat however long a run lasts:
each queue holds at most `queue.max_*_batches` batches (and the event batches waiting for outputs
at most `queue.max_event_bytes`), so a slow stage slows the ones before it.

Stopping (a signal, `max_events`, `max_duration`, an exhausted event source) stops the inputs only;
whatever they already released is still produced, formatted and written before outputs close.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import anyio
import numpy as np
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from eventum_core.batch import Formatted, Produced, TimestampBatch
from eventum_core.config.generator import GeneratorPlan, OutputSpec, PluginSpec
from eventum_core.config.plugin_config import OutputConfig
from eventum_core.context import PluginContext
from eventum_core.errors import UserError
from eventum_core.logging import get_logger
from eventum_core.pipeline.budget import ByteBudget
from eventum_core.pipeline.counters import Counters, EventCounters, InputCounters, OutputCounters
from eventum_core.pipeline.delivery import DeadLetters, Outcome, deliver
from eventum_core.pipeline.lateness import LATE_US
from eventum_core.pipeline.merge import merge_inputs, tagged
from eventum_core.pipeline.workers import EventWorkers
from eventum_core.protocols import EventPlugin, Formatter, InputPlugin, OutputPlugin, traits

log = get_logger()


@dataclass(slots=True)
class EventChunk:
    events: list[str]
    timestamps: Any  # the batch's datetime64[us] array, for lateness
    size: int = 0  # held in the byte budget until every output has taken the chunk


@dataclass
class RunResult:
    counters: Counters
    error: str | None = None  # why the run could not start or ended early
    user_error: bool = False
    interrupted: bool = False
    seed: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and self.counters.lost == 0


@dataclass
class _Output:
    spec: OutputSpec
    plugin: OutputPlugin
    formatter: Formatter
    counters: OutputCounters
    label: str
    dead_letters: DeadLetters | None = None
    gone: bool = False
    last_report: float = 0.0
    unreported: int = 0
    busy: float = 0.0  # seconds spent in writes, to name the slowest output

    @property
    def config(self) -> OutputConfig:
        return self.spec.plugin.config


class OutputOpenError(Exception):
    def __init__(self, message: str, *, user_error: bool) -> None:
        super().__init__(message)
        self.user_error = user_error


@dataclass
class GeneratorRun:
    """One execution of a plan. `stop()` may be called from the loop at any time."""

    plan: GeneratorPlan
    seed: int
    progress: Callable[[Counters], None] | None = None
    interrupted: bool = False
    _stopping: anyio.Event = field(default_factory=anyio.Event)
    _finished: anyio.Event = field(default_factory=anyio.Event)
    _inputs: list[InputPlugin] = field(default_factory=list)
    _error: str | None = None
    _outputs: list[_Output] = field(default_factory=list)
    _output_queues: list[Any] = field(default_factory=list)
    _timestamp_queue: Any = None
    _event_queue: Any = None
    _budget: ByteBudget = field(init=False)  # set by run(), from queue.max_event_bytes
    _lag_reported: float = 0.0

    def context(self, spec: PluginSpec[Any, Any]) -> PluginContext:
        return self.plan.context(spec, seed=self.seed)

    def stop(self, *, interrupted: bool = False) -> None:
        """Stop taking timestamps from inputs; what was released still goes through."""
        if self._stopping.is_set():
            return
        self.interrupted = self.interrupted or interrupted
        self._stopping.set()
        for plugin in self._inputs:
            try:
                plugin.stop()
            except Exception:
                log.exception("input failed to stop", generator=self.plan.parameters.id)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(self) -> RunResult:
        plan = self.plan
        counters = Counters(
            inputs=[InputCounters(s.name) for s in plan.inputs],
            event=EventCounters(plan.event.name),
            outputs=[OutputCounters(o.plugin.name) for o in plan.outputs],
        )
        self.counters = counters
        self._tags = plan.input_tags
        try:
            self._inputs = [s.cls(s.config, self.context(s)) for s in plan.inputs]
            event = plan.event.cls(plan.event.config, self.context(plan.event))
            outputs = [self._build_output(i, o) for i, o in enumerate(plan.outputs)]
        except UserError as error:
            return RunResult(counters, str(error), user_error=True, seed=self.seed)
        self._outputs = outputs
        count = self._worker_count(event)
        # Before outputs open: no thread exists yet, so workers can be forked.
        workers = (
            EventWorkers(event, plan.event.cls, plan.event.config, self.context(plan.event), count)
            if count > 1
            else None
        )
        if workers is not None:
            log.info(
                "producing events in worker processes; plugin state is per worker",
                generator=plan.parameters.id,
                workers=count,
            )
        try:
            await self._open(outputs)
        except OutputOpenError as error:
            event.close()
            if workers is not None:
                workers.close()
            return RunResult(counters, str(error), user_error=error.user_error, seed=self.seed)

        p = plan.parameters
        ts_send, ts_recv = anyio.create_memory_object_stream[TimestampBatch](
            p.queue.max_timestamp_batches
        )
        ev_send, ev_recv = anyio.create_memory_object_stream[EventChunk](p.queue.max_event_batches)
        self._budget = ByteBudget(p.queue.max_event_bytes)
        self._timestamp_queue, self._event_queue = ts_send, ev_send
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._input_stage, ts_send)
                tg.start_soon(self._event_stage, event, workers, ts_recv, ev_send)
                tg.start_soon(self._output_stage, outputs, ev_recv)
                watchers = anyio.CancelScope()
                tg.start_soon(self._watch, watchers)
                await self._finished.wait()
                watchers.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                for output in outputs:
                    try:
                        await output.plugin.close()
                    except Exception as error:
                        log.error("output failed to close", output=output.label, reason=str(error))
                await anyio.to_thread.run_sync(event.close)
                for plugin in self._inputs:
                    plugin.stop()
            counters.finished = time.monotonic()
        return RunResult(counters, self._error, interrupted=self.interrupted, seed=self.seed)

    # -- start-up ---------------------------------------------------------------------------

    def _build_output(self, index: int, spec: OutputSpec) -> _Output:
        label = f"output[{index}] {spec.plugin.name}"
        path = spec.plugin.config.dead_letter
        return _Output(
            spec,
            spec.plugin.cls(spec.plugin.config, self.context(spec.plugin)),
            spec.formatter.cls(spec.formatter.config, self.context(spec.formatter)),
            self.counters.outputs[index],
            label,
            DeadLetters(path, generator=self.plan.parameters.id, output=label) if path else None,
        )

    async def _open(self, outputs: list[_Output]) -> None:
        failures: list[tuple[_Output, BaseException]] = []

        async def open_one(output: _Output) -> None:
            try:
                await output.plugin.open()
            except Exception as error:
                failures.append((output, error))

        async with anyio.create_task_group() as tg:
            for output in outputs:
                tg.start_soon(open_one, output)
        if failures:
            for output in outputs:
                if all(output is not f for f, _ in failures):
                    await output.plugin.close()
            output, error = failures[0]
            raise OutputOpenError(
                f"{output.label}: cannot open: {error}", user_error=isinstance(error, UserError)
            )

    # -- stages -----------------------------------------------------------------------------

    async def _watch(self, scope: anyio.CancelScope) -> None:
        """Bounds (`max_duration`) and progress reports, until the run finishes."""
        p = self.plan.parameters
        with scope:
            deadline = time.monotonic() + p.max_duration if p.max_duration else math.inf
            while True:
                await anyio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
                if self.progress is not None:
                    self.progress(self.counters)
                if time.monotonic() >= deadline:
                    self.stop()
                    deadline = math.inf

    async def _input_stage(self, send: MemoryObjectSendStream[TimestampBatch]) -> None:
        plan = self.plan
        scheduled = [
            (s.index, p)
            for s, p in zip(plan.inputs, self._inputs, strict=True)
            if not s.traits["interactive"]
        ]
        interactive = [
            (s.index, p)
            for s, p in zip(plan.inputs, self._inputs, strict=True)
            if s.traits["interactive"]
        ]
        size = plan.parameters.batch.size or 10_000
        async with send, anyio.create_task_group() as tg:
            if scheduled:
                stream = merge_inputs([(i, p.generate(size)) for i, p in scheduled], size)
                segment = plan.parameters.segment
                if segment is not None:  # this process's batches of the run; the rest are skipped
                    stream = itertools.islice(stream, segment.index, None, segment.count)
                tg.start_soon(self._feed, stream, send.clone(), plan.parameters.live_mode)
            for index, plugin in interactive:
                # On-demand timestamps are due now: no merging, no waiting for a full batch.
                tg.start_soon(self._feed, tagged(index, plugin.generate(size)), send.clone(), False)

    async def _feed(
        self, stream: Iterator[Any], send: MemoryObjectSendStream[TimestampBatch], live: bool
    ) -> None:
        done = object()
        async with send:
            while not self.stopping:
                try:
                    chunk = await anyio.to_thread.run_sync(
                        next, stream, done, abandon_on_cancel=True
                    )
                except Exception as error:
                    self._fail(f"input failed: {type(error).__name__}: {error}")
                    return
                if chunk is done:
                    return
                ts, src = cast("tuple[Any, Any]", chunk)
                try:
                    if live:
                        await self._release_when_due(ts, src, send)
                    else:
                        await self._emit(ts, src, send)
                except anyio.BrokenResourceError:
                    return

    async def _release_when_due(
        self, ts: Any, src: Any, send: MemoryObjectSendStream[TimestampBatch]
    ) -> None:
        """Release each timestamp as soon as it is due, grouping whatever is due at once."""
        cap = self.plan.parameters.batch.size or len(ts)
        micros = ts.astype(np.int64)
        start, end = 0, len(micros)
        while start < end and not self.stopping:
            now = time.time_ns() // 1000
            due = int(np.searchsorted(micros, now, side="right"))
            if due > start:
                stop = min(due, start + cap)
                await self._emit(ts[start:stop], src[start:stop], send)
                start = stop
                continue
            with anyio.move_on_after((micros[start] - now) / 1e6):
                await self._stopping.wait()

    def _report_lag(self, seconds: float) -> None:
        """Warn (at most every 10 s) that live mode is behind, naming the stage that holds it up:
        outputs when events wait for them (the one busiest writing), else the event plugin when
        timestamps wait for it, else the inputs."""
        now = time.monotonic()
        if now - self._lag_reported < 10:
            return
        self._lag_reported = now
        if _full(self._event_queue) or any(_full(q) for q in self._output_queues):
            slow = max(self._outputs, key=lambda o: o.busy).label
        elif _full(self._timestamp_queue):
            slow = f"the event plugin '{self.plan.event.name}'"
        else:
            slow = "the inputs (timestamps are computed too slowly)"
        log.warning(
            "live mode is behind its timestamps; nothing is dropped, events are late",
            generator=self.plan.parameters.id,
            behind_s=round(seconds, 1),
            slowest=slow,
        )

    async def _emit(self, ts: Any, src: Any, send: MemoryObjectSendStream[TimestampBatch]) -> None:
        plan = self.plan
        counts = np.bincount(src, minlength=len(plan.inputs))
        for counter, n in zip(self.counters.inputs, counts.tolist(), strict=False):
            counter.generated += n
        await send.send(TimestampBatch(ts, src, self._tags, plan.parameters.zone))

    def _worker_count(self, plugin: EventPlugin) -> int:
        """Processes for the event stage: all cores in sample mode when the plugin can be split
        (its traits, read once from the built instance: they may depend on its config)."""
        p = self.plan.parameters
        wanted = p.workers
        event = traits("event", plugin)
        if wanted == "auto":
            # A cheap plugin: workers would cost more than they save.
            if p.live_mode or event["cheap"] or not event["parallel_safe"]:
                return 1
            return len(os.sched_getaffinity(0))
        if wanted > 1 and not event["parallel_safe"]:
            log.warning(
                "this event plugin cannot be split across processes; using one",
                generator=p.id,
                plugin=self.plan.event.name,
            )
            return 1
        return wanted

    async def _event_stage(
        self,
        plugin: Any,
        workers: EventWorkers | None,
        receive: MemoryObjectReceiveStream[TimestampBatch],
        send: MemoryObjectSendStream[EventChunk],
    ) -> None:
        async with receive, send:
            if workers is None:
                async for batch in receive:
                    try:
                        produced: Produced | str = await anyio.to_thread.run_sync(
                            plugin.produce, batch
                        )
                    except Exception as error:
                        produced = f"{type(error).__name__}: {error}"
                    if not await self._take(batch, produced, send):
                        return
                return
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
        self,
        batch: TimestampBatch,
        produced: Produced | str,
        send: MemoryObjectSendStream[EventChunk],
    ) -> bool:
        """Count and pass on what the event plugin made of a batch; False once the run ends."""
        counters = self.counters.event
        if isinstance(produced, str):
            log.error("event plugin failed", generator=self.plan.parameters.id, reason=produced)
            counters.produce_failed += len(batch)
            return True
        limit = self.plan.parameters.max_events
        events = produced.events
        if limit is not None and counters.produced + len(events) >= limit:
            events = events[: limit - counters.produced]
        counters.produced += len(events)
        counters.produce_failed += produced.failed
        counters.dropped += produced.dropped
        if events:
            size = self._budget.size_of(events)
            await self._budget.acquire(size)
            await send.send(EventChunk(events, batch.timestamps, size))
        if produced.exhausted or (limit is not None and counters.produced >= limit):
            self.stop()
            return False
        return True

    async def _output_stage(
        self, outputs: list[_Output], receive: MemoryObjectReceiveStream[EventChunk]
    ) -> None:
        # One batch waits per output: the event queue before the fan-out is the buffer, so
        # memory holds `queue.max_event_batches` batches, not that many per output as well.
        pairs = [anyio.create_memory_object_stream[EventChunk](1) for _ in outputs]
        try:
            async with anyio.create_task_group() as tg:
                for output, (_, out_recv) in zip(outputs, pairs, strict=True):
                    tg.start_soon(self._writer, output, out_recv)
                sends = [s for s, _ in pairs]
                self._output_queues = sends
                try:
                    async with receive:
                        async for chunk in receive:
                            for out_send in sends:
                                await out_send.send(chunk)
                            self._budget.release(chunk.size)
                finally:
                    for out_send in sends:  # each writer sees the end of the run
                        await out_send.aclose()
        finally:
            self._finished.set()

    async def _writer(
        self,
        output: _Output,
        receive: MemoryObjectReceiveStream[EventChunk],
    ) -> None:
        semaphore = anyio.Semaphore(self._concurrency(output))
        async with receive, anyio.create_task_group() as tg:
            async for chunk in receive:
                try:
                    formatted: Formatted = output.formatter.format(chunk.events)
                except Exception as error:
                    output.counters.format_failed += len(chunk.events)
                    log.error(
                        "formatter failed",
                        output=output.label,
                        reason=f"{type(error).__name__}: {error}",
                    )
                    continue
                output.counters.format_failed += formatted.failed
                if not formatted.items:
                    continue
                await semaphore.acquire()  # FIFO: with one slot, batches are written in order
                tg.start_soon(self._deliver, output, formatted, chunk, semaphore)
        if output.dead_letters is not None:
            output.dead_letters.close()

    def _concurrency(self, output: _Output) -> int:
        """Writes in flight to one output: one (in order) unless the plugin declares
        `concurrent_writes` (a sink where order does not matter, such as an HTTP API); then the
        output's `concurrency`, else the generator's `max_concurrency`. `keep_order` forces one."""
        p = self.plan.parameters
        if p.keep_order:
            return 1
        if output.config.concurrency:
            return output.config.concurrency
        return p.max_concurrency if output.spec.plugin.traits["concurrent_writes"] else 1

    async def _deliver(
        self, output: _Output, formatted: Formatted, chunk: EventChunk, semaphore: anyio.Semaphore
    ) -> None:
        items = formatted.items
        try:
            if output.gone:
                outcome = Outcome(dict.fromkeys(range(len(items)), "the sink is gone"), 0, True)
            else:
                policy = output.config.retry
                began = time.monotonic()
                outcome = await deliver(
                    output.plugin.write,
                    items,
                    policy=policy,
                    timeout=self.plan.parameters.write_timeout,
                )
                output.busy += time.monotonic() - began
        finally:
            semaphore.release()
        counters = output.counters
        counters.retries += max(0, outcome.attempts - 1)
        failed = formatted.events_in(list(outcome.failed))
        counters.written += formatted.formatted - failed
        counters.write_failed += failed
        if outcome.failed:
            await self._account_failure(output, formatted, outcome, failed)
        if self.plan.parameters.live_mode and failed < formatted.formatted:
            now_us = time.time_ns() // 1000
            counters.lateness.record(chunk.timestamps, now_us)
            behind_us = now_us - int(chunk.timestamps[0].astype(np.int64))
            if behind_us > LATE_US:
                self._report_lag(behind_us / 1e6)

    async def _account_failure(
        self, output: _Output, formatted: Formatted, outcome: Outcome, failed: int
    ) -> None:
        if output.dead_letters is not None:
            indices = sorted(outcome.failed)
            await output.dead_letters.add(
                [formatted.items[i] for i in indices], [outcome.failed[i] for i in indices]
            )
            output.counters.dead_lettered += failed
        if outcome.sink_gone:
            if not output.gone:
                output.gone = True
                log.error(
                    "output is gone; its remaining events are counted as failed",
                    output=output.label,
                    reason=next(iter(outcome.failed.values())),
                )
                if all(o.gone for o in self._outputs):
                    self.stop()
            return
        output.unreported += failed
        now = time.monotonic()
        if now - output.last_report >= 10 or output.last_report == 0:
            sample = formatted.items[next(iter(outcome.failed))][:200]
            log.error(
                "events were not written",
                output=output.label,
                events=output.unreported,
                reason=next(iter(outcome.failed.values())),
                sample=sample,
                dead_letter=str(output.dead_letters.path) if output.dead_letters else None,
            )
            output.last_report, output.unreported = now, 0

    def _fail(self, message: str) -> None:
        log.error(message, generator=self.plan.parameters.id)
        self._error = self._error or message
        self.stop()


def _full(stream: Any) -> bool:
    stats = stream.statistics()
    return bool(stats.current_buffer_used >= stats.max_buffer_size)
