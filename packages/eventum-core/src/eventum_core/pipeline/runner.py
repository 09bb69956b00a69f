"""Running one generator: inputs -> event plugin -> outputs, with bounded queues between stages.

This module builds the plugins, opens the outputs and wires the stages (pipeline/inputs.py,
events.py, outputs.py, beside them monitor.py) under one `RunControl`. Stages are anyio tasks
in one event loop; blocking plugin work runs in worker threads, one call per batch. Memory stays
flat however long a run lasts: each queue holds at most `queue.max_*_batches` batches (and the
event chunks waiting for outputs at most `queue.max_event_bytes`), so a slow stage slows the
ones before it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from eventum_core.batch import TimestampBatch
from eventum_core.config.generator import GeneratorPlan, OutputSpec, PluginSpec
from eventum_core.context import PluginContext
from eventum_core.errors import UserError
from eventum_core.logging import get_logger
from eventum_core.pipeline.budget import ByteBudget
from eventum_core.pipeline.control import EventChunk, RunControl
from eventum_core.pipeline.counters import Counters, EventCounters, InputCounters, OutputCounters
from eventum_core.pipeline.delivery import DeadLetters
from eventum_core.pipeline.events import EventStage, plan_producers
from eventum_core.pipeline.inputs import InputStage
from eventum_core.pipeline.monitor import Monitor, deadline
from eventum_core.pipeline.outputs import Output, OutputOpenError, OutputStage, open_outputs
from eventum_core.pipeline.workers import EventWorkers, Formatting
from eventum_core.protocols import EventPlugin, InputPlugin

log = get_logger()


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


class GeneratorRun:
    """One execution of a plan. `stop()` may be called from the loop at any time."""

    def __init__(
        self,
        plan: GeneratorPlan,
        seed: int,
        progress: Callable[[Counters], None] | None = None,
    ) -> None:
        self.plan, self.seed, self.progress = plan, seed, progress
        self.control = RunControl(plan.parameters.id)
        # Names this run in ids a rerun must repeat (ClickHouse deduplication tokens).
        self.run_id = plan.parameters.run_id or uuid.uuid4().hex
        self.counters = Counters(
            inputs=[InputCounters(s.name) for s in plan.inputs],
            event=EventCounters(plan.event.name),
            outputs=[OutputCounters(o.plugin.name) for o in plan.outputs],
        )

    def _context(self, spec: PluginSpec[Any, Any]) -> PluginContext:
        return self.plan.context(spec, seed=self.seed, run_id=self.run_id)

    def stop(self, *, interrupted: bool = False) -> None:
        """Stop taking timestamps from inputs; what was released still goes through."""
        self.control.stop(interrupted=interrupted)

    @property
    def stopping(self) -> bool:
        return self.control.stopping

    async def run(self) -> RunResult:
        plan, control, counters = self.plan, self.control, self.counters
        inputs: list[InputPlugin] = []
        event: EventPlugin | None = None
        try:
            for spec in plan.inputs:
                inputs.append(spec.cls(spec.config, self._context(spec)))
            event = plan.event.cls(plan.event.config, self._context(plan.event))
            outputs = [self._build_output(i, o) for i, o in enumerate(plan.outputs)]
        except UserError as error:
            for plugin in inputs:  # what the built ones hold (files, locks) goes with them
                plugin.stop()
            if event is not None:
                event.close()
            return self._result(str(error), user_error=True)
        control.on_stop.extend(i.stop for i in inputs)
        workers = self._start_workers(event, outputs)
        try:
            await open_outputs(outputs)
        except OutputOpenError as error:
            event.close()
            workers.close()
            return self._result(str(error), user_error=error.user_error)

        p = plan.parameters
        ts_send, ts_recv = anyio.create_memory_object_stream[TimestampBatch](
            p.queue.max_timestamp_batches
        )
        ev_send, ev_recv = anyio.create_memory_object_stream[EventChunk](p.queue.max_event_batches)
        budget = ByteBudget(p.queue.max_event_bytes)
        ends = deadline(plan)
        monitor = Monitor(
            p, ends, plan.event.name, control, counters, outputs, (ts_send, ev_send), self.progress
        )
        try:
            async with anyio.create_task_group() as tg:
                stage_in = InputStage(plan, inputs, control, counters.inputs, ends)
                tg.start_soon(stage_in.run, ts_send)
                stage = EventStage(p, workers, control, counters.event, budget)
                tg.start_soon(stage.run, ts_recv, ev_send)
                watching = anyio.CancelScope()

                async def watch() -> None:
                    with watching:
                        await monitor.run()

                tg.start_soon(watch)
                await OutputStage(p, outputs, control, budget).run(ev_recv)
                watching.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                for output in outputs:
                    try:
                        await output.plugin.close()
                    except Exception as error:
                        log.error("output failed to close", output=output.label, reason=str(error))
                await anyio.to_thread.run_sync(event.close)
                for plugin in inputs:
                    plugin.stop()
            counters.finished = time.monotonic()
        return self._result(control.error)

    def _start_workers(self, event: EventPlugin, outputs: list[Output]) -> EventWorkers:
        """The event stage's producers, started before outputs open: no thread exists yet, so
        workers can be forked."""
        plan = self.plan
        producers = plan_producers(plan.parameters, event, plan.event.name)
        formatting = [self._formatting(o) for o in outputs]
        if producers.moved:
            log.info("producing events in a worker process", generator=plan.parameters.id)
        elif producers.count > 1:
            log.info(
                "producing events in worker processes; plugin state is per worker",
                generator=plan.parameters.id,
                workers=producers.count,
            )
        return EventWorkers(
            event,
            plan.event.cls,
            plan.event.config,
            self._context(plan.event),
            producers,
            formatting,
        )

    def _result(self, error: str | None, *, user_error: bool = False) -> RunResult:
        return RunResult(
            self.counters,
            error,
            user_error=user_error,
            interrupted=self.control.interrupted,
            seed=self.seed,
        )

    def _formatting(self, output: Output) -> Formatting | None:
        """The output's formatter for the producers, when it may format where events are made."""
        spec = output.spec.formatter
        if not spec.traits["parallel_safe"]:
            return None
        return Formatting(output.formatter, spec.cls, spec.config, self._context(spec))

    def _build_output(self, index: int, spec: OutputSpec) -> Output:
        label = f"output[{index}] {spec.plugin.name}"
        path = spec.plugin.config.dead_letter
        return Output(
            spec,
            spec.plugin.cls(spec.plugin.config, self._context(spec.plugin)),
            spec.formatter.cls(spec.formatter.config, self._context(spec.formatter)),
            self.counters.outputs[index],
            label,
            DeadLetters(path, generator=self.plan.parameters.id, output=label) if path else None,
        )
