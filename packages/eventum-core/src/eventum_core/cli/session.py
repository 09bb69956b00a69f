"""What `eventum generate` does once its options are read: load, run, report, pick the exit code."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NoReturn

import anyio
from pydantic import ValidationError

from eventum_core import gc_pause
from eventum_core import logging as eventum_logging
from eventum_core.cli.errors import print_error
from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import GeneratorPlan, load_plan
from eventum_core.config.locations import dotted, reason
from eventum_core.context import draw_seed
from eventum_core.discovery import Registry
from eventum_core.errors import UserError
from eventum_core.pipeline.counters import Counters
from eventum_core.pipeline.runner import GeneratorRun, RunResult
from eventum_core.secrets import SecretResolver
from eventum_core.threads import wait_for_threads

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ABORTED = 0, 1, 2, 130
# `generate --cluster`: the runner that splits a run over machines (eventum-ray registers `ray`).
CLUSTER_GROUP = "eventum.cluster"


def parameters_from(options: dict[str, Any]) -> GeneratorParameters:
    try:
        return GeneratorParameters.model_validate(options)
    except ValidationError as error:
        first = error.errors()[0]
        option = "--" + dotted(first["loc"]).replace("_", "-")
        raise UserError(f"{option}: {reason(dict(first))}") from None


def load_generation(
    options: dict[str, Any],
    cryptfile: Path | None,
    *,
    answered: dict[str, str] | None = None,
    known: Mapping[str, str] | None = None,
) -> tuple[GeneratorParameters, GeneratorPlan]:
    """The options and the plan they load, secrets from `cryptfile`. `answered` collects each
    secret looked up, for a cluster's segments, which run where the keyring is not and load
    with those as `known`."""
    parameters = parameters_from(options)
    secrets = _secrets(cryptfile, answered) if known is None else _from(known)
    return parameters, load_plan(parameters, registry=Registry(), secrets=secrets)


def _from(known: Mapping[str, str]) -> SecretResolver:
    def resolve(name: str) -> str:
        return known[name]

    return resolve


def _secrets(cryptfile: Path | None, answered: dict[str, str] | None) -> SecretResolver | None:
    if cryptfile is None:
        return None
    from eventum_core.keyring_secrets import cryptfile_resolver

    resolve = cryptfile_resolver(cryptfile)
    if answered is None:
        return resolve

    def recording(name: str) -> str:
        answered[name] = value = resolve(name)
        return value

    return recording


def failure_exit(error: Exception, verbosity: int) -> int:
    """A user's mistake is one line and exit 2; anything else is an internal error."""
    if isinstance(error, UserError):
        print_error(str(error))
        return EXIT_USAGE
    return internal_error(error, verbosity)


def shows_progress(progress: bool | None, parameters: GeneratorParameters) -> bool:
    """The progress line: as asked, else on a terminal in sample mode."""
    return progress if progress is not None else (sys.stderr.isatty() and not parameters.live_mode)


def run_generate(
    options: dict[str, Any],
    *,
    verbosity: int,
    log_format: eventum_logging.LogFormat,
    cryptfile: Path | None,
    progress: bool | None,
) -> int:
    eventum_logging.configure(verbosity, log_format)
    try:
        parameters, plan = load_generation(options, cryptfile)
    except Exception as error:
        return failure_exit(error, verbosity)

    seed = parameters.seed if parameters.seed is not None else draw_seed()
    show = shows_progress(progress, parameters)
    gc_pause.resume()
    try:
        result = anyio.run(
            _run_with_signals, GeneratorRun(plan, seed, progress_printer() if show else None)
        )
    except Exception as error:
        return internal_error(error, verbosity)
    if show:
        print(file=sys.stderr)
    return report(result, parameters)


def run_on_cluster(address: str, segments: str) -> Callable[..., int]:
    """`run_generate`'s counterpart for `--cluster`, from the `eventum.cluster` entry point:
    called as `runner(options, address=, segments=, verbosity=, log_format=, cryptfile=,
    progress=)` and returning the exit code. Imported only when `--cluster` is given."""
    found = list(entry_points(group=CLUSTER_GROUP))
    if not found:
        return _no_cluster_runner
    return functools.partial(found[0].load(), address=address, segments=segments)


def _no_cluster_runner(options: dict[str, Any], **_: Any) -> int:
    print_error("--cluster needs eventum-ray, which is not installed: pip install eventum-ray")
    return EXIT_USAGE


def end_process(code: int) -> NoReturn:
    """End the process once a run is over, without the interpreter's teardown: freeing every
    module and object it imported takes tens of milliseconds after a short run, for nothing.
    Threads end first, as at a normal exit (the event loop's idle workers, told to stop when
    the run ended, in a moment); one that has not within a second (a plugin's) gets the normal
    exit, which waits for it. Exit handlers run and buffered output is flushed."""
    if not wait_for_threads(threading.enumerate(), timeout=1):
        raise SystemExit(code)
    atexit._run_exitfuncs()  # what a normal exit would run (logging, multiprocessing, plugins)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, as a normal exit ignores
            stream.flush()
    os._exit(code)


def internal_error(error: BaseException, verbosity: int) -> int:
    if verbosity:
        eventum_logging.get_logger().exception("internal error")
    print_error(
        f"internal error: {type(error).__name__}: {error}"
        + ("" if verbosity else " (run with -v for details)")
    )
    return EXIT_FAILED


async def _run_with_signals(run: GeneratorRun) -> RunResult:
    async def on_signals(scope: anyio.CancelScope) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
            async for signum in received:
                if run.stopping:
                    print("\neventum: stopping now, events in flight are lost", file=sys.stderr)
                    os._exit(EXIT_ABORTED)
                eventum_logging.get_logger().warning(
                    "stopping: writing what was generated", signal=signal.Signals(signum).name
                )
                run.stop(interrupted=True)

    async with anyio.create_task_group() as tg:
        scope = tg.cancel_scope
        tg.start_soon(on_signals, scope)
        result = await run.run()
        scope.cancel()
    return result


def progress_printer() -> Any:
    last = [time.monotonic(), 0]

    def show(counters: Counters) -> None:
        now = time.monotonic()
        written = counters.written
        rate = (written - last[1]) / max(now - last[0], 1e-9)
        last[0], last[1] = now, written
        elapsed = int(counters.elapsed)
        sys.stderr.write(
            f"\r{written:>12,} events  {rate:>10,.0f} events/s  "
            f"{elapsed // 3600}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d} "
        )
        sys.stderr.flush()

    return show


def report(result: RunResult, parameters: GeneratorParameters) -> int:
    counters = result.counters
    log = eventum_logging.get_logger(generator=parameters.id)
    if result.error:
        print_error(result.error)
        if not counters.generated:
            return EXIT_USAGE if result.user_error else EXIT_FAILED
    elapsed = counters.elapsed
    event = counters.event
    summary: dict[str, Any] = {
        "generated": counters.generated,
        "produced": event.produced,
        "written": counters.written,
        "seconds": round(elapsed, 3),
        "events_per_s": round(event.produced / elapsed) if elapsed else 0,
        "seed": result.seed,
    }
    for key in ("produce_failed", "dropped"):
        if getattr(event, key):
            summary[key] = getattr(event, key)
    if parameters.live_mode and counters.lateness.count:
        summary["lateness"] = counters.lateness.as_dict()
    log.info("run finished", **summary)
    if event.produce_failed:
        print_error(
            f"{event.produce_failed} events could not be produced (the log says why and where)"
        )
    if counters.lost:
        detail = ", ".join(
            f"{o.name}: {o.write_failed} write failed, {o.format_failed} format failed"
            for o in counters.outputs
            if o.write_failed or o.format_failed
        )
        print_error(f"{counters.lost} events were not delivered ({detail})")
        return EXIT_FAILED
    if result.error or event.produce_failed:
        return EXIT_FAILED
    return EXIT_OK
