from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pydantic import ValidationError

from eventum_core import InputPlugin, PluginContext
from eventum_core.testing import InputPluginContract, validation_context
from eventum_input_timestamps import TimestampsConfig, TimestampsInput

NY = ZoneInfo("America/New_York")
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def config(data: dict[str, Any], base: Path, *, tz: Any = UTC) -> TimestampsConfig:
    return TimestampsConfig.model_validate(
        data, context=validation_context(base, timezone=tz, now=NOW)
    )


def make(
    data: dict[str, Any], base: Path, *, tz: Any = UTC, now: datetime = NOW, **ctx: Any
) -> TimestampsInput:
    context = PluginContext(
        generator_id="t",
        kind="input",
        name="timestamps",
        index=0,
        base_path=base,
        timezone=tz,
        started_at=now,
        **ctx,
    )
    return TimestampsInput(config(data, base, tz=tz), context)


def flat(plugin: TimestampsInput, size: int = 1000) -> list[datetime]:
    out: list[datetime] = []
    for chunk in plugin.generate(size):
        assert chunk.dtype == np.dtype("datetime64[us]")
        assert 0 < len(chunk) <= size
        out.extend(chunk.tolist())
    return out


def utc(*args: int) -> datetime:
    return datetime(*args)  # naive UTC, as numpy's tolist() gives


# --- config ---------------------------------------------------------------------------------


def test_source_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="source"):
        config({}, tmp_path)


def test_tags(tmp_path: Path) -> None:
    assert config({"source": ["2024-01-01T00:00:00"]}, tmp_path).tags == ()
    c = config({"source": ["2024-01-01T00:00:00"], "tags": ["a", "b"]}, tmp_path)
    assert c.tags == ("a", "b")


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        config({"source": ["2024-01-01T00:00:00"], "count": 1}, tmp_path)


def test_empty_list_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="empty list"):
        config({"source": []}, tmp_path)


def test_bad_inline_value_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"source\.inline\.1\n.*valid datetime"):
        config({"source": ["2024-01-01T00:00:00", "yesterday-ish"]}, tmp_path)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(
        ValidationError, match=r"source\.file\n.*file does not exist: .*nope\.txt"
    ) as info:
        config({"source": "nope.txt"}, tmp_path)
    assert info.value.error_count() == 1  # only the file branch reports


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(ValidationError, match="not a file"):
        config({"source": "dir"}, tmp_path)


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "ts.txt").write_text("2024-01-01T00:00:00\n\n2024-01-02 oops\n")
    with pytest.raises(ValidationError, match=r"ts\.txt, line 3: '2024-01-02 oops' is not an ISO"):
        config({"source": "ts.txt"}, tmp_path)


def test_file_that_is_not_text(tmp_path: Path) -> None:
    (tmp_path / "ts.bin").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValidationError, match=r"cannot read .*ts\.bin"):
        config({"source": "ts.bin"}, tmp_path)


def test_file_with_only_blank_lines_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "ts.txt").write_text("\n   \n\n")
    with pytest.raises(ValidationError, match=r"ts\.txt holds no timestamps"):
        config({"source": "ts.txt"}, tmp_path)


# --- values ---------------------------------------------------------------------------------


def test_inline_values_of_every_form(tmp_path: Path) -> None:
    source = [
        "2024-01-01T00:00:00Z",
        datetime(2024, 1, 1, 1, tzinfo=timezone(timedelta(hours=-1))),  # 02:00 UTC
        "2024-01-01T03:00:00.250000+00:00",
    ]
    assert flat(make({"source": source}, tmp_path)) == [
        utc(2024, 1, 1, 0),
        utc(2024, 1, 1, 2),
        utc(2024, 1, 1, 3, 0, 0, 250000),
    ]


def test_file_relative_to_generator_folder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ts.txt").write_text(
        "\n  2024-01-01T00:00:00Z  \r\n\r\n2024-01-01T00:00:01+00:00\n2024-01-01T00:00:02"
    )
    assert flat(make({"source": "data/ts.txt"}, tmp_path)) == [
        utc(2024, 1, 1, 0, 0, s) for s in range(3)
    ]


def test_absolute_file_path(tmp_path: Path) -> None:
    path = tmp_path / "ts.txt"
    path.write_text("2024-01-01T00:00:00Z\n")
    assert flat(make({"source": str(path)}, tmp_path / "elsewhere")) == [utc(2024, 1, 1)]


def test_naive_values_are_in_generator_timezone_across_dst(tmp_path: Path) -> None:
    (tmp_path / "ts.txt").write_text(
        "2024-03-10T01:59:59\n"  # EST
        "2024-03-10T03:00:00\n"  # EDT, one second later in real time
        "2024-11-03T01:30:00\n"  # ambiguous: the first (EDT) occurrence
        "2024-11-03T01:30:00-05:00\n"  # the second (EST) occurrence, explicit
    )
    assert flat(make({"source": "ts.txt"}, tmp_path, tz=NY)) == [
        utc(2024, 3, 10, 6, 59, 59),
        utc(2024, 3, 10, 7, 0, 0),
        utc(2024, 11, 3, 5, 30),
        utc(2024, 11, 3, 6, 30),
    ]


def test_inline_naive_values_in_generator_timezone(tmp_path: Path) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert flat(make({"source": ["2024-01-01T09:00:00"]}, tmp_path, tz=tokyo)) == [utc(2024, 1, 1)]


def test_unsorted_values_are_sorted_and_duplicates_kept(tmp_path: Path) -> None:
    source = ["2024-01-03T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"] * 2
    assert flat(make({"source": source}, tmp_path)) == [utc(2024, 1, d) for d in (1, 1, 2, 2, 3, 3)]


def test_chunks_are_at_most_size(tmp_path: Path) -> None:
    source = [f"2024-01-01T00:00:{s:02}Z" for s in range(7)]
    chunks = list(make({"source": source}, tmp_path).generate(3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert [t for c in chunks for t in c.tolist()] == [utc(2024, 1, 1, 0, 0, s) for s in range(7)]


def test_many_lines(tmp_path: Path) -> None:
    start = np.datetime64("2024-01-01T00:00:00", "us")
    expected = start + np.arange(100_000) * np.timedelta64(1500, "us")
    (tmp_path / "ts.txt").write_text("\n".join(f"{t}Z" for t in expected.tolist()))
    got = np.concatenate(list(make({"source": "ts.txt"}, tmp_path).generate(10_000)))
    assert np.array_equal(got, expected)


# --- live mode ------------------------------------------------------------------------------

SOURCE = ["2023-12-31T23:59:59Z", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z"]


def test_skip_past_drops_past_and_keeps_now(tmp_path: Path) -> None:
    plugin = make({"source": SOURCE}, tmp_path, live_mode=True, skip_past=True)
    assert flat(plugin) == [utc(2024, 1, 1, 0, 0, 0), utc(2024, 1, 1, 0, 0, 1)]


def test_skip_past_when_everything_is_past(tmp_path: Path) -> None:
    plugin = make(
        {"source": SOURCE}, tmp_path, now=NOW + timedelta(days=1), live_mode=True, skip_past=True
    )
    assert flat(plugin) == []


@pytest.mark.parametrize(("live_mode", "skip_past"), [(True, False), (False, True)])
def test_past_is_kept_without_live_skip_past(
    tmp_path: Path, live_mode: bool, skip_past: bool
) -> None:
    plugin = make({"source": SOURCE}, tmp_path, live_mode=live_mode, skip_past=skip_past)
    assert len(flat(plugin)) == 3


# --- lifecycle ------------------------------------------------------------------------------


def test_chunks_are_read_only(tmp_path: Path) -> None:
    (chunk,) = make({"source": SOURCE}, tmp_path).generate(10)
    with pytest.raises(ValueError, match="read-only"):
        chunk[0] = np.datetime64("2000-01-01", "us")


def test_stop_ends_generation(tmp_path: Path) -> None:
    plugin = make({"source": SOURCE}, tmp_path)
    gen = plugin.generate(1)
    next(gen)
    plugin.stop()
    assert list(gen) == []


def test_meets_protocol_and_is_registered(tmp_path: Path) -> None:
    (ep,) = entry_points(group="eventum.inputs", name="timestamps")
    assert ep.load() is TimestampsInput
    assert TimestampsInput.interactive is False
    assert isinstance(make({"source": SOURCE}, tmp_path), InputPlugin)


class TestTimestampsContract(InputPluginContract):
    plugin_class = TimestampsInput
    entry_point = "timestamps"
    valid_config: ClassVar[dict[str, Any]] = {"source": [*SOURCE, *SOURCE]}
