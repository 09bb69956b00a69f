from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eventum_core.discovery import Registry
from eventum_core.pipeline.lateness import LagStats
from eventum_core.pipeline.merge import merge_inputs
from eventum_core.testing import run_generator

from .plugins_for_tests import (
    AHEAD,
    KEPT,
    WRITTEN,
    EchoEvent,
    HerePidFormatter,
    MadeWhereEcho,
    MemoryOutput,
    MovedEcho,
    PidFormatter,
    PlannedEcho,
    RangeInput,
    RecordingEcho,
    SplitEcho,
    SplitSizes,
)


@pytest.fixture
def registry() -> Registry:
    r = Registry()
    r.register("input", "range", RangeInput)
    r.register("event", "echo", EchoEvent)
    r.register("output", "memory", MemoryOutput)
    return r


def config(
    *inputs: dict[str, Any],
    event: dict[str, Any] | None = None,
    output: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "input": [{"range": i} for i in inputs],
        "event": {"echo": event or {}},
        "output": [{"memory": output or {}}],
    }


def test_every_timestamp_becomes_an_event_in_order(tmp_path: Path, registry: Registry) -> None:
    run = run_generator(
        config({"count": 25_000}), base_path=tmp_path, registry=registry, batch={"size": 1000}
    )
    assert len(run.events) == 25_000
    assert run.events[0].startswith("1970-01-01T00:00:00+00:00")
    assert run.events == WRITTEN["test"]
    assert run.counters.generated == 25_000
    assert run.counters.outputs[0].written == 25_000
    assert run.result.ok


def test_inputs_merge_chronologically_with_their_tags(tmp_path: Path, registry: Registry) -> None:
    run = run_generator(
        config(
            {"count": 50, "step_us": 2_000_000, "tags": ["even"]},
            {"count": 50, "start_us": 1_000_000, "step_us": 2_000_000, "tags": ["odd"]},
        ),
        base_path=tmp_path,
        registry=registry,
        batch={"size": 7},
    )
    stamps = [e.split()[0] for e in run.events]
    assert stamps == sorted(stamps) and len(stamps) == 100
    assert [e.split()[1] for e in run.events[:4]] == ["even", "odd", "even", "odd"]
    assert [c.generated for c in run.counters.inputs] == [50, 50]


def test_timezone_applies_to_event_timestamps(tmp_path: Path, registry: Registry) -> None:
    run = run_generator(
        config({"count": 1}), base_path=tmp_path, registry=registry, timezone="Asia/Kolkata"
    )
    assert run.events[0].startswith("1970-01-01T05:30:00+05:30")


def test_max_events_stops_exactly(tmp_path: Path, registry: Registry) -> None:
    run = run_generator(
        config({"count": 10_000}, event={"per_timestamp": 3}),
        base_path=tmp_path,
        registry=registry,
        max_events=1000,
        batch={"size": 100},
    )
    assert len(run.events) == 1000
    assert run.result.ok


def test_exhausted_event_source_finishes_gracefully(tmp_path: Path, registry: Registry) -> None:
    run = run_generator(
        config({"count": 1000}, event={"exhaust_after": 10}), base_path=tmp_path, registry=registry
    )
    assert len(run.events) == 10
    assert run.result.error is None


def test_produce_failures_are_counted_and_the_run_goes_on(
    tmp_path: Path, registry: Registry
) -> None:
    run = run_generator(
        config({"count": 100}, event={"fail_every": 10}), base_path=tmp_path, registry=registry
    )
    assert run.counters.event.produce_failed == 10
    assert len(run.events) == 90


def test_write_failures_are_counted_as_lost(tmp_path: Path, registry: Registry) -> None:
    run = run_generator(
        config({"count": 100}, output={"fail_first": 2}),
        base_path=tmp_path,
        registry=registry,
        batch={"size": 10},
        keep_order=True,
    )
    memory = run.counters.outputs[0]
    assert (memory.written, memory.write_failed) == (80, 20)
    assert run.counters.lost == 20
    assert not run.result.ok


def test_slow_output_times_out_and_counts(tmp_path: Path, registry: Registry) -> None:
    run = run_generator(
        config({"count": 10}, output={"delay": 3}),
        base_path=tmp_path,
        registry=registry,
        write_timeout=1,
    )
    assert run.counters.outputs[0].write_failed == 10


def test_same_seed_same_run(tmp_path: Path, registry: Registry) -> None:
    first = run_generator(config({"count": 10}), base_path=tmp_path, registry=registry, seed=7)
    second = run_generator(config({"count": 10}), base_path=tmp_path, registry=registry, seed=7)
    assert first.events == second.events


def test_live_mode_releases_events_when_due(tmp_path: Path, registry: Registry) -> None:
    start_us = time.time_ns() // 1000 + 1_000_000  # a loaded machine starts the run in time
    started = time.monotonic()
    run = run_generator(
        config({"count": 20, "start_us": start_us, "step_us": 20_000}),
        base_path=tmp_path,
        registry=registry,
        live_mode=True,
        skip_past=False,
    )
    elapsed = time.monotonic() - started
    assert len(run.events) == 20
    assert elapsed >= 1.0 + 19 * 0.02 - 0.05  # not before the last timestamp
    lateness = run.counters.lateness
    assert lateness.count == 20
    assert lateness.percentile_ms(50) < 20
    assert lateness.percentile_ms(99) < 100  # the 50 ms target is measured by benchmarks/live.py
    assert lateness.late == 0


def test_merge_rechunks_to_size() -> None:
    def arrays(start: int, n: int, step: int) -> Any:
        for i in range(0, n, 3):
            yield (start + np.arange(i, min(i + 3, n)) * step).astype("datetime64[us]")

    chunks = list(merge_inputs([(0, arrays(0, 10, 2)), (1, arrays(1, 10, 2))], 4))
    sizes = [len(ts) for ts, _ in chunks]
    assert sizes == [4, 4, 4, 4, 4]
    merged = np.concatenate([ts for ts, _ in chunks]).astype(np.int64)
    assert merged.tolist() == list(range(20))
    sources = np.concatenate([s for _, s in chunks]).tolist()
    assert sources == [0, 1] * 10


def test_lag_percentiles_are_close() -> None:
    stats = LagStats()
    lags_ms = np.arange(1, 1001)
    now = 10_000_000_000
    stats.record((now - lags_ms * 1000).astype("datetime64[us]"), now)
    assert stats.percentile_ms(50) == pytest.approx(500, rel=0.1)
    assert stats.percentile_ms(99) == pytest.approx(990, rel=0.1)
    assert stats.max_us == 1_000_000
    assert stats.late == 0


def test_live_mode_says_which_stage_is_slow(tmp_path: Path, registry: Registry) -> None:
    from structlog.testing import capture_logs

    start_us = time.time_ns() // 1000
    cfg = config({"count": 30, "start_us": start_us, "step_us": 50_000}, output={"delay": 0.5})
    with capture_logs() as logs:
        run = run_generator(
            cfg,
            base_path=tmp_path,
            registry=registry,
            live_mode=True,
            skip_past=False,
            keep_order=True,
            queue={"max_event_batches": 1},
            max_concurrency=1,
        )
    assert len(WRITTEN["test"]) == 30  # late, but nothing dropped
    behind = [e for e in logs if e["event"].startswith("live mode is behind")]
    assert behind, [e["event"] for e in logs][:10]
    assert behind[0]["slowest"] == "output[0] memory"
    assert run.counters.lateness.late > 0


@pytest.mark.parametrize(("max_event_bytes", "most_ahead"), [(None, 800), (2_600, 500)])
def test_event_bytes_bound_how_far_production_runs_ahead_of_a_slow_output(
    tmp_path: Path, registry: Registry, max_event_bytes: int | None, most_ahead: int
) -> None:
    """Batches of 100 events of 26 characters: a budget of one batch keeps about four batches
    between the event plugin and the output (queue, fan-out, write, the one waiting); unbounded,
    the ten batches the queue may hold run ahead."""
    run_generator(
        config({"count": 3_000}, output={"delay": 0.02}),
        base_path=tmp_path,
        registry=registry,
        batch={"size": 100},
        queue={"max_event_batches": 10, "max_event_bytes": max_event_bytes},
    )
    assert len(WRITTEN["test"]) == 3_000
    if max_event_bytes is None:
        assert AHEAD["test"] >= most_ahead
    else:
        assert AHEAD["test"] <= most_ahead


def test_a_batch_larger_than_the_event_bytes_budget_still_passes(
    tmp_path: Path, registry: Registry
) -> None:
    run = run_generator(
        config({"count": 500}),
        base_path=tmp_path,
        registry=registry,
        batch={"size": 100},
        queue={"max_event_bytes": 1},
    )
    assert len(run.events) == 500 and run.result.ok


class RaisingEvent(EchoEvent):
    """Raises for every second batch: a plugin bug, not a per-timestamp failure."""

    def produce(self, batch: Any) -> Any:
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls % 2 == 0:
            raise RuntimeError("boom")
        return super().produce(batch)


def test_a_produce_that_raises_counts_its_batch_and_the_run_goes_on(
    tmp_path: Path, registry: Registry
) -> None:
    from structlog.testing import capture_logs

    registry.register("event", "raising", RaisingEvent)
    cfg = {**config({"count": 40}), "event": {"raising": {}}}
    with capture_logs() as logs:
        run = run_generator(cfg, base_path=tmp_path, registry=registry, batch={"size": 10})
    assert len(run.events) == 20
    assert run.counters.event.produce_failed == 20
    failed = [e for e in logs if e["event"] == "event plugin failed"]
    assert [e["reason"] for e in failed] == ["RuntimeError: boom"] * 2


@pytest.mark.parametrize(("formatter", "processes"), [("pid", 2), ("here-pid", 1)])
def test_parallel_safe_formatters_format_where_the_events_are_made(
    tmp_path: Path, registry: Registry, formatter: str, processes: int
) -> None:
    registry.register("event", "split", SplitEcho)
    registry.register("formatter", "pid", PidFormatter)
    registry.register("formatter", "here-pid", HerePidFormatter)
    cfg = {
        **config({"count": 100}),
        "event": {"split": {}},
        "output": [{"memory": {"formatter": {"format": formatter}}}],
    }
    # 95: the last batch (a worker's) is cut: its items are cut with it, or (made here) formatted
    # again by the writer.
    run = run_generator(
        cfg, base_path=tmp_path, registry=registry, batch={"size": 10}, workers=2, max_events=95
    )
    written = WRITTEN["test"]
    assert [item.rsplit("|", 1)[0] for item in written] == run.events[:95]
    assert len({item.rsplit("|", 1)[1] for item in written}) == processes


@pytest.mark.parametrize("workers", [1, 2])
def test_records_are_kept_for_the_events_passed_on_only(
    tmp_path: Path, registry: Registry, workers: int
) -> None:
    registry.register("event", "recording", RecordingEcho)
    KEPT.clear()
    # 95 of 200: the tenth batch is cut, and (with workers) batches in flight are never asked for.
    run = run_generator(
        {**config({"count": 200}), "event": {"recording": {}}},
        base_path=tmp_path,
        registry=registry,
        batch={"size": 10},
        workers=workers,
        max_events=95,
    )
    assert len(run.events) == 95
    assert KEPT["test"] == run.events[0:95:2]


def _moved_run(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch, workers: int, **kw: Any
) -> Any:
    from eventum_core.pipeline import events

    monkeypatch.setattr(events, "PIECE", 4)  # batches of 10 made in pieces of 1, 2, 4, 2, 1
    registry.register("event", "moved", MovedEcho)
    registry.register("formatter", "pid", PidFormatter)
    KEPT.clear()
    cfg = {
        **config({"count": 200}),
        "event": {"moved": {}},
        "output": [{"memory": {"formatter": {"format": "pid"}}}],
    }
    return run_generator(
        cfg, base_path=tmp_path, registry=registry, batch={"size": 10}, workers=workers, **kw
    )


def test_a_movable_plugin_produces_one_sequence_in_a_process_of_its_own(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not split (its state is one sequence) but moved: one worker process makes every event, in
    pieces, and this process formats them; joined again, one write per batch."""
    import os

    here = _moved_run(tmp_path, registry, monkeypatch, workers=1, max_events=95)
    here_written = list(WRITTEN["test"])
    moved = _moved_run(tmp_path, registry, monkeypatch, workers=2, max_events=95)
    fields = [e.split(" ") for e in moved.events]
    assert [f[2] for f in fields] == [f"#{n}" for n in range(1, 96)]  # one sequence
    assert {f[3] for f in fields} != {str(os.getpid())} and len({f[3] for f in fields}) == 1
    assert {f[4] for f in fields} == {"1", "2", "4"}  # made in pieces
    assert [e.rsplit(" ", 2)[0] for e in here.events] == [e.rsplit(" ", 2)[0] for e in moved.events]
    assert {f[3] for f in (e.split(" ") for e in here.events)} == {str(os.getpid())}
    assert [i.rsplit("|", 1)[1] for i in WRITTEN["test"]] == [str(os.getpid())] * 95
    assert [i.rsplit("|", 1)[0] for i in WRITTEN["test"]] == moved.events
    assert [i.rsplit(" ", 2)[0] for i in WRITTEN["test"]] == [
        i.rsplit(" ", 2)[0] for i in here_written
    ]
    # Each piece records its events 0, 2, ...: in a batch's pieces of 1, 2, 4, 2, 1, those at
    # 0 | 1 | 3, 5 | 7 | 9: the pieces' records, at the batch's places.
    assert KEPT["test"] == [e for i, e in enumerate(moved.events) if i % 10 in {0, 1, 3, 5, 7, 9}]


def test_a_planned_plugin_is_one_sequence_over_every_producer(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Split over processes, each piece planned here first, in stream order: the events are
    numbered as one sequence though two processes made them."""
    import os

    from eventum_core.pipeline import events

    monkeypatch.setattr(events, "PIECE", 4)
    registry.register("event", "planned", PlannedEcho)
    run = run_generator(
        {**config({"count": 200}), "event": {"planned": {}}},
        base_path=tmp_path,
        registry=registry,
        batch={"size": 10},
        workers=2,
    )
    fields = [e.split(" ") for e in run.events]
    assert [f[2] for f in fields] == [f"#{n}" for n in range(1, 201)]
    pids = [f[3] for f in fields]
    assert set(pids) == {str(os.getpid()), *pids} and len(set(pids)) == 2
    assert pids[:10] == [str(os.getpid())] * 10  # batches alternate: this process has the first


def test_a_moved_producer_is_this_process_instance_forked_not_made_again(
    tmp_path: Path, registry: Registry
) -> None:
    """The moved producer would be made as this process's instance was (same segment, producer
    0) and that one has made nothing: the forked worker uses it rather than start again."""
    import os

    registry.register("event", "made", MadeWhereEcho)
    cfg = {**config({"count": 50}), "event": {"made": {}}}
    run = run_generator(cfg, base_path=tmp_path, registry=registry, batch={"size": 10}, workers=2)
    fields = [e.split(" ") for e in run.events]
    assert [f[2] for f in fields] == [f"#{n}" for n in range(1, 51)]
    assert {f[3] for f in fields} != {str(os.getpid())}  # made in the worker
    assert {f[5] for f in fields} == {str(os.getpid())}  # by the instance made here


def test_a_moved_run_writes_a_batch_at_once(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    original = MemoryOutput.write

    async def counting(self: MemoryOutput, items: Any) -> None:
        writes.append(len(items))
        await original(self, items)

    monkeypatch.setattr(MemoryOutput, "write", counting)
    run = _moved_run(tmp_path, registry, monkeypatch, workers=2)
    assert len(run.events) == 200 and writes == [10] * 20


def test_pieces_join_into_one_batch() -> None:
    from eventum_core.batch import Formatted, Produced
    from eventum_core.pipeline.workers import Made, ProduceFailed, _joined

    def piece(events: list[str], *formatted: Formatted | None, **kw: Any) -> Made:
        return Made(Produced(events, **kw), formatted)

    per_event = _joined(
        [
            piece(
                ["a", "b"], Formatted(["A", "B"], 2), Formatted(["[a,b]"], 2), records=[(1, "r")]
            ),
            piece([], None, None, dropped=3),
            piece(["c"], Formatted(["C"], 1), Formatted(["[c]"], 1), failed=1, records=[(0, "s")]),
        ]
    )
    assert isinstance(per_event, Made)
    assert per_event.produced.events == ["a", "b", "c"]  # kept: the second output formats them
    assert per_event.formatted[0] == Formatted(["A", "B", "C"], 3)
    assert per_event.formatted[1] is None
    assert per_event.produced.records == [(1, "r"), (2, "s")]
    assert (per_event.produced.failed, per_event.produced.dropped) == (1, 3)
    light = _joined([piece(["a"], Formatted(["A"], 1)), piece(["b"], Formatted(["B"], 1))])
    assert isinstance(light, Made) and light.events == 2 and light.produced.events == []
    failed = ProduceFailed("RuntimeError: boom")
    assert _joined([piece(["a"], None), failed]) is failed


@pytest.mark.parametrize("n", [1, 2000, 2001, 4000, 10_000, 123_457])
def test_a_batch_is_cut_in_pieces_that_grow_from_both_ends(n: int) -> None:
    """Small pieces first and last (the taker starts soon, little is left once the maker is
    done), `size` in the middle; every timestamp once, in order."""
    from datetime import UTC

    from eventum_core.batch import TimestampBatch

    stamps = np.arange(n).astype("datetime64[us]")
    batch = TimestampBatch(stamps, np.zeros(n, "uint16"), [()], UTC, 7)
    pieces = batch.pieces(2000)
    sizes = [len(p) for p in pieces]
    assert np.concatenate([p.timestamps for p in pieces]).tolist() == batch.timestamps.tolist()
    assert max(sizes) <= 2000 and {p.index for p in pieces} == {7}
    if n > 2000:
        assert sizes[:2] == [250, 500] and sizes[-2:] == [500, 250]
    else:
        assert pieces == [batch]


@pytest.mark.parametrize("workers", [1, 2])
def test_every_producer_makes_a_batch_in_the_same_pieces(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Split or not, a batch is made in the same pieces: its events do not depend on where."""
    from eventum_core.pipeline import events

    monkeypatch.setattr(events, "PIECE", 4)
    registry.register("event", "sizes", SplitSizes)
    run = run_generator(
        {**config({"count": 100}), "event": {"sizes": {}}},
        base_path=tmp_path,
        registry=registry,
        batch={"size": 10},
        workers=workers,
    )
    sizes = [1, 2, 4, 2, 1]
    assert [e.rsplit(" ", 1)[1] for e in run.events] == [
        str(n) for n in sizes for _ in range(n)
    ] * 10
    assert WRITTEN["test"] == run.events
