"""Against the real ClickHouse engine, in process (chDB), through clickhouse-connect's client."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import Any, ClassVar

import anyio
import pytest
from ch_helpers import DSN, NOW, engine, event, make, new_table, rows, validate
from pydantic import BaseModel

from eventum_core import PluginContext, Segment, WriteError
from eventum_core.testing import OutputPluginContract, run_generator
from eventum_output_clickhouse import ClickHouseOutput

pytestmark = pytest.mark.anyio


class TestClickHouseContract(OutputPluginContract):
    plugin_class = ClickHouseOutput
    entry_point = "clickhouse"
    valid_config: ClassVar[dict[str, Any]] = {"dsn": DSN, "input_format": "LineAsString"}

    def make_config(self, base_path: Path, **overrides: Any) -> BaseModel:
        # A TinyLog table reads back in insertion order, as the contract expects.
        self.table = new_table("(line String)", "TinyLog")
        return super().make_config(base_path, table=self.table, **overrides)

    def read_back(self, base_path: Path) -> Sequence[str]:
        return [r[0] for r in engine().query(f"SELECT line FROM {self.table}").result_rows]


async def test_inserts_json_rows(tmp_path: Path) -> None:
    table = new_table()
    plugin = make(tmp_path, table=table)
    await plugin.open()
    await plugin.write([event(i) for i in range(3)])
    await plugin.write([event(3, "WARN")])
    await plugin.close()
    assert rows(table) == [(0, "INFO", "m0"), (1, "INFO", "m1"), (2, "INFO", "m2"),
                           (3, "WARN", "m3")]  # fmt: skip


async def test_header_footer_and_separator_build_one_payload(tmp_path: Path) -> None:
    table = new_table()
    plugin = make(tmp_path, table=table, header="[", footer="]", separator=",")
    await plugin.open()
    await plugin.write([event(i) for i in range(5)])
    await plugin.close()
    assert [r[0] for r in rows(table)] == [0, 1, 2, 3, 4]


async def test_other_input_formats(tmp_path: Path) -> None:
    table = new_table()
    plugin = make(tmp_path, table=table, input_format="CSV")
    await plugin.open()
    await plugin.write(['7,"2025-01-02 00:00:00","INFO","a,b"', '8,"2025-01-02 00:00:01","E","c"'])
    await plugin.close()
    assert rows(table) == [(7, "INFO", "a,b"), (8, "E", "c")]


async def test_only_rows_that_fail_to_parse_are_reported(tmp_path: Path) -> None:
    table = new_table()
    plugin = make(tmp_path, table=table)
    items = [event(i) for i in range(20)]
    items[3] = '{"id": 3, "ts": "not a time", "level": "INFO", "msg": "m3"}'
    items[17] = '{"id": "seventeen"}'
    await plugin.open()
    with pytest.raises(WriteError) as caught:
        await plugin.write(items)
    await plugin.close()
    assert caught.value.retryable is False
    assert caught.value.failed == [3, 17]
    assert "CANNOT_PARSE" in caught.value.reason or "Code" in caught.value.reason
    assert [r[0] for r in rows(table)] == [i for i in range(20) if i not in (3, 17)]


async def test_a_missing_table_is_permanent_for_the_whole_batch(tmp_path: Path) -> None:
    plugin = make(tmp_path, table="no_such_table")
    await plugin.open()
    with pytest.raises(WriteError) as caught:
        await plugin.write([event(1), event(2)])
    await plugin.close()
    assert (caught.value.retryable, caught.value.failed) == (False, None)
    assert "UNKNOWN_TABLE" in caught.value.reason


SCRIPT = """
import json
n = 0
def produce(params):
    global n
    n += 1
    ts = params["timestamp"].strftime("%Y-%m-%d %H:%M:%S.%f")
    return json.dumps({"id": n, "ts": ts, "level": "INFO", "msg": "heartbeat ok"})
"""


def generator(tmp_path: Path, count: int, output: dict[str, Any]) -> dict[str, Any]:
    (tmp_path / "produce.py").write_text(SCRIPT)
    return {
        "input": [{"linspace": {"start": "2025-01-01T00:00:00+00:00",
                                "end": "2025-01-01T01:00:00+00:00", "count": count}}],
        "event": {"script": {"path": "produce.py"}},
        "output": [{"clickhouse": output}],
    }  # fmt: skip


def test_a_generator_run_lands_in_a_merge_tree_table(tmp_path: Path) -> None:
    table = new_table()
    run = run_generator(
        generator(tmp_path, 25_000, {"dsn": DSN, "table": table}),
        base_path=tmp_path,
        collect=False,
        batch={"size": 5_000},
    )
    assert run.result.ok
    assert run.counters.outputs[0].written == 25_000
    count, first, last, ids = (
        engine()
        .query(f"SELECT count(), min(ts), max(ts), uniqExact(id) FROM {table}")
        .result_rows[0]
    )
    assert (count, ids) == (25_000, 25_000)
    assert str(first).startswith("2025-01-01 00:00:00")
    assert str(last).startswith("2025-01-01 01:00:00")
    assert rows(table, "id, level, msg", "id LIMIT 1") == [(1, "INFO", "heartbeat ok")]


def test_a_parse_failure_in_a_run_is_counted_and_dead_lettered(tmp_path: Path) -> None:
    table = new_table("(id UInt64, ts DateTime64(6, 'UTC'), level String, msg UInt8)")
    dead = tmp_path / "dead.jsonl"
    run = run_generator(
        generator(tmp_path, 10, {"dsn": DSN, "table": table, "dead_letter": str(dead)}),
        base_path=tmp_path,
        collect=False,
    )
    assert not run.result.ok
    assert run.counters.outputs[0].write_failed == 10
    assert run.counters.outputs[0].retries == 0
    letters = [json.loads(line) for line in dead.read_text().splitlines()]
    assert len(letters) == 10
    assert json.loads(letters[0]["event"])["msg"] == "heartbeat ok"


async def test_writes_run_concurrently_on_one_engine(tmp_path: Path) -> None:
    table = new_table()
    plugin = make(tmp_path, table=table)
    await plugin.open()
    async with anyio.create_task_group() as tg:
        for start in range(0, 4000, 500):
            tg.start_soon(plugin.write, [event(i) for i in range(start, start + 500)])
    await plugin.close()
    assert engine().query(f"SELECT count(), uniqExact(id) FROM {table}").result_rows == [
        (4000, 4000)
    ]


def _rerun(tmp_path: Path, table: str, run_id: str) -> ClickHouseOutput:
    """The output as segment 1 of 2 of run `run_id` builds it."""
    context = PluginContext(
        generator_id="t", kind="output", name="clickhouse", index=0, base_path=tmp_path,
        timezone=UTC, started_at=NOW, segment=Segment(1, 2), run_id=run_id,
    )  # fmt: skip
    return ClickHouseOutput(validate(tmp_path, {"dsn": DSN, "table": table}), context)


async def test_a_rerun_of_a_segment_is_deduplicated_by_its_tokens(tmp_path: Path) -> None:
    """Tokens come from run id, segment, batch index and payload: a segment rerun after its
    machine died inserts nothing twice; another run, or the same payload in another batch, does."""
    from eventum_core.batch import _BATCH_INDEX

    table = new_table(settings="non_replicated_deduplication_window = 1000")
    batches = [[event(0), event(1)], [event(2)], [event(0), event(1)]]  # batch 2 repeats batch 0
    for attempt in ("first", "rerun"):
        plugin = _rerun(tmp_path, table, "run-a")
        await plugin.open()
        for number, items in enumerate(batches if attempt == "first" else batches[:2]):
            _BATCH_INDEX.set(number)
            await plugin.write(items)
        await plugin.close()
    assert len(rows(table)) == 5
    other = _rerun(tmp_path, table, "run-b")
    await other.open()
    _BATCH_INDEX.set(0)
    await other.write(batches[0])
    await other.close()
    assert len(rows(table)) == 7
