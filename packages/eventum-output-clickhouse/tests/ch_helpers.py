"""Shared by this package's tests: the chDB engine, tables, and plugins built from dicts."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import clickhouse_connect
from ch_shim import engine_dir

from eventum_core import PluginContext
from eventum_core.testing import validation_context
from eventum_output_clickhouse import ClickHouseOutput, ClickHouseOutputConfig

# chDB hosts one on-disk engine per process: every test shares it, each with its own tables.
ENGINE_DIR = Path(engine_dir())
NOW = datetime(2025, 1, 2, tzinfo=UTC)
DSN = f"chdb://{ENGINE_DIR}"
EVENTS_TABLE = "(id UInt64, ts DateTime64(6, 'UTC'), level String, msg String)"


@functools.cache
def engine() -> Any:
    """A client of the in-process engine, for creating tables and reading them back."""
    return clickhouse_connect.get_client(dsn=DSN)


def new_table(
    columns: str = EVENTS_TABLE, engine_clause: str = "MergeTree ORDER BY id", settings: str = ""
) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    clause = f" SETTINGS {settings}" if settings else ""
    engine().command(f"CREATE TABLE {name} {columns} ENGINE = {engine_clause}{clause}")
    return name


def rows(table: str, columns: str = "id, level, msg", order: str = "id") -> list[tuple[Any, ...]]:
    return engine().query(f"SELECT {columns} FROM {table} ORDER BY {order}").result_rows


def validate(base_path: Path, data: dict[str, Any]) -> ClickHouseOutputConfig:
    return ClickHouseOutputConfig.model_validate(
        data, context=validation_context(base_path, now=NOW)
    )


def make(base_path: Path, **data: Any) -> ClickHouseOutput:
    if "host" not in data:
        data.setdefault("dsn", DSN)
    context = PluginContext(
        generator_id="t",
        kind="output",
        name="clickhouse",
        index=0,
        base_path=base_path,
        timezone=UTC,
        started_at=NOW,
    )
    return ClickHouseOutput(validate(base_path, data), context)


def event(i: int, level: str = "INFO") -> str:
    return (
        f'{{"id": {i}, "ts": "2025-01-02 00:00:{i % 60:02d}", "level": "{level}", "msg": "m{i}"}}'
    )
