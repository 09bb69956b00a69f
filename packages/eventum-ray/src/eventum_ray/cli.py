"""`eventum generate --cluster ADDRESS [--segments N|auto]`: core's `eventum.cluster` runner.

The driver validates the generator first (a mistake exits 2 as in one process), fixes what every
segment must share (seed, now, run id), starts one Ray task per segment, shows one progress line
from the segments' counters, joins file outputs' parts, and reports the run as one process does.
"""

from __future__ import annotations

import secrets as random_secrets
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from eventum_core import UserError, gc_pause
from eventum_core import logging as eventum_logging
from eventum_core.cli.errors import print_error
from eventum_core.cli.session import (
    EXIT_FAILED,
    failure_exit,
    internal_error,
    load_generation,
    progress_printer,
    report,
    shows_progress,
)
from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import GeneratorPlan, PluginSpec

log = eventum_logging.get_logger()


def run_on_cluster(
    options: dict[str, Any],
    *,
    address: str,
    segments: str,
    verbosity: int,
    log_format: eventum_logging.LogFormat,
    cryptfile: Path | None,
    progress: bool | None,
) -> int:
    eventum_logging.configure(verbosity, log_format)
    used: dict[str, str] = {}
    try:
        if options.get("segment") is not None:
            raise UserError("--segment: a --cluster run splits itself; give --segments N")
        options = _shared(options)
        parameters, plan = load_generation(options, cryptfile, answered=used)
    except Exception as error:
        return failure_exit(error, verbosity)
    from eventum_ray import cluster

    try:
        cluster.connect(address, verbosity=verbosity)
        specs: list[PluginSpec[Any, Any]] = [*plan.inputs, plan.event]
        classes: list[Any] = [s.cls for s in specs]
        classes += [c for o in plan.outputs for c in (o.plugin.cls, o.formatter.cls)]
        cluster.check_nodes(cluster.distributions_of(classes))
        count = _segment_count(segments, plan)
    except Exception as error:
        return failure_exit(error, verbosity)
    show = shows_progress(progress, parameters)
    gc_pause.resume()
    from eventum_ray.driver import Driver
    from eventum_ray.segment import SegmentSpec

    spec = SegmentSpec(
        options, options["seed"], used, verbosity, log_format, not parameters.live_mode,
        _shipped(plan.base_path),
    )  # fmt: skip
    try:
        outcome = Driver(plan, spec, count, progress_printer() if show else None).run()
    except Exception as error:
        return internal_error(error, verbosity)
    if show:
        print(file=sys.stderr)
    if isinstance(outcome, str):
        print_error(outcome)
        return EXIT_FAILED
    return report(outcome, parameters)


def _shared(options: dict[str, Any]) -> dict[str, Any]:
    """What every segment must agree on, fixed once here: seed, now, run id, workers."""
    fixed = dict(options)
    fixed["path"] = str(Path(options["path"]).resolve())  # the nodes have other working folders
    if fixed.get("seed") is None:
        fixed["seed"] = random_secrets.randbits(63)
    if fixed.get("now") is None and not fixed.get("live_mode"):
        fixed["now"] = datetime.now(GeneratorParameters.model_validate(options).zone).isoformat()
    fixed["run_id"] = fixed.get("run_id") or uuid.uuid4().hex[:16]
    if fixed.get("workers") == "auto":
        fixed["workers"] = 1  # Ray workers have threads: event workers would be spawned, slowly
    if fixed.get("live_mode") and fixed.get("batch", {}).get("size") is None:
        # Live segments take turns batch by batch: small batches share the rate finely.
        fixed["batch"] = {**fixed.get("batch", {}), "size": 1000}
    return fixed


def _shipped(folder: Path) -> Any:
    """The generator folder in Ray's object store, for nodes that do not see it."""
    import ray

    from eventum_ray import bundle

    packed = bundle.pack(folder)
    if packed is None:
        log.warning(
            "generator folder too large to ship: every node must see it at the same path",
            folder=str(folder),
            limit_mib=bundle.MAX_BYTES >> 20,
        )
        return None
    return ray.put(packed)


def _segment_count(segments: str, plan: GeneratorPlan) -> int:
    import ray

    if segments == "auto":
        resources = ray.cluster_resources()  # type: ignore[no-untyped-call]
        return max(1, int(resources.get("CPU", 1)))
    count = int(segments)
    if count < 1:
        raise UserError(f"--segments: must be 1 or more, or auto (got {count})")
    return count
