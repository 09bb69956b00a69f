from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pydantic import ValidationError

from eventum_core import InputPlugin, PluginContext
from eventum_core.testing import InputPluginContract, validation_context
from eventum_input_static import StaticConfig, StaticInput

NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 3, 10, 3, 30, tzinfo=NY)  # just after the spring-forward gap


def make(data: dict[str, Any], tmp_path: Path, *, now: datetime = NOW, **ctx: Any) -> StaticInput:
    tz = now.tzinfo or UTC
    config = StaticConfig.model_validate(
        data, context=validation_context(tmp_path, timezone=tz, now=now)
    )
    context = PluginContext(
        generator_id="t",
        kind="input",
        name="static",
        index=0,
        base_path=tmp_path,
        timezone=tz,
        started_at=now,
        **ctx,
    )
    return StaticInput(config, context)


def collect(plugin: StaticInput, size: int) -> list[np.ndarray]:
    return list(plugin.generate(size))


def test_emits_count_copies_of_start_time_in_utc(tmp_path: Path) -> None:
    chunks = collect(make({"count": 3}, tmp_path), 100)
    assert len(chunks) == 1
    (chunk,) = chunks
    assert chunk.dtype == np.dtype("datetime64[us]")
    expected = np.datetime64("2024-03-10T07:30:00", "us")  # 03:30 EDT is 07:30 UTC
    assert chunk.tolist() == [expected.item()] * 3


def test_chunks_are_at_most_size(tmp_path: Path) -> None:
    chunks = collect(make({"count": 10}, tmp_path), 4)
    assert [len(c) for c in chunks] == [4, 4, 2]


def test_exact_multiple_of_size_has_no_empty_chunk(tmp_path: Path) -> None:
    chunks = collect(make({"count": 8}, tmp_path), 4)
    assert [len(c) for c in chunks] == [4, 4]


def test_count_one(tmp_path: Path) -> None:
    assert [len(c) for c in collect(make({"count": 1}, tmp_path), 1)] == [1]


@pytest.mark.parametrize("count", [0, -1])
def test_count_must_be_positive(tmp_path: Path, count: int) -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        make({"count": count}, tmp_path)


def test_count_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="count"):
        make({}, tmp_path)


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        make({"count": 1, "start": "now"}, tmp_path)


def test_tags_default_and_given(tmp_path: Path) -> None:
    assert StaticConfig(count=1).tags == ()
    assert StaticConfig.model_validate({"count": 1, "tags": ["a", "b"]}).tags == ("a", "b")


def test_skip_past_in_live_mode_keeps_everything(tmp_path: Path) -> None:
    plugin = make({"count": 5}, tmp_path, live_mode=True, skip_past=True)
    assert sum(len(c) for c in plugin.generate(2)) == 5


def test_naive_start_time_is_read_in_generator_timezone(tmp_path: Path) -> None:
    config = StaticConfig(count=1)
    context = PluginContext(
        generator_id="t",
        kind="input",
        name="static",
        index=0,
        base_path=tmp_path,
        timezone=ZoneInfo("Asia/Tokyo"),
        started_at=datetime(2024, 1, 1, 9, 0),
    )
    (chunk,) = StaticInput(config, context).generate(10)
    assert chunk[0] == np.datetime64("2024-01-01T00:00:00", "us")


def test_stop_ends_generation(tmp_path: Path) -> None:
    plugin = make({"count": 100}, tmp_path)
    gen = plugin.generate(10)
    next(gen)
    plugin.stop()
    assert list(gen) == []


def test_meets_protocol_and_is_registered() -> None:
    assert StaticInput.interactive is False
    (ep,) = entry_points(group="eventum.inputs", name="static")
    assert ep.load() is StaticInput
    plugin = StaticInput(
        StaticConfig(count=1),
        PluginContext(
            generator_id="t",
            kind="input",
            name="static",
            index=0,
            base_path=Path(),
            timezone=UTC,
            started_at=datetime.now(UTC),
        ),
    )
    assert isinstance(plugin, InputPlugin)


class TestStaticContract(InputPluginContract):
    plugin_class = StaticInput
    entry_point = "static"
    valid_config: ClassVar[dict[str, Any]] = {"count": 20}
