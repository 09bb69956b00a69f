"""The output stage: fan-out to one writer per output; format, write, retry, dead-letter, and
record how late each event was written (the monitor reads it).

Each output has its own one-chunk queue and writer; each chunk is formatted once per output, by
the producer that made it when the formatter is `parallel_safe` (pipeline/workers.py), else here.
Writes to one output go one chunk at a time, in order, unless the plugin declares
`concurrent_writes`: then up to the output's `concurrency` (else `max_concurrency`) at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from eventum_core.batch import _BATCH_INDEX, Formatted
from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import OutputSpec
from eventum_core.config.plugin_config import OutputConfig
from eventum_core.errors import UserError
from eventum_core.logging import get_logger
from eventum_core.pipeline.budget import ByteBudget
from eventum_core.pipeline.control import EventChunk, RunControl
from eventum_core.pipeline.counters import OutputCounters
from eventum_core.pipeline.delivery import DeadLetters, Outcome, deliver
from eventum_core.protocols import Formatter, OutputPlugin

log = get_logger()


@dataclass
class Output:
    """One output of a run: its plugin, formatter, counters and delivery state."""

    spec: OutputSpec
    plugin: OutputPlugin
    formatter: Formatter
    counters: OutputCounters
    label: str
    dead_letters: DeadLetters | None = None
    queue: MemoryObjectSendStream[EventChunk] | None = None  # set while the stage runs
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


async def open_outputs(outputs: list[Output]) -> None:
    """Open every output at once; when one fails, close the ones that opened and raise."""
    failures: list[tuple[Output, BaseException]] = []

    async def open_one(output: Output) -> None:
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


class OutputStage:
    def __init__(
        self,
        parameters: GeneratorParameters,
        outputs: list[Output],
        control: RunControl,
        budget: ByteBudget,
    ) -> None:
        self.parameters, self.outputs, self.control, self.budget = (
            parameters,
            outputs,
            control,
            budget,
        )

    async def run(self, receive: MemoryObjectReceiveStream[EventChunk]) -> None:
        # One chunk waits per output: the event queue before the fan-out is the buffer, so
        # memory holds `queue.max_event_batches` chunks, not that many per output as well.
        async with anyio.create_task_group() as tg:
            sends = []
            for index, output in enumerate(self.outputs):
                send, out_recv = anyio.create_memory_object_stream[EventChunk](1)
                output.queue = send
                sends.append(send)
                tg.start_soon(self._writer, index, output, out_recv)
            try:
                async with receive:
                    async for chunk in receive:
                        for send in sends:
                            await send.send(chunk)
                        self.budget.release(chunk.size)
            finally:
                for send in sends:  # each writer sees the end of the run
                    await send.aclose()

    async def _writer(
        self, index: int, output: Output, receive: MemoryObjectReceiveStream[EventChunk]
    ) -> None:
        semaphore = anyio.Semaphore(self._concurrency(output))
        async with receive, anyio.create_task_group() as tg:
            async for chunk in receive:
                formatted = chunk.formatted[index] if chunk.formatted else None
                if formatted is None:
                    try:
                        formatted = output.formatter.format(chunk.events)
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
                await semaphore.acquire()  # FIFO: with one slot, chunks are written in order
                _BATCH_INDEX.set(chunk.batch)  # the delivery task starts with a copy of it
                tg.start_soon(self._deliver, output, formatted, chunk, semaphore)
        if output.dead_letters is not None:
            output.dead_letters.close()

    def _concurrency(self, output: Output) -> int:
        """Writes in flight to one output: one (in order) unless the plugin declares
        `concurrent_writes` (a sink where order does not matter, such as an HTTP API); then the
        output's `concurrency`, else the generator's `max_concurrency`. `keep_order` forces one."""
        p = self.parameters
        if p.keep_order:
            return 1
        if output.config.concurrency:
            return output.config.concurrency
        return p.max_concurrency if output.spec.plugin.traits["concurrent_writes"] else 1

    async def _deliver(
        self, output: Output, formatted: Formatted, chunk: EventChunk, semaphore: anyio.Semaphore
    ) -> None:
        items = formatted.items
        try:
            if output.gone:
                outcome = Outcome(dict.fromkeys(range(len(items)), "the sink is gone"), 0, True)
            else:
                began = time.monotonic()
                outcome = await deliver(
                    output.plugin.write,
                    items,
                    policy=output.config.retry,
                    timeout=self.parameters.write_timeout,
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
        if self.parameters.live_mode and failed < formatted.formatted:
            counters.lateness.record(chunk.timestamps, time.time_ns() // 1000)

    async def _account_failure(
        self, output: Output, formatted: Formatted, outcome: Outcome, failed: int
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
                if all(o.gone for o in self.outputs):
                    self.control.stop()
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
