"""Contract test suites every plugin package subclasses, as dbt adapters do.

    class TestTimerContract(InputPluginContract):
        plugin_class = TimerInput
        entry_point = "timer"
        valid_config = {"seconds": 1, "count": 2, "start": "2024-01-01T00:00:00Z", "repeat": 3}

A subclass gets the checks below for free; a third-party plugin gets the same ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from importlib.metadata import entry_points
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar

import anyio
import numpy as np
import pytest
from pydantic import BaseModel, ValidationError

from eventum_core.batch import TIMESTAMP_DTYPE, Formatted, Produced, TimestampBatch
from eventum_core.context import PluginKind
from eventum_core.discovery import GROUPS
from eventum_core.protocols import protocol_problem
from eventum_core.testing.harness import NOW, make_context, validation_context


class _PluginContract:
    kind: ClassVar[PluginKind]
    plugin_class: ClassVar[type[Any]]
    entry_point: ClassVar[str]
    valid_config: ClassVar[dict[str, Any]] = {}

    def make_config(self, base_path: Path, **overrides: Any) -> BaseModel:
        data = {**self.valid_config, **overrides}
        config: BaseModel = self.plugin_class.Config.model_validate(
            data, context=validation_context(base_path)
        )
        return config

    def make_plugin(self, base_path: Path, **context_fields: Any) -> Any:
        config = self.make_config(base_path)
        context = make_context(
            self.kind, self.entry_point, base_path, started_at=NOW, **context_fields
        )
        return self.plugin_class(config, context)

    def test_meets_protocol(self) -> None:
        assert protocol_problem(self.kind, self.plugin_class) is None

    def test_registered_under_its_entry_point(self) -> None:
        targets = {ep.name: ep.value for ep in entry_points(group=GROUPS[self.kind])}
        cls = self.plugin_class
        assert targets.get(self.entry_point) == f"{cls.__module__}:{cls.__qualname__}"

    def test_config_rejects_unknown_fields(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="extra"):
            self.make_config(tmp_path, no_such_field_xyz=1)

    def test_config_is_frozen(self, tmp_path: Path) -> None:
        config = self.make_config(tmp_path)
        field = next(iter(type(config).model_fields), None)
        if field is not None:
            with pytest.raises(ValidationError):
                setattr(config, field, getattr(config, field))


class InputPluginContract(_PluginContract):
    kind = "input"

    def test_generates_ascending_utc_batches_within_size(self, tmp_path: Path) -> None:
        for size in (1, 7, 1000):
            plugin = self.make_plugin(tmp_path)
            chunks = list(islice(plugin.generate(size), 50))
            previous = None
            for chunk in chunks:
                assert chunk.dtype == np.dtype(TIMESTAMP_DTYPE)
                assert 0 < len(chunk) <= size
                assert (np.diff(chunk.astype(np.int64)) >= 0).all()
                if previous is not None:
                    assert chunk[0] >= previous
                previous = chunk[-1]
            plugin.stop()

    def test_accepts_tags(self, tmp_path: Path) -> None:
        assert self.make_config(tmp_path, tags=["a", "b"]).tags == ("a", "b")  # type: ignore[attr-defined]

    def test_stop_is_safe_to_call_twice(self, tmp_path: Path) -> None:
        plugin = self.make_plugin(tmp_path)
        plugin.stop()
        plugin.stop()


class EventPluginContract(_PluginContract):
    kind = "event"

    def batch(self, count: int) -> TimestampBatch:
        start = np.datetime64(NOW.replace(tzinfo=None), "us")
        ts = (start + np.arange(count).astype("m8[s]")).astype(TIMESTAMP_DTYPE)
        return TimestampBatch(ts, np.zeros(count, dtype=np.uint16), [("tag",)], UTC)

    def test_produces_strings_for_a_batch(self, tmp_path: Path) -> None:
        plugin = self.make_plugin(tmp_path)
        produced = plugin.produce(self.batch(5))
        assert isinstance(produced, Produced)
        assert all(isinstance(e, str) for e in produced.events)
        assert len(produced.events) + produced.failed + produced.dropped >= 1 or produced.exhausted
        plugin.close()

    def test_empty_batch(self, tmp_path: Path) -> None:
        plugin = self.make_plugin(tmp_path)
        assert plugin.produce(self.batch(0)).events == []
        plugin.close()


class OutputPluginContract(_PluginContract):
    """Subclasses implement `read_back(tmp_path)`: what the sink received, as strings."""

    kind = "output"

    def read_back(self, base_path: Path) -> Sequence[str]:
        raise NotImplementedError

    def test_writes_what_it_is_given(self, tmp_path: Path) -> None:
        plugin = self.make_plugin(tmp_path)
        items = [f"event {i}" for i in range(10)]

        async def scenario() -> None:
            await plugin.open()
            await plugin.write(items[:4])
            await plugin.write([])
            await plugin.write(items[4:])
            await plugin.close()

        anyio.run(scenario)
        assert list(self.read_back(tmp_path)) == items


class FormatterContract(_PluginContract):
    kind = "formatter"
    sample_events: ClassVar[list[str]] = ['{"a": 1}', '{"b": [1, 2]}']

    def test_formats_a_batch(self, tmp_path: Path) -> None:
        formatter = self.make_plugin(tmp_path)
        formatted = formatter.format(self.sample_events)
        assert isinstance(formatted, Formatted)
        assert formatted.events == len(self.sample_events)
        assert all(isinstance(i, str) for i in formatted.items)

    def test_empty_batch(self, tmp_path: Path) -> None:
        formatted = self.make_plugin(tmp_path).format([])
        assert formatted.failed == 0
