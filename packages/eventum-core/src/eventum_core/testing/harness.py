"""Run a generator in-process and collect its events: for plugin and end-to-end tests."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import anyio
import yaml

from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import GeneratorPlan, OutputSpec, PluginSpec, load_plan
from eventum_core.config.plugin_config import OutputConfig, ValidationContext
from eventum_core.context import PluginContext, PluginKind
from eventum_core.discovery import Registry
from eventum_core.formatters import NoOptions, PlainFormatter
from eventum_core.pipeline.counters import Counters
from eventum_core.pipeline.runner import GeneratorRun, RunResult
from eventum_core.protocols import OutputPlugin
from eventum_core.threads import wait_for_threads

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def validation_context(
    base_path: Path | None = None, *, timezone: Any = UTC, now: datetime = NOW
) -> ValidationContext:
    """The context a plugin's `Config.model_validate(..., context=...)` gets from core; by
    default the current folder, UTC, and 2024-01-01 as "now"."""
    return ValidationContext(base_path=base_path or Path(), timezone=timezone, now=now)


def make_context(
    kind: PluginKind,
    name: str,
    base_path: Path,
    *,
    timezone: Any = UTC,
    started_at: datetime | None = None,
    **fields: Any,
) -> PluginContext:
    """A plugin context for calling a plugin directly in a test."""
    return PluginContext(
        generator_id="test",
        kind=kind,
        name=name,
        index=fields.pop("index", 0),
        base_path=base_path,
        timezone=timezone,
        started_at=started_at or datetime.now(timezone),
        **fields,
    )


class CollectOutput(OutputPlugin):
    """An output that keeps what it is given, in order, in memory."""

    Config: ClassVar[type[OutputConfig]] = OutputConfig

    def __init__(self, config: OutputConfig, context: PluginContext) -> None:
        self.items: list[str] = []
        self.opened = self.closed = False

    async def open(self) -> None:
        self.opened = True

    async def write(self, items: Sequence[str]) -> None:
        self.items.extend(items)

    async def close(self) -> None:
        self.closed = True


@dataclasses.dataclass
class CollectedRun:
    events: list[str]
    counters: Counters
    result: RunResult


def run_generator(
    config: Path | str | Mapping[str, Any],
    *,
    base_path: Path | None = None,
    params: Mapping[str, Any] | None = None,
    seed: int = 0,
    registry: Registry | None = None,
    collect: bool = True,
    now: datetime | None = None,
    **parameters: Any,
) -> CollectedRun:
    """Run a generator (a generator.yml path, or its content as a dict written to `base_path`)
    in sample mode unless `live_mode=True` is passed; with `collect`, every event produced is
    also kept in `.events`, after its formatter-free form."""
    if isinstance(config, Mapping):
        if base_path is None:
            raise ValueError("a config given as a dict needs base_path (a folder to write it to)")
        path = base_path / "generator.yml"
        path.write_text(yaml.safe_dump(dict(config), sort_keys=False))
    else:
        path = Path(config)
    options = {
        "id": "test",
        "path": path,
        "live_mode": False,
        "params": dict(params or {}),
        "seed": seed,
        "now": now,
        **parameters,
    }
    plan = load_plan(
        GeneratorParameters.model_validate(options), registry=registry or Registry(), now=now
    )
    holder: list[CollectOutput] = []
    if collect:
        plan = _with_collector(plan, holder)
    run = GeneratorRun(plan, seed)
    before = set(threading.enumerate())
    result = anyio.run(run.run)
    # The next run forks its event workers only if this one's threads are gone.
    wait_for_threads(set(threading.enumerate()) - before, timeout=1)
    events = holder[0].items if holder else []
    return CollectedRun(events, result.counters, result)


def _with_collector(plan: GeneratorPlan, holder: list[CollectOutput]) -> GeneratorPlan:
    class _Collector(CollectOutput):
        def __init__(self, config: OutputConfig, context: PluginContext) -> None:
            super().__init__(config, context)
            holder.append(self)

    index = len(plan.outputs)
    spec = OutputSpec(
        PluginSpec("output", "collect", index, _Collector, OutputConfig()),
        PluginSpec("formatter", "plain", index, PlainFormatter, NoOptions()),
    )
    return dataclasses.replace(plan, outputs=(*plan.outputs, spec))
