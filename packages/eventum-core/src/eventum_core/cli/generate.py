"""`eventum generate`: run one generator from a generator.yml, without a server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eventum_core.cli import values
from eventum_core.cli.errors import print_error

_RUN = "Run"
_GEN = "Generation (as in eventum.yml `generation:`)"
_OUT = "Bounds and output"
_CLUSTER = "Many machines (eventum-ray)"


def generate(
    path: Annotated[
        Path,
        typer.Option("--path", help="The generator.yml (or its folder).", rich_help_panel=_RUN),
    ],
    id: Annotated[
        str, typer.Option("--id", help="Generator id, shown in logs.", rich_help_panel=_RUN)
    ],
    live_mode: Annotated[
        str,
        typer.Option(
            "--live-mode",
            metavar="BOOL",
            help="true: release events at their timestamps; false: as fast as possible (sample mode).",
            rich_help_panel=_RUN,
        ),
    ] = "true",
    skip_past: Annotated[
        str,
        typer.Option(
            "--skip-past",
            metavar="BOOL",
            help="In live mode, skip timestamps already in the past.",
            rich_help_panel=_RUN,
        ),
    ] = "true",
    params: Annotated[
        str | None,
        typer.Option(
            "--params",
            metavar="JSON",
            help='Values for ${params.x} as a JSON object, e.g. \'{"out": "/tmp/x.log"}\'.',
            rich_help_panel=_RUN,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="Seed for every random source: the same seed repeats a sample-mode run byte for byte.",
            rich_help_panel=_RUN,
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="DATETIME",
            help="The run's 'now' (ISO 8601; without an offset, in --timezone): relative start and end times, static timestamps and skip_past use it.",
            rich_help_panel=_RUN,
        ),
    ] = None,
    segment: Annotated[
        str | None,
        typer.Option(
            "--segment",
            metavar="INDEX/COUNT",
            help="Produce one share of a sample-mode run split over COUNT processes or machines (timestamp batches INDEX, INDEX+COUNT, ...); every segment needs the same --seed, --now, --batch.size and --workers (a number).",
            rich_help_panel=_RUN,
        ),
    ] = None,
    run_id: Annotated[
        str | None,
        typer.Option(
            "--run-id",
            help="Names the run in the ids outputs derive to deduplicate (ClickHouse insert tokens): a segment rerun with the same --run-id, --seed and --now is not written twice [default: new for each run].",
            rich_help_panel=_RUN,
        ),
    ] = None,
    cryptfile: Annotated[
        Path | None,
        typer.Option(
            "--cryptfile",
            exists=True,
            dir_okay=False,
            help="Keyring file for ${secrets.x}.",
            rich_help_panel=_RUN,
        ),
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Timezone of timestamps.", rich_help_panel=_GEN)
    ] = "UTC",
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch.size",
            help="Most timestamps per batch [default: 10000 when no delay is given].",
            rich_help_panel=_GEN,
        ),
    ] = None,
    batch_delay: Annotated[
        float | None,
        typer.Option(
            "--batch.delay",
            help="Batch delay in seconds (accepted for compatibility; live mode releases each event when due).",
            rich_help_panel=_GEN,
        ),
    ] = None,
    max_timestamp_batches: Annotated[
        int, typer.Option("--queue.max-timestamp-batches", rich_help_panel=_GEN)
    ] = 10,
    max_event_batches: Annotated[
        int, typer.Option("--queue.max-event-batches", rich_help_panel=_GEN)
    ] = 10,
    max_event_bytes: Annotated[
        int,
        typer.Option(
            "--queue.max-event-bytes",
            help="Bytes the event batches waiting for outputs may hold.",
            rich_help_panel=_GEN,
        ),
    ] = 268_435_456,
    keep_order: Annotated[
        str,
        typer.Option(
            "--keep-order",
            metavar="BOOL",
            help="Write each batch to every output before the next.",
            rich_help_panel=_GEN,
        ),
    ] = "false",
    max_concurrency: Annotated[
        int,
        typer.Option("--max-concurrency", help="Writes in flight at once.", rich_help_panel=_GEN),
    ] = 100,
    write_timeout: Annotated[
        float,
        typer.Option("--write-timeout", help="Seconds a write may take.", rich_help_panel=_GEN),
    ] = 10,
    workers: Annotated[
        str,
        typer.Option(
            "--workers",
            metavar="N|auto",
            help="Processes producing events: auto uses every core in sample mode when the event plugin allows it (a template's `shared` state stays one sequence: planned on every core when it is counters, else rendered in one worker process, unless `shared_scope: producer`); 1 keeps everything in this process.",
            rich_help_panel=_GEN,
        ),
    ] = "auto",
    max_events: Annotated[
        int | None,
        typer.Option("--max-events", help="Stop after this many events.", rich_help_panel=_OUT),
    ] = None,
    max_duration: Annotated[
        str | None,
        typer.Option(
            "--max-duration",
            metavar="DURATION",
            help="Stop after this long: 30s, 5m, 1h30m.",
            rich_help_panel=_OUT,
        ),
    ] = None,
    verbose: Annotated[
        int,
        typer.Option(
            "-v",
            "--verbose",
            count=True,
            help="More logs: -v adds tracebacks, -vvvv info, -vvvvv debug.",
            rich_help_panel=_OUT,
        ),
    ] = 0,
    log_format: Annotated[
        str, typer.Option("--log-format", help="plain or json.", rich_help_panel=_OUT)
    ] = "plain",
    progress: Annotated[
        str | None,
        typer.Option(
            "--progress",
            metavar="BOOL",
            help="Progress line on stderr (default: on a terminal in sample mode).",
            rich_help_panel=_OUT,
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            metavar="ADDRESS",
            help="Run the generator as segments on a cluster: auto, ray://HOST:PORT, HOST:PORT, or local (a throwaway cluster on this machine). Needs eventum-ray.",
            rich_help_panel=_CLUSTER,
        ),
    ] = None,
    segments: Annotated[
        str | None,
        typer.Option(
            "--segments",
            metavar="N|auto",
            help="Segments of a --cluster run [default: auto, the cluster's CPUs].",
            rich_help_panel=_CLUSTER,
        ),
    ] = None,
) -> None:
    """Run one generator and print or deliver its events."""
    from eventum_core.cli.session import end_process, run_generate, run_on_cluster

    try:
        options = {
            "id": id,
            "path": path,
            "live_mode": values.boolean("--live-mode", live_mode),
            "skip_past": values.boolean("--skip-past", skip_past),
            "params": values.json_object("--params", params),
            "seed": seed,
            "now": now,
            "segment": segment,
            "run_id": run_id,
            "timezone": timezone,
            "batch": {"size": batch_size, "delay": batch_delay},
            "queue": {
                "max_timestamp_batches": max_timestamp_batches,
                "max_event_batches": max_event_batches,
                "max_event_bytes": max_event_bytes,
            },
            "keep_order": values.boolean("--keep-order", keep_order),
            "max_concurrency": max_concurrency,
            "write_timeout": write_timeout,
            "workers": workers if workers == "auto" else values.integer("--workers", workers),
            "max_events": max_events,
            "max_duration": values.duration("--max-duration", max_duration),
        }
        show_progress = None if progress is None else values.boolean("--progress", progress)
        if log_format not in ("plain", "json"):
            raise values.BadValue(f"--log-format: expected plain or json (got {log_format!r})")
        if segments is not None and cluster is None:
            raise values.BadValue("--segments: splits a --cluster run; give --cluster too")
        if segments not in (None, "auto"):
            segments = str(values.integer("--segments", segments))
    except values.BadValue as error:
        print_error(str(error))
        raise typer.Exit(2) from None
    run = run_generate if cluster is None else run_on_cluster(cluster, segments or "auto")
    end_process(
        run(
            options,
            verbosity=verbose,
            log_format=log_format,  # type: ignore[arg-type]
            cryptfile=cryptfile,
            progress=show_progress,
        )
    )
