"""One segment of a cluster run, as a Ray task: load the generator on the worker that got it,
run it with core's pipeline (`--segment INDEX/COUNT`), its outputs writing from there, and hand
the driver what its `Sidecar` inputs left where it ran."""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from eventum_core import UserError
from eventum_core import logging as eventum_logging
from eventum_core.cli.session import load_generation
from eventum_core.config.generator import GeneratorPlan, find_config_file, with_dead_letter
from eventum_core.pipeline.counters import Counters
from eventum_core.pipeline.runner import GeneratorRun
from eventum_core.protocols import Sidecar
from eventum_ray import bundle, parts

PROGRESS_EVERY = 0.5  # seconds between counter reports to the run's progress actor


@dataclass
class SegmentSpec:
    """What every segment of one run gets: the same options but for `segment`."""

    options: dict[str, Any]
    seed: int
    secrets: dict[str, str]
    verbosity: int
    log_format: str
    part_files: bool = True  # sample mode: file outputs through committed parts
    bundle: Any = None  # the generator folder in Ray's object store (`bundle.Bundle`), if shipped


@dataclass
class SegmentResult:
    index: int
    counters: Counters | None
    error: str | None = None
    user_error: bool = False
    parts: list[parts.Part] = field(default_factory=list)
    node: str = ""
    seconds: float = 0.0
    sidecars: dict[int, Any] = field(default_factory=dict)  # input index -> `collect_sidecar`


def run_segment(
    spec: SegmentSpec, index: int, count: int, progress: Any, max_events: int | None
) -> SegmentResult:
    """The body of the Ray task: segment `index` of `count`, with its share of `--max-events`."""
    import ray

    began = time.monotonic()
    node = ray.get_runtime_context().get_node_id()
    eventum_logging.configure(spec.verbosity, spec.log_format)  # type: ignore[arg-type]
    options = {**spec.options, "segment": f"{index}/{count}", "max_events": max_events}
    options["path"] = _generator_path(options["path"], spec)
    try:
        if options.get("now") is None:  # live mode: the run starts once every segment is up
            _warm_up(_load({**options, "now": datetime.now(UTC).isoformat()}, spec), spec.seed)
            options["now"] = _wait_for_start(progress, index)
        plan = _load(options, spec)
    except UserError as error:
        return SegmentResult(index, None, str(error), user_error=True, node=node)
    plan, staged = _with_part_files(plan, index) if spec.part_files else (plan, [])
    plan, letters = _with_attempt_dead_letters(plan)
    attempt = uuid.uuid4().hex
    run = GeneratorRun(plan, spec.seed)
    run.progress = _reporter(progress, index, attempt, run)
    # The attempt announces itself before it writes: reports queue until the progress actor is
    # up (seconds on a busy node), and a rerun counts what the attempt it replaces reported.
    if ray.get(progress.report.remote(index, attempt, run.counters)):
        run.stop(interrupted=True)  # the run was stopped before this segment began
    result = anyio.run(run.run)
    for tmp, final in letters:  # this attempt finished: its dead letters are the segment's
        if tmp.exists():
            tmp.replace(final)
    committed = []
    if result.error is None:
        for output, folder, tmp in staged:
            committed.append(parts.commit(folder, output, index, tmp))
    return SegmentResult(
        index,
        result.counters,
        result.error,
        result.user_error,
        committed,
        node,
        time.monotonic() - began,
        _sidecars(plan, spec.seed),
    )


def _sidecars(plan: GeneratorPlan, seed: int) -> dict[int, Any]:
    """What each `Sidecar` input's run left here (a world's ground-truth labels), which on a
    node loading the shipped copy the driver would never see."""
    found: dict[int, Any] = {}
    for spec in plan.inputs:
        if isinstance(spec.cls, Sidecar):
            collected = spec.cls.collect_sidecar(spec.config, plan.context(spec, seed=seed))
            if collected is not None:
                found[spec.index] = collected
    return found


def _generator_path(path: str, spec: SegmentSpec) -> str:
    """The driver's path where this node sees it, else the shipped copy of the folder."""
    if spec.bundle is None or find_config_file(Path(path)).exists():
        return path
    import ray

    return bundle.located(path, ray.get(spec.bundle))


def _load(options: dict[str, Any], spec: SegmentSpec) -> GeneratorPlan:
    return load_generation(options, None, known=spec.secrets)[1]


def _warm_up(plan: GeneratorPlan, seed: int) -> None:
    """Build the event plugin once before a live run starts, so its imports and templates are
    ready and the first events are not late."""
    event = plan.event
    event.cls(event.config, plan.context(event, seed=seed)).close()


def _wait_for_start(progress: Any, index: int) -> str:
    import ray

    while (now := ray.get(progress.ready.remote(index))) is None:
        time.sleep(0.05)
    return str(now)


def _with_part_files(
    plan: GeneratorPlan, segment: int
) -> tuple[GeneratorPlan, list[tuple[int, Path, Path]]]:
    """The plan with each `file` output writing this attempt's part of the segment."""
    run_id = plan.parameters.run_id or ""
    outputs, staged = [], []
    for number, output in enumerate(plan.outputs):
        if output.plugin.name != "file":
            outputs.append(output)
            continue
        config = output.plugin.config
        folder = parts.staging_folder(Path(config.path), run_id)  # type: ignore[attr-defined]
        tmp = parts.attempt_path(folder, segment)
        plugin = dataclasses.replace(
            output.plugin,
            cls=parts.part_output_class(output.plugin.cls),
            config=config.model_copy(update={"path": tmp, "write_mode": "overwrite"}),
        )
        outputs.append(dataclasses.replace(output, plugin=plugin))
        staged.append((number, folder, tmp))
    return dataclasses.replace(plan, outputs=tuple(outputs)), staged


def _with_attempt_dead_letters(
    plan: GeneratorPlan,
) -> tuple[GeneratorPlan, list[tuple[Path, Path]]]:
    """The plan with each dead-letter file (core names it per segment) written by this attempt
    aside and renamed over the segment's at the end: an attempt that dies with its node leaves
    only its `.tmp`, so a rerun does not list the same events twice."""
    outputs, letters = [], []
    for output in plan.outputs:
        final = output.plugin.config.dead_letter
        if final is None:
            outputs.append(output)
            continue
        tmp = final.with_name(f"{final.name}.{uuid.uuid4().hex}.tmp")
        outputs.append(with_dead_letter(output, tmp))
        letters.append((tmp, final))
    return dataclasses.replace(plan, outputs=tuple(outputs)), letters


def _reporter(progress: Any, index: int, attempt: str, run: GeneratorRun) -> Any:
    """Send this attempt's counters to the progress actor at most every PROGRESS_EVERY s, and
    stop the run once an answer says the driver was interrupted (never waiting for one)."""
    import ray

    last: list[Any] = [0.0, None]

    def report(counters: Counters) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY:
            return
        answer = last[1]
        if answer is not None and ray.wait([answer], timeout=0)[0] and ray.get(answer):
            run.stop(interrupted=True)
        last[0], last[1] = now, progress.report.remote(index, attempt, counters)

    return report
