from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pydantic import ValidationError

from eventum_core import InputPlugin, PluginContext
from eventum_core.testing import InputPluginContract, validation_context
from eventum_input_timer import TimerConfig, TimerInput

NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def config(data: dict[str, Any], *, tz: Any = UTC, now: datetime = NOW) -> TimerConfig:
    return TimerConfig.model_validate(
        data, context=validation_context(Path(), timezone=tz, now=now)
    )


def make(data: dict[str, Any], *, tz: Any = UTC, now: datetime = NOW, **ctx: Any) -> TimerInput:
    context = PluginContext(
        generator_id="t",
        kind="input",
        name="timer",
        index=0,
        base_path=Path(),
        timezone=tz,
        started_at=now,
        **ctx,
    )
    return TimerInput(config(data, tz=tz, now=now), context)


def flat(plugin: TimerInput, size: int = 1000) -> list[datetime]:
    out: list[datetime] = []
    for chunk in plugin.generate(size):
        assert chunk.dtype == np.dtype("datetime64[us]")
        assert len(chunk) <= size
        out.extend(chunk.tolist())
    return out


def utc(*args: int) -> datetime:
    return datetime(*args)  # naive UTC, as numpy's tolist() gives


# --- config ---------------------------------------------------------------------------------


def test_defaults() -> None:
    c = config({"seconds": 1, "count": 1})
    assert c.start is None
    assert c.repeat is None
    assert c.tags == ()


def test_tags() -> None:
    assert config({"seconds": 1, "count": 1, "tags": ["x"]}).tags == ("x",)


@pytest.mark.parametrize("seconds", [0.1, 0.5, 3600])
def test_seconds_accepted(seconds: float) -> None:
    assert config({"seconds": seconds, "count": 1}).seconds == seconds


@pytest.mark.parametrize("seconds", [0.09, 0, -1, "inf", "nan"])
def test_seconds_rejected(seconds: Any) -> None:
    with pytest.raises(ValidationError, match="seconds"):
        config({"seconds": seconds, "count": 1})


def test_seconds_too_large_for_a_period() -> None:
    with pytest.raises(ValidationError, match="seconds is too large"):
        config({"seconds": 1e20, "count": 1})


@pytest.mark.parametrize(("field", "value"), [("count", 0), ("count", -1), ("repeat", 0)])
def test_integers_must_be_at_least_one(field: str, value: int) -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        config({"seconds": 1, "count": 1, field: value})


@pytest.mark.parametrize("missing", ["seconds", "count"])
def test_required_fields(missing: str) -> None:
    data = {"seconds": 1, "count": 1}
    del data[missing]
    with pytest.raises(ValidationError, match=missing):
        config(data)


def test_start_never_is_rejected_at_load() -> None:
    with pytest.raises(ValidationError, match="start cannot be 'never'"):
        config({"seconds": 1, "count": 1, "start": "never"})


def test_unreadable_start_is_rejected_at_load() -> None:
    with pytest.raises(ValidationError, match="cannot read"):
        config({"seconds": 1, "count": 1, "start": "not a date at all xyz"})


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        config({"seconds": 1, "count": 1, "end": "never"})


# --- schedule -------------------------------------------------------------------------------


def test_eventum_example_one_day_of_seconds() -> None:
    ts = flat(make({"seconds": 1.0, "count": 3, "repeat": 86400, "start": NOW}), size=10000)
    assert len(ts) == 86400 * 3
    assert ts[:4] == [utc(2024, 1, 1, 0, 0, 1)] * 3 + [utc(2024, 1, 1, 0, 0, 2)]
    assert ts[-1] == utc(2024, 1, 2)


def test_start_defaults_to_generation_start() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert flat(make({"seconds": 60, "count": 1, "repeat": 2}, now=now)) == [
        utc(2024, 5, 1, 12, 1),
        utc(2024, 5, 1, 12, 2),
    ]


def test_relative_start() -> None:
    ts = flat(make({"seconds": 1, "count": 1, "repeat": 1, "start": "+1h"}))
    assert ts == [utc(2024, 1, 1, 1, 0, 1)]


def test_naive_start_in_dst_zone_is_evenly_spaced_in_utc() -> None:
    # 01:30 EST on the spring-forward day; wall time jumps 02:00 -> 03:00.
    plugin = make(
        {"seconds": 1800, "count": 1, "repeat": 3, "start": "2024-03-10T01:30:00"},
        tz=NY,
        now=datetime(2024, 3, 10, tzinfo=NY),
    )
    ts = flat(plugin)
    assert ts == [utc(2024, 3, 10, 7, 0), utc(2024, 3, 10, 7, 30), utc(2024, 3, 10, 8, 0)]
    local = [t.replace(tzinfo=UTC).astimezone(NY).strftime("%H:%M") for t in ts]
    assert local == ["03:00", "03:30", "04:00"]


def test_fractional_period_does_not_drift() -> None:
    ts = flat(make({"seconds": 0.1, "count": 1, "repeat": 1_000_000, "start": NOW}), 10**6)
    assert ts[0] == utc(2024, 1, 1, 0, 0, 0) + timedelta(milliseconds=100)
    assert ts[-1] == utc(2024, 1, 2, 3, 46, 40)  # exactly 100,000 s later


def test_chunks_split_periods_anywhere() -> None:
    plugin = make({"seconds": 1, "count": 3, "repeat": 3, "start": NOW})
    chunks = list(plugin.generate(4))
    assert [len(c) for c in chunks] == [4, 4, 1]
    ts = [t for c in chunks for t in c.tolist()]
    assert ts == [utc(2024, 1, 1, 0, 0, s) for s in (1, 1, 1, 2, 2, 2, 3, 3, 3)]


def test_endless_timer_is_lazy() -> None:
    plugin = make({"seconds": 0.5, "count": 2, "start": NOW})
    chunks = list(islice(plugin.generate(3), 4))
    assert [len(c) for c in chunks] == [3, 3, 3, 3]
    ts = [t for c in chunks for t in c.tolist()]
    expected = [utc(2024, 1, 1) + timedelta(seconds=0.5 * k) for k in range(1, 7) for _ in "ab"]
    assert ts == expected


def test_endless_timer_is_lazy_even_with_a_huge_count() -> None:
    plugin = make({"seconds": 1, "count": 10**12, "start": NOW})
    (chunk,) = islice(plugin.generate(5), 1)
    assert chunk.tolist() == [utc(2024, 1, 1, 0, 0, 1)] * 5


def test_endless_timer_stops_at_the_end_of_representable_time() -> None:
    start = datetime(9999, 12, 31, 23, 59, 58, tzinfo=UTC)
    assert (
        flat(make({"seconds": 1, "count": 2, "start": start}))
        == [utc(9999, 12, 31, 23, 59, 59)] * 2
    )


# --- live mode ------------------------------------------------------------------------------


def test_skip_past_jumps_to_first_future_period() -> None:
    start = NOW - timedelta(days=365 * 50, seconds=0.5)  # far past: no stepping through it
    plugin = make({"seconds": 1, "count": 2, "start": start}, live_mode=True, skip_past=True)
    (chunk,) = islice(plugin.generate(4), 1)
    assert (
        chunk.tolist()
        == [utc(2024, 1, 1, 0, 0, 0, 500000)] * 2 + [utc(2024, 1, 1, 0, 0, 1, 500000)] * 2
    )


def test_skip_past_keeps_a_period_exactly_at_start() -> None:
    plugin = make(
        {"seconds": 10, "count": 1, "repeat": 5, "start": NOW - timedelta(seconds=30)},
        live_mode=True,
        skip_past=True,
    )
    assert flat(plugin) == [utc(2024, 1, 1, 0, 0, s) for s in (0, 10, 20)]


def test_skip_past_counts_skipped_periods_towards_repeat() -> None:
    plugin = make(
        {"seconds": 1, "count": 1, "repeat": 5, "start": NOW - timedelta(hours=1)},
        live_mode=True,
        skip_past=True,
    )
    assert flat(plugin) == []


def test_future_start_is_unaffected_by_skip_past() -> None:
    plugin = make(
        {"seconds": 1, "count": 1, "repeat": 2, "start": "+1m"}, live_mode=True, skip_past=True
    )
    assert flat(plugin) == [utc(2024, 1, 1, 0, 1, 1), utc(2024, 1, 1, 0, 1, 2)]


@pytest.mark.parametrize(("live_mode", "skip_past"), [(True, False), (False, True)])
def test_past_is_kept_without_live_skip_past(live_mode: bool, skip_past: bool) -> None:
    plugin = make(
        {"seconds": 1, "count": 1, "repeat": 2, "start": NOW - timedelta(hours=1)},
        live_mode=live_mode,
        skip_past=skip_past,
    )
    assert flat(plugin) == [utc(2023, 12, 31, 23, 0, 1), utc(2023, 12, 31, 23, 0, 2)]


# --- lifecycle ------------------------------------------------------------------------------


def test_stop_ends_an_endless_timer() -> None:
    plugin = make({"seconds": 1, "count": 1})
    gen = plugin.generate(10)
    next(gen)
    plugin.stop()
    assert list(gen) == []


def test_meets_protocol_and_is_registered() -> None:
    (ep,) = entry_points(group="eventum.inputs", name="timer")
    assert ep.load() is TimerInput
    assert TimerInput.interactive is False
    assert isinstance(make({"seconds": 1, "count": 1}), InputPlugin)


class TestTimerContract(InputPluginContract):
    plugin_class = TimerInput
    entry_point = "timer"
    valid_config: ClassVar[dict[str, Any]] = {"seconds": 0.5, "count": 3}  # endless
