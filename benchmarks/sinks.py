"""Sink delivery rates: W3-shaped JSON events into ClickHouse (chDB, in process) and OpenSearch
(osmem-server), through the output plugins. A script, not a test; prints events/s.

    uv run --group test python benchmarks/sinks.py                 # 1,000,000 / 200,000 events
    uv run --group test python benchmarks/sinks.py --clickhouse 200000 --opensearch 50000

`plugin` rows time `write()` alone on pre-made strings (batches of --batch events, --concurrency
writes in flight), which is what a sink must keep up with; `pipeline` rows run a whole generator
(linspace input, script event, the `json` or `plain` formatter) into the sink.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import clickhouse_connect
from osmem_server import OsmemServer

from eventum_core import PluginContext
from eventum_core.testing import run_generator
from eventum_output_clickhouse import ClickHouseOutput
from eventum_output_opensearch import OpenSearchOutput

START = datetime(2024, 1, 1, tzinfo=UTC)
SCRIPT = """
import json
def produce(params):
    return json.dumps({"ts": params["timestamp"].isoformat(), "level": "INFO",
                       "msg": "heartbeat ok"})
"""


def events(count: int) -> list[str]:
    step = timedelta(days=1) / count
    return [
        json.dumps({"ts": (START + i * step).strftime("%Y-%m-%d %H:%M:%S.%f"), "level": "INFO",
                    "msg": "heartbeat ok"})
        for i in range(count)
    ]  # fmt: skip


def context(name: str, base: Path) -> PluginContext:
    return PluginContext(generator_id="bench", kind="output", name=name, index=0,
                         base_path=base, timezone=UTC, started_at=START)  # fmt: skip


async def drive(plugin: Any, items: list[str], batch: int, concurrency: int) -> float:
    await plugin.open()
    limiter = anyio.Semaphore(concurrency)

    async def one(chunk: list[str]) -> None:
        async with limiter:
            await plugin.write(chunk)

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for start in range(0, len(items), batch):
            tg.start_soon(one, items[start : start + batch])
    elapsed = time.perf_counter() - started
    await plugin.close()
    return elapsed


def report(label: str, count: int, seconds: float) -> None:
    print(f"{label:<44} {count:>9,} events {seconds:7.2f} s {count / seconds:>11,.0f} events/s")


def generator(base: Path, count: int, output: dict[str, Any]) -> dict[str, Any]:
    (base / "produce.py").write_text(SCRIPT)
    return {
        "input": [{"linspace": {"start": "2024-01-01T00:00:00+00:00",
                                "end": "2024-01-02T00:00:00+00:00", "count": count}}],
        "event": {"script": {"path": "produce.py"}},
        "output": [output],
    }  # fmt: skip


def clickhouse(count: int, batch: int, concurrency: int, base: Path) -> None:
    dsn = f"chdb://{base / 'chdb'}"
    admin = clickhouse_connect.get_client(dsn=dsn)
    table = "(ts DateTime64(6, 'UTC'), level LowCardinality(String), msg String)"
    for name in ("plugin", "pipeline_json", "pipeline_plain"):
        admin.command(f"CREATE TABLE {name} {table} ENGINE = MergeTree ORDER BY ts")
    config = ClickHouseOutput.Config.model_validate({"dsn": dsn, "table": "plugin"})
    items = events(count)
    seconds = anyio.run(drive, ClickHouseOutput(config, context("clickhouse", base)), items,
                        batch, concurrency)  # fmt: skip
    rows = admin.query("SELECT count() FROM plugin").result_rows[0][0]
    assert rows == count, rows
    report(f"clickhouse (chDB) plugin, batch {batch} x{concurrency}", count, seconds)
    del items
    for fmt in ("json", "plain"):
        output = {"dsn": dsn, "table": f"pipeline_{fmt}", "formatter": {"format": fmt}}
        started = time.perf_counter()
        run = run_generator(generator(base, count, {"clickhouse": output}), base_path=base,
                            collect=False)  # fmt: skip
        seconds = time.perf_counter() - started
        assert run.result.ok and run.counters.outputs[0].written == count
        report(f"clickhouse (chDB) pipeline, {fmt} formatter", count, seconds)
    admin.close()


def opensearch(count: int, batch: int, concurrency: int, base: Path) -> None:
    with OsmemServer.start() as server, server.clone() as clone:
        auth = {"username": "bench", "password": "bench"}
        config = OpenSearchOutput.Config.model_validate(
            {**auth, "hosts": [clone.url], "index": "plugin"}
        )
        items = events(count)
        seconds = anyio.run(drive, OpenSearchOutput(config, context("opensearch", base)), items,
                            batch, concurrency)  # fmt: skip
        report(f"opensearch (osmem) plugin, batch {batch} x{concurrency}", count, seconds)
        started = time.perf_counter()
        output = {"opensearch": {**auth, "hosts": [clone.url], "index": "pipeline"}}
        run = run_generator(generator(base, count, output), base_path=base, collect=False)
        seconds = time.perf_counter() - started
        assert run.result.ok and run.counters.outputs[0].written == count
        report("opensearch (osmem) pipeline, json formatter", count, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clickhouse", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--opensearch", type=int, default=200_000, metavar="N")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="eventum-sinks-"))
    try:
        if args.clickhouse:
            clickhouse(args.clickhouse, args.batch, args.concurrency, base)
        if args.opensearch:
            opensearch(args.opensearch, args.batch, args.concurrency, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
