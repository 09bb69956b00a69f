from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from eventum_core import InputPlugin, PluginContext
from eventum_core.testing import InputPluginContract, validation_context
from eventum_input_time_patterns import TimePatternsConfig, TimePatternsInput

NOW = datetime(2024, 1, 1, tzinfo=UTC)
START = np.datetime64("2024-01-01T00:00:00", "us")
SECOND = np.timedelta64(1_000_000, "us")


def pattern(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "label": "test",
        "oscillator": {
            "start": "2024-01-01T00:00:00+00:00",
            "end": "2024-01-01T01:00:00+00:00",
            "period": 1,
            "unit": "minutes",
        },
        "multiplier": {"ratio": 100},
        "randomizer": {"deviation": 0, "direction": "mixed"},
        "spreader": {"distribution": "uniform", "parameters": {"low": 0, "high": 1}},
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            data[section] = {**data[section], field: value}
        elif value is None:
            del data[section]
        else:
            data[section] = value
    return data


def write(tmp_path: Path, data: Any, name: str = "pattern.yml") -> str:
    (tmp_path / name).write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return name


def make(
    tmp_path: Path, *patterns: Any, now: datetime = NOW, seed: int = 1, **ctx: Any
) -> TimePatternsInput:
    names = [
        p if isinstance(p, str) else write(tmp_path, p, f"p{i}.yml") for i, p in enumerate(patterns)
    ]
    tz = now.tzinfo or UTC
    config = TimePatternsConfig.model_validate(
        {"patterns": names}, context=validation_context(tmp_path, timezone=tz, now=now)
    )
    context = PluginContext(
        generator_id="t",
        kind="input",
        name="time_patterns",
        index=0,
        base_path=tmp_path,
        timezone=tz,
        started_at=now,
        seed=seed,
        **ctx,
    )
    return TimePatternsInput(config, context)


def collect(plugin: TimePatternsInput, size: int = 10_000) -> np.ndarray:
    chunks = list(plugin.generate(size))
    for chunk in chunks:
        assert chunk.dtype == np.dtype("datetime64[us]")
        assert 0 < len(chunk) <= size
    for chunk in chunks[:-1]:
        assert len(chunk) == size
    if not chunks:
        return np.array([], dtype="datetime64[us]")
    ts = np.concatenate(chunks)
    assert np.all(np.diff(ts.astype(np.int64)) >= 0)
    return ts


def per_period(ts: np.ndarray, period_us: int, periods: int) -> np.ndarray:
    index = (ts - START).astype(np.int64) // period_us
    return np.bincount(index, minlength=periods)


def positions(ts: np.ndarray, period_us: int) -> np.ndarray:
    return ((ts - START).astype(np.int64) % period_us) / period_us


def ks_statistic(sample: np.ndarray, cdf: Any) -> float:
    x = np.sort(sample)
    n = len(x)
    f = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n)))


def ks_bound(n: int) -> float:
    return 1.63 / math.sqrt(n)  # 99% critical value


def test_is_an_input_plugin(tmp_path: Path) -> None:
    plugin = make(tmp_path, pattern())
    assert isinstance(plugin, InputPlugin)
    assert TimePatternsInput.interactive is False


def test_w4_shape_beta_spread_exact_count(tmp_path: Path) -> None:
    data = pattern(
        oscillator__end="2024-01-01T05:33:20+00:00",
        oscillator__period=1,
        oscillator__unit="seconds",
        multiplier={"ratio": 10},
        spreader={"distribution": "beta", "parameters": {"a": 2, "b": 2}},
    )
    ts = collect(make(tmp_path, data))
    assert len(ts) == 200_000
    assert ts[0] >= START
    assert ts[-1] < np.datetime64("2024-01-01T05:33:20", "us")
    assert set(per_period(ts, 1_000_000, 20_000).tolist()) == {10}
    x = positions(ts, 1_000_000)
    assert abs(x.mean() - 0.5) < 0.005
    assert abs(x.var() - 0.05) < 0.002  # beta(2, 2): variance 1/20
    assert ks_statistic(x, lambda v: v * v * (3 - 2 * v)) < ks_bound(len(x))


@pytest.mark.parametrize(
    ("direction", "low", "high"),
    [("mixed", 0.7, 1.3), ("decrease", 0.7, 1.0), ("increase", 1.0, 1.3)],
)
def test_randomizer_keeps_counts_within_deviation(
    tmp_path: Path, direction: str, low: float, high: float
) -> None:
    data = pattern(
        randomizer={"deviation": 0.3, "direction": direction},
        oscillator__period=10,
        oscillator__unit="seconds",
    )
    counts = per_period(collect(make(tmp_path, data)), 10_000_000, 360)
    assert counts.min() >= int(100 * low)
    assert counts.max() <= int(100 * high)
    assert len(set(counts.tolist())) > 20  # they do vary
    assert abs(counts.mean() - (100 * (low + high) / 2 - 0.5)) < 3  # int() floors: -0.5


def test_randomizer_sample_is_reshuffled_not_redrawn(tmp_path: Path) -> None:
    data = pattern(randomizer={"deviation": 0.5, "direction": "mixed", "sampling": 16})
    data["oscillator"]["end"] = "2024-01-01T00:48:00+00:00"  # 48 periods: 3 passes of 16
    counts = per_period(collect(make(tmp_path, data)), 60_000_000, 48)
    passes = [sorted(counts[i : i + 16].tolist()) for i in (0, 16, 32)]
    assert passes[0] == passes[1] == passes[2]
    assert counts[:16].tolist() != counts[16:32].tolist()  # same factors, new order


def test_uniform_spreader_bounds_and_distribution(tmp_path: Path) -> None:
    data = pattern(spreader={"distribution": "uniform", "parameters": {"low": 0.2, "high": 0.6}})
    x = positions(collect(make(tmp_path, data)), 60_000_000)
    assert len(x) == 6000
    assert x.min() >= 0.2
    assert x.max() <= 0.6
    assert abs(x.mean() - 0.4) < 0.01
    assert ks_statistic(x, lambda v: (v - 0.2) / 0.4) < ks_bound(len(x))


def test_triangular_spreader_distribution(tmp_path: Path) -> None:
    left, mode, right = 0.1, 0.3, 0.9
    params = {"left": left, "mode": mode, "right": right}
    data = pattern(spreader={"distribution": "triangular", "parameters": params})
    x = positions(collect(make(tmp_path, data)), 60_000_000)
    assert x.min() >= left
    assert x.max() <= right
    assert abs(x.mean() - (left + mode + right) / 3) < 0.01

    def cdf(v: np.ndarray) -> np.ndarray:
        rising = (v - left) ** 2 / ((right - left) * (mode - left))
        falling = 1 - (right - v) ** 2 / ((right - left) * (right - mode))
        return np.where(v <= mode, rising, falling)

    assert ks_statistic(x, cdf) < ks_bound(len(x))


def test_beta_spreader_skewed(tmp_path: Path) -> None:
    data = pattern(spreader={"distribution": "beta", "parameters": {"a": 1, "b": 3}})
    x = positions(collect(make(tmp_path, data)), 60_000_000)
    assert abs(x.mean() - 0.25) < 0.01
    assert ks_statistic(x, lambda v: 1 - (1 - v) ** 3) < ks_bound(len(x))


def test_same_seed_same_timestamps_other_seed_differs(tmp_path: Path) -> None:
    data = pattern(randomizer={"deviation": 0.2, "direction": "mixed"})
    first = collect(make(tmp_path, data, seed=7))
    again = collect(make(tmp_path, data, seed=7))
    other = collect(make(tmp_path, data, seed=8))
    assert np.array_equal(first, again)
    assert not np.array_equal(first[: len(other)], other[: len(first)])


@pytest.mark.parametrize(
    ("period", "unit", "micros"),
    [
        (1, "weeks", 604_800_000_000),
        (0.5, "days", 43_200_000_000),
        (2, "hours", 7_200_000_000),
        (1.5, "minutes", 90_000_000),
        (0.25, "seconds", 250_000),
        (10, "milliseconds", 10_000),
        (40, "microseconds", 40),
    ],
)
def test_period_units(tmp_path: Path, period: float, unit: str, micros: int) -> None:
    end = np.datetime64("2024-01-01T00:00:00", "us") + np.timedelta64(10 * micros, "us")
    data = pattern(
        oscillator__period=period,
        oscillator__unit=unit,
        oscillator__end=f"{end}+00:00",
        multiplier={"ratio": 3},
        spreader={"distribution": "uniform", "parameters": {"low": 0, "high": 0.99}},
    )
    ts = collect(make(tmp_path, data))
    assert per_period(ts, micros, 10).tolist() == [3] * 10


def test_last_partial_period_is_cut_at_end(tmp_path: Path) -> None:
    data = pattern(oscillator__end="2024-01-01T00:02:30+00:00")
    ts = collect(make(tmp_path, data))
    assert ts[-1] < np.datetime64("2024-01-01T00:02:30", "us")
    counts = per_period(ts, 30_000_000, 5)  # half-minute buckets
    assert counts[:4].sum() == 200
    assert 20 < counts[4] < 80  # about half of the third period's 100


def test_patterns_merge_chronologically(tmp_path: Path) -> None:
    first = pattern(oscillator__end="2024-01-01T00:10:00+00:00", multiplier={"ratio": 50})
    second = pattern(
        oscillator__start="2024-01-01T00:05:00+00:00",
        oscillator__end="2024-01-01T00:20:00+00:00",
        oscillator__period=5,
        oscillator__unit="seconds",
        multiplier={"ratio": 3},
    )
    ts = collect(make(tmp_path, first, second), size=97)
    assert len(ts) == 10 * 50 + 180 * 3
    minutes = per_period(ts, 60_000_000, 20)
    assert minutes[:5].tolist() == [50] * 5
    assert minutes[5:10].sum() > 250


def test_merged_patterns_lazy_when_endless(tmp_path: Path) -> None:
    endless = pattern(oscillator__start="now", oscillator__end="never")
    other = pattern(oscillator__start="now", oscillator__end="+1h", multiplier={"ratio": 1})
    chunks = list(itertools.islice(make(tmp_path, endless, other).generate(1000), 20))
    ts = np.concatenate(chunks)
    assert len(ts) == 20_000
    assert np.all(np.diff(ts.astype(np.int64)) >= 0)


def test_endless_pattern_is_lazy(tmp_path: Path) -> None:
    data = pattern(oscillator__start="now", oscillator__end="never")
    (chunk,) = itertools.islice(make(tmp_path, data).generate(500), 1)
    assert len(chunk) == 500
    assert chunk[0] >= START


def test_relative_end_counts_from_start(tmp_path: Path) -> None:
    data = pattern(oscillator__start="2024-01-01T00:00:00+00:00", oscillator__end="+3m")
    assert len(collect(make(tmp_path, data))) == 300


def test_naive_start_is_read_in_generator_timezone(tmp_path: Path) -> None:
    tz = ZoneInfo("Europe/Berlin")
    data = pattern(oscillator__start="2024-01-01T01:00:00", oscillator__end="+1m")
    ts = collect(make(tmp_path, data, now=datetime(2024, 1, 1, tzinfo=tz)))
    assert ts[0] >= START  # 01:00 CET is 00:00 UTC
    assert ts[-1] < START + 60 * SECOND


def test_skip_past_starts_at_last_past_boundary(tmp_path: Path) -> None:
    now = datetime(2024, 1, 1, 0, 2, 30, tzinfo=UTC)
    data = pattern(oscillator__end="2024-01-01T00:05:00+00:00")
    ts = collect(make(tmp_path, data, now=now, live_mode=True, skip_past=True))
    assert ts[0] >= np.datetime64("2024-01-01T00:02:30", "us")
    counts = per_period(ts, 60_000_000, 5)
    assert counts[:2].tolist() == [0, 0]
    assert 20 < counts[2] < 80  # the second half of the current period
    assert counts[3:].tolist() == [100, 100]


def test_past_kept_without_live_mode(tmp_path: Path) -> None:
    now = datetime(2024, 1, 1, 0, 2, 30, tzinfo=UTC)
    data = pattern(oscillator__end="2024-01-01T00:05:00+00:00")
    assert len(collect(make(tmp_path, data, now=now, skip_past=True))) == 500


def test_skip_past_all_past_yields_nothing(tmp_path: Path) -> None:
    now = datetime(2024, 1, 2, tzinfo=UTC)
    data = pattern()
    assert len(collect(make(tmp_path, data, now=now, live_mode=True, skip_past=True))) == 0


def test_stop_ends_generate(tmp_path: Path) -> None:
    plugin = make(tmp_path, pattern(oscillator__start="now", oscillator__end="never"))
    chunks = plugin.generate(10)
    next(chunks)
    plugin.stop()
    assert list(chunks) == []


def test_dotted_keys_and_tags_in_the_file(tmp_path: Path) -> None:
    text = """
label: dotted
tags: [web]
oscillator.start: "2024-01-01T00:00:00+00:00"
oscillator.end: +1m
oscillator:
  period: 1
  unit: minutes
multiplier.ratio: 5
randomizer: {deviation: 0, direction: decrease}
spreader.distribution: beta
spreader.parameters:
  a: 5
  b: 5
"""
    name = write(tmp_path, text)
    assert len(collect(make(tmp_path, name))) == 5


def test_config_fields(tmp_path: Path) -> None:
    name = write(tmp_path, pattern())
    context = validation_context(tmp_path, now=NOW)
    config = TimePatternsConfig.model_validate({"patterns": [name]}, context=context)
    assert config.patterns == [tmp_path / name]
    assert config.tags == ()
    tagged = TimePatternsConfig.model_validate({"patterns": [name], "tags": ["a"]}, context=context)
    assert tagged.tags == ("a",)


def bad(tmp_path: Path, data: Any) -> str:
    name = write(tmp_path, data, "bad.yml")
    with pytest.raises(ValidationError) as info:
        make(tmp_path, name)
    message = str(info.value)
    assert str(tmp_path / name) in message
    return message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"label": ""}, "label"),
        ({"label": None}, "label"),
        ({"oscillator__period": 0}, "oscillator.period"),
        ({"oscillator__period": 0.1, "oscillator__unit": "microseconds"}, "oscillator"),
        ({"oscillator__unit": "fortnights"}, "oscillator.unit"),
        ({"oscillator__start": "2024-02-01", "oscillator__end": "2024-01-01"}, "is after end"),
        ({"oscillator__start": "when pigs fly"}, "oscillator.start"),
        ({"oscillator__start": None}, "oscillator"),
        ({"multiplier": {"ratio": 0}}, "multiplier.ratio"),
        ({"randomizer": {"deviation": 1.5, "direction": "mixed"}}, "randomizer.deviation"),
        ({"randomizer": {"deviation": -0.1, "direction": "mixed"}}, "randomizer.deviation"),
        ({"randomizer": {"deviation": 0, "direction": "up"}}, "randomizer.direction"),
        (
            {"randomizer": {"deviation": 0, "direction": "mixed", "sampling": 15}},
            "randomizer.sampling",
        ),
        ({"spreader": {"distribution": "normal", "parameters": {}}}, "spreader"),
        (
            {"spreader": {"distribution": "uniform", "parameters": {"low": 0.5, "high": 0.5}}},
            "low must be less than high",
        ),
        (
            {"spreader": {"distribution": "uniform", "parameters": {"low": 1, "high": 1}}},
            "spreader.uniform.parameters.low",
        ),
        (
            {"spreader": {"distribution": "uniform", "parameters": {"low": 0, "high": 0}}},
            "spreader.uniform.parameters.high",
        ),
        (
            {
                "spreader": {
                    "distribution": "triangular",
                    "parameters": {"left": 0.5, "mode": 0.5, "right": 0.5},
                }
            },
            "cannot all be equal",
        ),
        (
            {
                "spreader": {
                    "distribution": "triangular",
                    "parameters": {"left": 0.5, "mode": 0.2, "right": 0.9},
                }
            },
            "left <= mode <= right",
        ),
        (
            {"spreader": {"distribution": "beta", "parameters": {"a": 0, "b": 1}}},
            "spreader.beta.parameters.a",
        ),
        (
            {"spreader": {"distribution": "beta", "parameters": {"a": 1, "b": -1}}},
            "spreader.beta.parameters.b",
        ),
        ({"extra": 1}, "extra"),
        ({"multiplier": {"ratio": 1, "factor": 2}}, "multiplier.factor"),
    ],
)
def test_bad_pattern_names_file_and_field(
    tmp_path: Path, overrides: dict[str, Any], field: str
) -> None:
    assert field in bad(tmp_path, pattern(**overrides))


def test_missing_sections(tmp_path: Path) -> None:
    message = bad(tmp_path, pattern(spreader=None, randomizer=None))
    assert "spreader" in message
    assert "randomizer" in message


def test_randomizer_sampling_defaults_to_1024(tmp_path: Path) -> None:
    from eventum_input_time_patterns.pattern import Randomizer

    assert Randomizer(deviation=0, direction="mixed").sampling == 1024


def test_unparsable_yaml(tmp_path: Path) -> None:
    assert "invalid YAML" in bad(tmp_path, "label: [unclosed")


def test_not_a_mapping(tmp_path: Path) -> None:
    assert "expected a mapping" in bad(tmp_path, "- a\n- b\n")


def test_conflicting_dotted_keys(tmp_path: Path) -> None:
    text = yaml.safe_dump(pattern())
    assert "already set" in bad(tmp_path, "oscillator.period: 5\n" + text)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        make(tmp_path, "nope.yml")


def test_patterns_must_not_be_empty(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 1"):
        TimePatternsConfig.model_validate({"patterns": []}, context=validation_context(tmp_path))


def test_patterns_required_and_extra_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="patterns"):
        TimePatternsConfig.model_validate({}, context=validation_context(tmp_path))
    name = write(tmp_path, pattern())
    with pytest.raises(ValidationError, match="Extra inputs"):
        TimePatternsConfig.model_validate(
            {"patterns": [name], "other": 1}, context=validation_context(tmp_path)
        )


class TestTimePatternsContract(InputPluginContract):
    plugin_class = TimePatternsInput
    entry_point = "time_patterns"
    valid_config = {"patterns": ["pattern.yml"]}

    @pytest.fixture(autouse=True)
    def _pattern_file(self, tmp_path: Path) -> None:
        write(tmp_path, pattern(randomizer={"deviation": 0.5, "direction": "mixed"}))
