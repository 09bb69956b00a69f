from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from croniter import croniter_range
from pydantic import ValidationError

from eventum_core import InputPlugin, PluginContext
from eventum_core.testing import InputPluginContract, validation_context
from eventum_input_cron import CronConfig, CronInput

NOW = datetime(2024, 1, 1, 12, 0, 0, 250_000, tzinfo=UTC)
US = np.timedelta64(1, "us")


def make(
    data: dict[str, Any], tmp_path: Path, *, now: datetime = NOW, tz: Any = None, **ctx: Any
) -> CronInput:
    tz = tz or now.tzinfo or UTC
    config = CronConfig.model_validate(
        data, context=validation_context(tmp_path, timezone=tz, now=now)
    )
    context = PluginContext(
        generator_id="t",
        kind="input",
        name="cron",
        index=0,
        base_path=tmp_path,
        timezone=tz,
        started_at=now,
        **ctx,
    )
    return CronInput(config, context)


def collect(plugin: CronInput, size: int = 1000) -> np.ndarray:
    chunks = list(plugin.generate(size))
    for chunk in chunks:
        assert chunk.dtype == np.dtype("datetime64[us]")
        assert 0 < len(chunk) <= size
    if not chunks:
        return np.array([], dtype="datetime64[us]")
    return np.concatenate(chunks)


def utc(text: str) -> np.datetime64:
    return np.datetime64(text, "us")


def reference(expression: str, start: datetime, end: datetime) -> list[np.datetime64]:
    """croniter's ticks between two instants.

    croniter reads its bounds as wall times, ill-defined in a DST gap or overlap, so it is asked
    for a day more on each side and its ticks are cut at the instants.
    """
    low, high = start.astimezone(UTC), end.astimezone(UTC)
    wide = croniter_range(
        (low - timedelta(days=1)).astimezone(start.tzinfo),
        (high + timedelta(days=1)).astimezone(start.tzinfo),
        expression,
    )
    return [
        np.datetime64(t.astimezone(UTC).replace(tzinfo=None), "us")
        for t in wide
        if low <= t.astimezone(UTC) <= high
    ]


def test_is_an_input_plugin(tmp_path: Path) -> None:
    plugin = make({"expression": "* * * * *", "count": 1, "end": "+1m"}, tmp_path)
    assert isinstance(plugin, InputPlugin)
    assert CronInput.interactive is False


def test_every_minute_count_two_over_a_day(tmp_path: Path) -> None:
    data = {
        "expression": "* * * * *",
        "count": 2,
        "start": "2024-01-01T00:00:00",
        "end": "2024-01-01T23:59:59",
    }
    ts = collect(make(data, tmp_path))
    assert len(ts) == 2880
    assert ts[0] == ts[1] == utc("2024-01-01T00:00:00")
    assert ts[-1] == utc("2024-01-01T23:59:00")
    assert np.all(np.diff(ts) >= np.timedelta64(0, "us"))
    assert len(np.unique(ts)) == 1440


def test_sixth_field_is_seconds(tmp_path: Path) -> None:
    data = {
        "expression": "* * * * * */15",
        "count": 1,
        "start": "2024-01-01T00:00:00",
        "end": "2024-01-01T00:01:00",
    }
    ts = collect(make(data, tmp_path))
    assert ts.tolist() == [
        utc(f"2024-01-01T00:{m}").item() for m in ("00:00", "00:15", "00:30", "00:45", "01:00")
    ]


def test_w5_shape_every_second_count_ten(tmp_path: Path) -> None:
    data = {
        "expression": "* * * * * *",
        "count": 10,
        "start": "2024-01-01T00:00:00+00:00",
        "end": "2024-01-01T05:33:19+00:00",
    }
    ts = collect(make(data, tmp_path), 10_000)
    assert len(ts) == 200_000
    assert ts[0] == utc("2024-01-01T00:00:00")
    assert ts[-1] == utc("2024-01-01T05:33:19")
    assert np.all(np.diff(ts[::10]) == np.timedelta64(1, "s"))


def test_seventh_field_is_the_year(tmp_path: Path) -> None:
    data = {"expression": "0 0 1 * * 0 2025", "count": 1, "start": "2024-06-01T00:00:00"}
    ts = collect(make(data, tmp_path))  # endless, but the year field ends the schedule
    assert len(ts) == 12
    assert ts[0] == utc("2025-01-01T00:00:00")
    assert ts[-1] == utc("2025-12-01T00:00:00")


def test_chunks_are_exactly_size_but_the_last(tmp_path: Path) -> None:
    data = {"expression": "* * * * *", "count": 3, "start": "2024-01-01", "end": "+99m"}
    sizes = [len(c) for c in make(data, tmp_path).generate(7)]
    assert sum(sizes) == 300
    assert set(sizes[:-1]) == {7}
    assert sizes[-1] == 300 % 7


def test_count_larger_than_size_splits_a_tick(tmp_path: Path) -> None:
    data = {"expression": "0 * * * *", "count": 5, "start": "2024-01-01", "end": "+1h"}
    chunks = list(make(data, tmp_path).generate(2))
    assert [len(c) for c in chunks] == [2, 2, 2, 2, 2]
    ts = np.concatenate(chunks)
    assert (
        ts.tolist() == [utc("2024-01-01T00:00").item()] * 5 + [utc("2024-01-01T01:00").item()] * 5
    )


def test_start_and_end_are_inclusive_to_the_microsecond(tmp_path: Path) -> None:
    data = {
        "expression": "* * * * *",
        "count": 1,
        "start": "2024-01-01T00:00:00.000001",
        "end": "2024-01-01T00:03:00",
    }
    ts = collect(make(data, tmp_path))
    assert ts.tolist() == [utc(f"2024-01-01T00:0{m}:00").item() for m in (1, 2, 3)]


def test_start_defaults_to_now_and_end_to_never(tmp_path: Path) -> None:
    plugin = make({"expression": "0 0 * * *", "count": 1}, tmp_path)
    began = time.perf_counter()
    first = list(itertools.islice(plugin.generate(5), 3))
    assert time.perf_counter() - began < 2  # lazy: an endless schedule is not computed up front
    ts = np.concatenate(first)
    assert len(ts) == 15
    assert ts[0] == utc("2024-01-02T00:00:00")  # now is 2024-01-01T12:00
    assert ts[-1] == utc("2024-01-16T00:00:00")


def test_endless_dense_schedule_is_lazy(tmp_path: Path) -> None:
    plugin = make({"expression": "* * * * * *", "count": 1, "start": "now"}, tmp_path)
    (chunk,) = itertools.islice(plugin.generate(100), 1)
    assert chunk[0] == utc("2024-01-01T12:00:01")
    assert len(chunk) == 100


def test_relative_end_counts_from_start(tmp_path: Path) -> None:
    data = {"expression": "*/10 * * * *", "count": 1, "start": "-1h", "end": "+30m"}
    ts = collect(make(data, tmp_path))
    assert ts.tolist() == [utc(f"2024-01-01T11:{m}:00").item() for m in (10, 20, 30)]


def test_bare_time_and_natural_language(tmp_path: Path) -> None:
    data = {"expression": "0 * * * *", "count": 1, "start": "10:00", "end": "January 1, 2024 1pm"}
    ts = collect(make(data, tmp_path))
    assert ts.tolist() == [utc(f"2024-01-01T{h}:00").item() for h in (10, 11, 12, 13)]


def test_evaluated_in_the_generator_timezone(tmp_path: Path) -> None:
    ny = ZoneInfo("America/New_York")
    data = {"expression": "0 9 * * *", "count": 1, "start": "2024-03-09", "end": "2024-03-11"}
    ts = collect(make(data, tmp_path, now=datetime(2024, 3, 1, tzinfo=ny)))
    # 09:00 EST, then 09:00 EDT after the spring-forward night
    assert ts.tolist() == [utc("2024-03-09T14:00").item(), utc("2024-03-10T13:00").item()]


def test_fixed_offset_timezone(tmp_path: Path) -> None:
    tz = timezone(timedelta(hours=5, minutes=30))
    data = {"expression": "0 0 * * *", "count": 1, "start": "2024-01-01", "end": "2024-01-02"}
    ts = collect(make(data, tmp_path, now=datetime(2024, 1, 1, tzinfo=tz)))
    assert ts.tolist() == [utc("2023-12-31T18:30").item(), utc("2024-01-01T18:30").item()]


EXPRESSIONS = [
    "* * * * *",
    "*/7 * * * *",
    "30 2 * * *",
    "0 * * * *",
    "*/20 1-3 * * *",
    "59 1 * * *",
    "15,45 0-4 * * 0",
    "0 0 L * *",
    "0 12 * * 5#2",
    "0 0 13 * 5",
    "* 2 * * * */15",
    "@daily",
    "30 0 * * *",
    "0 23 * * 1-5",
]
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
]
# Moments inside DST gaps and overlaps of Europe and the US.
EDGE_SPANS = [
    (datetime(2024, 3, 31, 2, 30), datetime(2024, 3, 31, 3, 30)),
    (datetime(2024, 10, 27, 2, 15), datetime(2024, 10, 28, 2, 15)),
    (datetime(2024, 11, 3, 1, 30, 0, 5), datetime(2024, 11, 3, 2, 0)),
]


def dst_spans(tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Two-and-a-half days around each 2024 UTC-offset change of `tz`."""
    spans = []
    day = datetime(2024, 1, 1, 12, tzinfo=tz)
    while day.year == 2024:
        following = day + timedelta(days=1)
        if day.utcoffset() != following.utcoffset():
            spans.append((day - timedelta(days=1, hours=7), following + timedelta(hours=9)))
        day = following
    return spans


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_same_ticks_as_croniter_range_over_dst(tmp_path: Path, zone: str, expression: str) -> None:
    tz = ZoneInfo(zone)
    for s, e in dst_spans(tz):
        data = {"expression": expression, "count": 1, "start": s, "end": e}
        got = collect(make(data, tmp_path, now=s))
        expected = [
            t.astimezone(UTC).replace(tzinfo=None) for t in croniter_range(s, e, expression)
        ]
        assert got.tolist() == expected


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_same_ticks_as_croniter(tmp_path: Path, zone: str, expression: str) -> None:
    tz = ZoneInfo(zone)
    spans = [(s.replace(tzinfo=None), e.replace(tzinfo=None)) for s, e in dst_spans(tz)]
    for start, end in spans + EDGE_SPANS:
        for fold in (0, 1):
            s, e = start.replace(tzinfo=tz, fold=fold), end.replace(tzinfo=tz, fold=fold)
            data = {"expression": expression, "count": 1, "start": s, "end": e}
            got = collect(make(data, tmp_path, now=s)).tolist()
            assert got == [t.item() for t in reference(expression, s, e)], (s, e)


def test_same_ticks_as_croniter_over_years(tmp_path: Path) -> None:
    tz = ZoneInfo("Europe/London")
    start, end = datetime(2023, 12, 30, tzinfo=tz), datetime(2027, 1, 3, tzinfo=tz)
    for expression in ("0 0 29 2 *", "0 1 * * 0", "0 0 1 1 * 0 2025-2026", "30 1 L * *"):
        data = {"expression": expression, "count": 1, "start": start, "end": end}
        got = collect(make(data, tmp_path, now=start)).tolist()
        assert got == [t.item() for t in reference(expression, start, end)]


def test_skip_past_in_live_mode_starts_now(tmp_path: Path) -> None:
    data = {"expression": "0 * * * *", "count": 1, "start": "2024-01-01T00:00", "end": "+14h"}
    ts = collect(make(data, tmp_path, live_mode=True, skip_past=True))
    assert ts[0] == utc("2024-01-01T13:00")
    assert len(ts) == 2


@pytest.mark.parametrize(("live_mode", "skip_past"), [(False, True), (True, False)])
def test_past_kept_unless_live_and_skip_past(
    tmp_path: Path, live_mode: bool, skip_past: bool
) -> None:
    data = {"expression": "0 * * * *", "count": 1, "start": "2024-01-01T00:00", "end": "+14h"}
    ts = collect(make(data, tmp_path, live_mode=live_mode, skip_past=skip_past))
    assert ts[0] == utc("2024-01-01T00:00")
    assert len(ts) == 15


def test_skip_past_with_everything_past_yields_nothing(tmp_path: Path) -> None:
    data = {"expression": "0 * * * *", "count": 1, "start": "2023-01-01", "end": "+2h"}
    assert collect(make(data, tmp_path, live_mode=True, skip_past=True)).size == 0


def test_skip_past_keeps_a_later_start(tmp_path: Path) -> None:
    data = {"expression": "0 0 * * *", "count": 1, "start": "2024-02-01", "end": "+1d"}
    ts = collect(make(data, tmp_path, live_mode=True, skip_past=True))
    assert ts.tolist() == [utc("2024-02-01").item(), utc("2024-02-02").item()]


def test_stop_ends_generate(tmp_path: Path) -> None:
    plugin = make({"expression": "* * * * * *", "count": 1}, tmp_path)
    chunks = plugin.generate(10)
    next(chunks)
    plugin.stop()
    assert list(chunks) == []


def test_no_tick_in_range_yields_nothing(tmp_path: Path) -> None:
    data = {"expression": "0 0 * * *", "count": 1, "start": "2024-01-01T01:00", "end": "+1h"}
    assert collect(make(data, tmp_path)).size == 0


def test_tags_default_and_given(tmp_path: Path) -> None:
    assert CronConfig(expression="* * * * *", count=1).tags == ()
    config = CronConfig.model_validate({"expression": "* * * * *", "count": 1, "tags": ["a"]})
    assert config.tags == ("a",)


def test_defaults(tmp_path: Path) -> None:
    config = CronConfig(expression="* * * * *", count=1)
    assert config.start is None
    assert config.end is None


@pytest.mark.parametrize(
    "expression", ["61 * * * *", "* * * *", "* * * * * * * *", "not cron", "* * * * * 99"]
)
def test_invalid_expression_is_a_clear_error(tmp_path: Path, expression: str) -> None:
    with pytest.raises(ValidationError, match="invalid cron expression") as info:
        make({"expression": expression, "count": 1}, tmp_path)
    assert expression in str(info.value)


@pytest.mark.parametrize("count", [0, -3])
def test_count_must_be_positive(tmp_path: Path, count: int) -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        make({"expression": "* * * * *", "count": count}, tmp_path)


@pytest.mark.parametrize("missing", ["expression", "count"])
def test_required_fields(tmp_path: Path, missing: str) -> None:
    data = {"expression": "* * * * *", "count": 1}
    del data[missing]
    with pytest.raises(ValidationError, match=missing):
        make(data, tmp_path)


def test_start_after_end_is_rejected(tmp_path: Path) -> None:
    data = {"expression": "* * * * *", "count": 1, "start": "2024-02-01", "end": "2024-01-01"}
    with pytest.raises(ValidationError, match="is after end"):
        make(data, tmp_path)


def test_unreadable_start_is_rejected(tmp_path: Path) -> None:
    data = {"expression": "* * * * *", "count": 1, "start": "blorple o'clock"}
    with pytest.raises(ValidationError, match="cannot read"):
        make(data, tmp_path)


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        make({"expression": "* * * * *", "count": 1, "seconds": 1}, tmp_path)


def test_stop_ends_generate_within_a_large_tick(tmp_path: Path) -> None:
    plugin = make({"expression": "* * * * *", "count": 1000}, tmp_path)
    chunks = plugin.generate(10)
    next(chunks)
    plugin.stop()
    assert list(chunks) == []


class TestCronContract(InputPluginContract):
    plugin_class = CronInput
    entry_point = "cron"
    valid_config = {"expression": "* * * * * */2", "count": 3, "start": "2024-01-01T00:00:00Z"}
