"""The driver's side of a cluster run: one Ray task per segment, one progress line, the file
outputs' parts joined and the segments' sidecars gathered at the end, and the segments' counters
added up into one result."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from eventum_core import logging as eventum_logging
from eventum_core.cli.session import EXIT_ABORTED
from eventum_core.config.generator import GeneratorPlan, OutputSpec
from eventum_core.pipeline.counters import Counters
from eventum_core.pipeline.runner import RunResult
from eventum_core.protocols import Sidecar, traits
from eventum_ray import parts
from eventum_ray.counters import add_up, segment_summary
from eventum_ray.segment import SegmentResult, SegmentSpec

# Attempts after the first at a segment whose worker or node dies. Ray retries such system
# failures only: an exception in the segment (a template or config mistake) fails the run.
SEGMENT_RETRIES = 3
POLL_S = 0.5
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

log = eventum_logging.get_logger()


def segment_limits(max_events: int | None, batch: int, count: int) -> list[int | None]:
    """Each segment's share of `--max-events`: the events of its batches among the first
    `max_events` of the run (exact when every timestamp makes one event)."""
    if max_events is None:
        return [None] * count
    full, rest = divmod(max_events, batch)
    limits: list[int | None] = [batch * len(range(i, full, count)) for i in range(count)]
    if rest:
        limits[full % count] = (limits[full % count] or 0) + rest
    return limits


class Driver:
    def __init__(
        self,
        plan: GeneratorPlan,
        spec: SegmentSpec,
        count: int,
        show: Callable[[Counters], None] | None,
    ) -> None:
        self.plan, self.spec, self.count, self.show = plan, spec, count, show
        self.run_id = plan.parameters.run_id or ""
        self.results: dict[int, SegmentResult] = {}

    def run(self) -> RunResult:
        import ray

        from eventum_ray import progress
        from eventum_ray.segment import run_segment

        p = self.plan.parameters
        started = time.monotonic()
        actor = progress.start(self.run_id)
        task = ray.remote(run_segment).options(
            num_cpus=1, max_retries=SEGMENT_RETRIES, retry_exceptions=False
        )
        limits = segment_limits(p.max_events, p.batch.size or 10_000, self.count)
        pending = {
            task.remote(self.spec, i, self.count, actor, limit): i
            for i, limit in enumerate(limits)
            if limit != 0
        }
        log.info(
            "cluster run started",
            generator=p.id,
            segments=self.count,
            run_id=self.run_id,
            progress_actor=f"{progress.NAMESPACE}/eventum-{self.run_id}",
        )
        error: str | None = None
        user_error = False
        waiting_for_start = self.spec.options.get("now") is None
        submitted = len(pending)
        interrupted = _Interrupts()
        try:
            while pending and error is None:
                if interrupted.first():
                    log.warning("stopping: every segment writes what it generated")
                    actor.stop.remote()
                    if waiting_for_start:  # live segments still waiting start, then stop at once
                        actor.start.remote(datetime.now(p.zone).isoformat())
                        waiting_for_start = False
                done, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_S)
                for ref in done:
                    index = pending.pop(ref)
                    result, failure = self._collect(ref, index)
                    if failure is not None:
                        error = error or failure
                    elif result is not None and result.error is not None:
                        error = error or f"segment {index}/{self.count}: {result.error}"
                        user_error = result.user_error
                if self.show is not None:
                    self._progress(actor, started)
                if waiting_for_start and ray.get(actor.waiting.remote()) == submitted:
                    # Live mode: the run's "now" is when every segment is ready to release.
                    actor.start.remote(datetime.now(p.zone).isoformat())
                    waiting_for_start = False
            for ref in pending:
                ray.cancel(ref, force=True)
            total = self._total(started)
            self._report_rewritten(ray.get(actor.lost.remote(), timeout=30))
            if error is None:
                self._join_files()
            self._gather_sidecars()
        finally:
            interrupted.restore()
            self._discard_parts()
            ray.kill(actor)
        return RunResult(
            total, error, user_error=user_error, interrupted=interrupted.count > 0,
            seed=self.spec.seed,
        )  # fmt: skip

    def _collect(self, ref: Any, index: int) -> tuple[SegmentResult | None, str | None]:
        import ray
        from ray.exceptions import RayTaskError

        name = f"segment {index}/{self.count}"
        try:
            result: SegmentResult = ray.get(ref)
        except RayTaskError as error:
            cause = error.cause if error.cause is not None else error
            return None, f"{name} failed: {type(cause).__name__}: {cause}"
        except Exception as error:  # worker or node lost more often than retries allow
            return None, (
                f"{name} lost its worker {SEGMENT_RETRIES + 1} times: "
                f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"
            )
        self.results[index] = result
        if result.counters is not None:
            log.info(
                "segment finished",
                segment=index,
                node=result.node[:12],
                seconds=round(result.seconds, 3),
                **segment_summary(result.counters, live=self.plan.parameters.live_mode),
            )
        return result, None

    def _progress(self, actor: Any, started: float) -> None:
        import ray

        try:
            latest: dict[int, Counters] = ray.get(actor.segments.remote(), timeout=5)
        except Exception:
            return
        for index, result in self.results.items():
            if result.counters is not None:
                latest[index] = result.counters
        if latest:
            total = add_up(latest.values(), like=next(iter(latest.values())))
            total.started = started
            assert self.show is not None
            self.show(total)

    def _total(self, started: float) -> Counters:
        counters = [r.counters for r in self.results.values() if r.counters is not None]
        if counters:
            total = add_up(counters, like=counters[0])
        else:
            total = add_up([], like=_empty(self.plan))
        total.started, total.finished = started, time.monotonic()
        return total

    def _report_rewritten(self, lost: dict[int, list[Counters]]) -> None:
        """Say what a rerun segment wrote again to outputs that deliver at least once: what its
        lost attempts had reported written (a floor: they reported every PROGRESS_EVERY s).
        Idempotent outputs drop a rerun's writes."""
        parted = {number for number, _ in self._file_outputs()}  # committed parts: exactly once
        for segment, attempts in sorted(lost.items()):
            for number, output in enumerate(self.plan.outputs):
                again = sum(attempt.outputs[number].written for attempt in attempts)
                if again and number not in parted and not self._idempotent(output):
                    log.warning(
                        "segment rerun: events written twice (this output is at least once)",
                        segment=f"{segment}/{self.count}",
                        output=f"output[{number}] {output.plugin.name}",
                        duplicates_at_least=again,
                    )

    def _idempotent(self, output: OutputSpec) -> bool:
        """What the output declares once built from its config (Kafka is idempotent with a
        `transactional_id`); built here only to be asked, never opened."""
        spec = output.plugin
        context = self.plan.context(spec, seed=self.spec.seed, run_id=self.run_id)
        return traits("output", spec.cls(spec.config, context))["idempotent_writes"]

    def _file_outputs(self) -> list[tuple[int, Any]]:
        if not self.spec.part_files:
            return []
        return [
            (i, o.plugin.config) for i, o in enumerate(self.plan.outputs) if o.plugin.name == "file"
        ]

    def _join_files(self) -> None:
        """Each file output's committed parts, one per segment that ran, into its file."""
        for number, config in self._file_outputs():
            found = sorted(
                (part for r in self.results.values() for part in r.parts if part.output == number),
                key=lambda part: part.segment,
            )
            ran = sorted(self.results)
            if [part.segment for part in found] != ran:
                raise RuntimeError(f"output[{number}]: parts missing for some segments")
            written = parts.join(
                found,
                Path(config.path),
                overwrite=config.write_mode == "overwrite",
                permissions=config.permissions,
            )
            log.info("file output joined", output=number, path=str(config.path), bytes=written)

    def _gather_sidecars(self) -> None:
        """What each `Sidecar` input's runs left where the segments ran (a world's ground-truth
        labels, also from nodes that loaded the shipped copy), kept where one process would."""
        results = [self.results[i] for i in sorted(self.results)]
        for spec in self.plan.inputs:
            if not isinstance(spec.cls, Sidecar):
                continue
            collected = [r.sidecars[spec.index] for r in results if spec.index in r.sidecars]
            if collected:
                spec.cls.gather_sidecar(spec.config, collected)
                log.info("sidecar gathered", input=spec.index, segments=len(collected))

    def _discard_parts(self) -> None:
        for _, config in self._file_outputs():
            parts.discard(parts.staging_folder(Path(config.path), self.run_id))


class _Interrupts:
    """SIGINT and SIGTERM while the driver waits: the first stops the run gracefully (the
    segments flush, their parts are joined), a second ends the process at once, as in one
    process."""

    def __init__(self) -> None:
        self.count = 0
        self._seen = 0
        main = threading.current_thread() is threading.main_thread()  # where handlers can be
        self._previous = {s: signal.signal(s, self._on_signal) for s in STOP_SIGNALS if main}

    def _on_signal(self, signum: int, frame: object) -> None:
        self.count += 1
        if self.count > 1:
            sys.stderr.write("\neventum: stopping now, events in flight are lost\n")
            os._exit(EXIT_ABORTED)

    def first(self) -> bool:
        """True once, at the first signal."""
        new = self.count > self._seen
        self._seen = self.count
        return new

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def _empty(plan: GeneratorPlan) -> Counters:
    from eventum_core.pipeline.counters import EventCounters, InputCounters, OutputCounters

    return Counters(
        inputs=[InputCounters(s.name) for s in plan.inputs],
        event=EventCounters(plan.event.name),
        outputs=[OutputCounters(o.plugin.name) for o in plan.outputs],
    )
