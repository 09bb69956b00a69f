from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from eventum_core.discovery import Registry
from eventum_core.testing import run_generator

from .plugins_for_tests import WRITTEN, EchoEvent, MemoryOutput, RangeInput

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FAST_RETRY = {"attempts": 4, "initial_delay": 0.01, "max_delay": 0.05}


@pytest.fixture
def registry() -> Registry:
    r = Registry()
    r.register("input", "range", RangeInput)
    r.register("event", "echo", EchoEvent)
    r.register("output", "memory", MemoryOutput)
    return r


def run(tmp_path: Path, registry: Registry, output: dict[str, Any], count: int = 100, **kw: Any):
    config = {
        "input": [{"range": {"count": count}}],
        "event": {"echo": {}},
        "output": [{"memory": output}],
    }
    return run_generator(
        config,
        base_path=tmp_path,
        registry=registry,
        collect=False,
        batch={"size": 10},
        keep_order=True,
        **kw,
    )


def test_transient_failures_are_retried_until_written(tmp_path: Path, registry: Registry) -> None:
    result = run(tmp_path, registry, {"fail_first": 3, "retryable": True, "retry": FAST_RETRY})
    memory = result.counters.outputs[0]
    assert (memory.written, memory.write_failed, memory.retries) == (100, 0, 3)
    assert len(WRITTEN["test"]) == 100
    assert result.result.ok


def test_retries_are_bounded(tmp_path: Path, registry: Registry) -> None:
    result = run(tmp_path, registry, {"fail_first": 4, "retryable": True, "retry": FAST_RETRY})
    memory = result.counters.outputs[0]
    assert (memory.written, memory.write_failed) == (90, 10)
    assert not result.result.ok


def test_permanent_failures_are_not_retried(tmp_path: Path, registry: Registry) -> None:
    result = run(tmp_path, registry, {"fail_first": 1, "retry": FAST_RETRY})
    memory = result.counters.outputs[0]
    assert (memory.written, memory.write_failed, memory.retries) == (90, 10, 0)


def test_partial_failures_count_only_the_failed_items(tmp_path: Path, registry: Registry) -> None:
    result = run(tmp_path, registry, {"reject_odd": True, "dead_letter": "dead/memory.jsonl"})
    memory = result.counters.outputs[0]
    assert (memory.written, memory.write_failed, memory.dead_lettered) == (50, 50, 50)
    dead = [json.loads(line) for line in (tmp_path / "dead/memory.jsonl").read_text().splitlines()]
    assert len(dead) == 50
    assert dead[0]["error"] == "mapping rejected"
    assert dead[0]["output"] == "output[0] memory"
    written_and_dead = sorted(WRITTEN["test"] + [d["event"] for d in dead])
    assert len(set(written_and_dead)) == 100


def test_a_gone_sink_stops_the_run_and_counts_the_rest(tmp_path: Path, registry: Registry) -> None:
    result = run(tmp_path, registry, {"gone_after": 2}, count=100_000)
    memory = result.counters.outputs[0]
    assert memory.written == 20
    assert memory.write_failed >= 10
    assert result.counters.generated < 100_000
    assert memory.written + memory.write_failed == result.counters.event.produced


def test_per_item_verdicts_retry_only_what_may_pass(tmp_path: Path, registry: Registry) -> None:
    result = run(
        tmp_path,
        registry,
        {"mixed_first": True, "retry": FAST_RETRY, "dead_letter": "dead.jsonl"},
        count=10,
    )
    memory = result.counters.outputs[0]
    assert (memory.written, memory.write_failed, memory.retries) == (9, 1, 1)
    dead = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert [d["error"] for d in dead] == ["400 mapping"]
    assert sorted(WRITTEN["test"] + [d["event"] for d in dead]) == sorted(
        f"1970-01-01T00:00:0{i}+00:00 " for i in range(10)
    )


def test_each_segment_of_a_split_run_keeps_its_own_dead_letters(
    tmp_path: Path, registry: Registry
) -> None:
    output = {"reject_odd": True, "dead_letter": "dead/memory.jsonl"}
    dead = []
    for index in range(2):
        run(tmp_path, registry, output, segment={"index": index, "count": 2}, now=NOW, workers=1)
        path = tmp_path / f"dead/memory.segment-{index}.jsonl"
        dead += [json.loads(line)["event"] for line in path.read_text().splitlines()]
    assert not (tmp_path / "dead/memory.jsonl").exists()
    assert len(dead) == len(set(dead)) == 50
