from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
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
from eventum_input_linspace import LinspaceConfig, LinspaceInput

NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 1, 1, tzinfo=UTC)
DAY = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"}


def config(data: dict[str, Any], *, tz: Any = UTC, now: datetime = NOW) -> LinspaceConfig:
    return LinspaceConfig.model_validate(
        data, context=validation_context(Path(), timezone=tz, now=now)
    )


def make(data: dict[str, Any], *, tz: Any = UTC, now: datetime = NOW, **ctx: Any) -> LinspaceInput:
    context = PluginContext(
        generator_id="t",
        kind="input",
        name="linspace",
        index=0,
        base_path=Path(),
        timezone=tz,
        started_at=now,
        **ctx,
    )
    return LinspaceInput(config(data, tz=tz, now=now), context)


def array(plugin: LinspaceInput, size: int = 10**6) -> np.ndarray:
    chunks = list(plugin.generate(size))
    for chunk in chunks:
        assert chunk.dtype == np.dtype("datetime64[us]")
        assert 0 < len(chunk) <= size
    return np.concatenate(chunks) if chunks else np.array([], dtype="datetime64[us]")


def flat(plugin: LinspaceInput, size: int = 1000) -> list[datetime]:
    return array(plugin, size).tolist()


def utc(*args: int) -> datetime:
    return datetime(*args)  # naive UTC, as numpy's tolist() gives


# --- config ---------------------------------------------------------------------------------


def test_defaults_and_tags() -> None:
    c = config({**DAY, "count": 2})
    assert c.endpoint is True
    assert c.tags == ()
    assert config({**DAY, "count": 2, "tags": ["a"]}).tags == ("a",)


@pytest.mark.parametrize("missing", ["start", "end", "count"])
def test_required_fields(missing: str) -> None:
    data = {**DAY, "count": 2}
    del data[missing]
    with pytest.raises(ValidationError, match=missing):
        config(data)


@pytest.mark.parametrize("field", ["start", "end"])
def test_null_start_or_end_is_rejected(field: str) -> None:
    with pytest.raises(ValidationError, match="a date and time is required"):
        config({**DAY, "count": 2, field: None})


@pytest.mark.parametrize("count", [0, -5])
def test_count_at_least_one(count: int) -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        config({**DAY, "count": count})


def test_end_never_is_rejected() -> None:
    with pytest.raises(ValidationError, match="end cannot be 'never'"):
        config({"start": "now", "end": "never", "count": 2})


def test_start_never_is_rejected() -> None:
    with pytest.raises(ValidationError, match="start cannot be 'never'"):
        config({"start": "never", "end": "now", "count": 2})


def test_start_after_end_fails_at_load() -> None:
    with pytest.raises(ValidationError, match=r"start \(2024-01-02T00:00:00\+00:00\) is after end"):
        config({"start": DAY["end"], "end": DAY["start"], "count": 2})


def test_start_after_end_is_checked_in_generator_timezone() -> None:
    data = {"start": "2024-01-01T10:00:00", "end": "2024-01-01T02:00:00Z", "count": 2}
    config(data, tz=ZoneInfo("Asia/Tokyo"))  # 10:00 JST is 01:00 UTC: before the end
    with pytest.raises(ValidationError, match="is after end"):
        config(data)  # 10:00 UTC


def test_start_equal_to_end_repeats_it() -> None:
    plugin = make({"start": DAY["start"], "end": DAY["start"], "count": 3})
    assert flat(plugin) == [utc(2024, 1, 1)] * 3


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        config({**DAY, "count": 2, "repeat": 1})


# --- values ---------------------------------------------------------------------------------


def test_without_endpoint() -> None:
    plugin = make({**DAY, "end": "2024-01-01T00:00:03Z", "count": 3, "endpoint": False})
    assert flat(plugin) == [utc(2024, 1, 1, 0, 0, s) for s in (0, 1, 2)]


def test_with_endpoint() -> None:
    plugin = make({**DAY, "end": "2024-01-01T00:00:01Z", "count": 5})
    assert flat(plugin) == [utc(2024, 1, 1) + timedelta(seconds=s / 4) for s in range(5)]


@pytest.mark.parametrize("endpoint", [True, False])
def test_count_one_is_start(endpoint: bool) -> None:
    assert flat(make({**DAY, "count": 1, "endpoint": endpoint})) == [utc(2024, 1, 1)]


@pytest.mark.parametrize("endpoint", [True, False])
def test_the_same_instants_as_eventum_to_the_microsecond(endpoint: bool) -> None:
    """Eventum: start + timedelta64(span, 'us') * numpy.linspace(0, 1, count), all at once."""
    count = 200_000
    ours = array(make({**DAY, "count": count, "endpoint": endpoint}), size=7_777)
    start, span = np.datetime64("2024-01-01T00:00:00", "us"), np.timedelta64(86_400 * 10**6, "us")
    eventum = start + span * np.linspace(0, 1, count, endpoint=endpoint)
    assert (ours == eventum).all()
    assert ours[0] == start
    if endpoint:
        assert ours[-1] == start + span


def test_a_float_product_just_below_a_microsecond_counts_as_it() -> None:
    """W3 (a day in 200,000 timestamps), timestamp 159,258: its exact offset, 68,799,799,998.999995
    µs, floored is 19:06:39.799998 (what this plugin gave), but Eventum's float product is
    68,799,799,999.0, so 19:06:39.799999."""
    exact = Fraction(159_258 * 86_400 * 10**6, 199_999)
    assert 68_799_799_998 < exact < 68_799_799_999
    plugin = make({**DAY, "count": 200_000})
    assert array(plugin)[159_258] == np.datetime64("2024-01-01T19:06:39.799999")


def test_a_float_product_just_below_a_whole_second_is_truncated_as_in_eventum() -> None:
    """Nine seconds in ten: 9,000,000 µs * (7 * (1/9)) is 6,999,999.99... in floats, which
    numpy's timedelta * float truncates: Eventum's instant 7 is 6.999999 s, and so is ours."""
    plugin = make({**DAY, "end": "2024-01-01T00:00:09Z", "count": 10})
    expected = [utc(2024, 1, 1, 0, 0, s) for s in range(10)]
    expected[7] = utc(2024, 1, 1, 0, 0, 6, 999_999)
    assert flat(plugin) == expected


def test_relative_end_is_taken_from_start() -> None:
    plugin = make({"start": "2024-06-01T12:00:00Z", "end": "+1h", "count": 3})
    assert flat(plugin) == [utc(2024, 6, 1, 12, 0), utc(2024, 6, 1, 12, 30), utc(2024, 6, 1, 13)]


def test_naive_bounds_in_dst_zone_span_real_time() -> None:
    # 00:00 EDT to 04:00 EST on the fall-back day is five real hours, not four.
    plugin = make(
        {"start": "2024-11-03T00:00:00", "end": "2024-11-03T04:00:00", "count": 6},
        tz=NY,
        now=datetime(2024, 11, 1, tzinfo=NY),
    )
    assert flat(plugin) == [utc(2024, 11, 3, h) for h in range(4, 10)]


# --- chunks and live mode -------------------------------------------------------------------


def test_chunks_are_at_most_size_and_continue() -> None:
    plugin = make({**DAY, "end": "2024-01-01T00:00:09Z", "count": 10})
    chunks = list(plugin.generate(3))
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    whole = array(make({**DAY, "end": "2024-01-01T00:00:09Z", "count": 10}))
    assert np.concatenate(chunks).tolist() == whole.tolist()


def test_huge_count_is_computed_per_chunk() -> None:
    plugin = make({**DAY, "count": 10**12})
    (chunk,) = islice(plugin.generate(3), 1)
    assert chunk.tolist() == [utc(2024, 1, 1), utc(2024, 1, 1), utc(2024, 1, 1)]


def live(data: dict[str, Any], **ctx: Any) -> LinspaceInput:
    return make(data, now=datetime(2024, 1, 1, 0, 0, 10, tzinfo=UTC), **ctx)


RANGE_0_20 = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-01T00:00:20Z", "count": 21}


def test_skip_past_drops_timestamps_before_start_of_generation() -> None:
    plugin = live(RANGE_0_20, live_mode=True, skip_past=True)
    assert flat(plugin, 4) == [utc(2024, 1, 1, 0, 0, s) for s in range(10, 21)]


def test_skip_past_with_uneven_steps() -> None:
    plugin = live({**RANGE_0_20, "count": 3, "endpoint": False}, live_mode=True, skip_past=True)
    assert flat(plugin) == [utc(2024, 1, 1, 0, 0, 13, 333333)]


def test_skip_past_when_everything_is_past() -> None:
    data = {"start": "2023-01-01T00:00:00Z", "end": "2023-01-02T00:00:00Z", "count": 10**9}
    assert flat(live(data, live_mode=True, skip_past=True)) == []


def test_skip_past_zero_length_range_in_the_past() -> None:
    data = {"start": "2023-01-01T00:00:00Z", "end": "2023-01-01T00:00:00Z", "count": 4}
    assert flat(live(data, live_mode=True, skip_past=True)) == []


@pytest.mark.parametrize(("live_mode", "skip_past"), [(True, False), (False, True)])
def test_past_is_kept_without_live_skip_past(live_mode: bool, skip_past: bool) -> None:
    assert len(flat(live(RANGE_0_20, live_mode=live_mode, skip_past=skip_past))) == 21


# --- lifecycle ------------------------------------------------------------------------------


def test_stop_ends_generation() -> None:
    plugin = make({**DAY, "count": 100})
    gen = plugin.generate(10)
    next(gen)
    plugin.stop()
    assert list(gen) == []


def test_meets_protocol_and_is_registered() -> None:
    (ep,) = entry_points(group="eventum.inputs", name="linspace")
    assert ep.load() is LinspaceInput
    assert LinspaceInput.interactive is False
    assert isinstance(make({**DAY, "count": 2}), InputPlugin)


class TestLinspaceContract(InputPluginContract):
    plugin_class = LinspaceInput
    entry_point = "linspace"
    valid_config: ClassVar[dict[str, Any]] = {**DAY, "count": 100}
