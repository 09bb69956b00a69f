"""Helpers: write templates into a generator folder, build the plugin, make batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eventum_core import PluginContext, TimestampBatch
from eventum_core.testing import validation_context
from eventum_event_template import TemplateEvent

START = datetime(2024, 1, 1, tzinfo=UTC)


class RecordingLogger:
    """Keeps what the plugin logs, to check messages and fields."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str, dict[str, Any]]] = []

    def _log(self, level: str) -> Callable[..., None]:
        def log(event: str, **fields: Any) -> None:
            self.records.append((level, event, fields))

        return log

    def __getattr__(self, level: str) -> Callable[..., None]:
        return self._log(level)

    def bind(self, **_: Any) -> RecordingLogger:
        return self


def context(base: Path, *, seed: int = 0, tz: tzinfo = UTC, logger: Any = None) -> PluginContext:
    return PluginContext(
        generator_id="t",
        kind="event",
        name="template",
        index=0,
        base_path=base,
        timezone=tz,
        started_at=START,
        seed=seed,
        logger=logger,
    )


def make_batch(
    n: int,
    *,
    start: datetime = START,
    step_us: int = 1_000_000,
    tz: tzinfo = UTC,
    tags: Sequence[tuple[str, ...]] = ((),),
    sources: Sequence[int] | None = None,
) -> TimestampBatch:
    first = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "us")
    stamps = first + (np.arange(n, dtype=np.int64) * step_us).astype("timedelta64[us]")
    src = np.zeros(n, np.uint16) if sources is None else np.asarray(sources, np.uint16)
    return TimestampBatch(stamps, src, list(tags), tz)


@pytest.fixture
def make_plugin(tmp_path: Path) -> Callable[..., TemplateEvent]:
    """`make_plugin(config, {file: source}, seed=, tz=, logger=)` → a ready plugin.

    `config` may omit `templates`: then one template `t` from the first file is used.
    """

    def build(
        config: dict[str, Any],
        files: dict[str, str] | None = None,
        *,
        seed: int = 0,
        tz: tzinfo = UTC,
        logger: Any = None,
    ) -> TemplateEvent:
        for name, source in (files or {}).items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source)
        data = dict(config)
        data.setdefault("mode", "all")
        if "templates" not in data:
            data["templates"] = [{"t": {"template": next(iter(files or {}))}}]
        cfg = TemplateEvent.Config.model_validate(
            data, context=validation_context(tmp_path, timezone=tz, now=START)
        )
        return TemplateEvent(cfg, context(tmp_path, seed=seed, tz=tz, logger=logger))

    return build


def render(plugin: TemplateEvent, n: int = 1, **batch: Any) -> list[str]:
    produced = plugin.produce(make_batch(n, **batch))
    assert produced.failed == 0, produced
    return produced.events
