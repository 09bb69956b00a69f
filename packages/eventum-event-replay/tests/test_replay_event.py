from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import structlog
from pydantic import ValidationError

from eventum_core import PluginContext, TimestampBatch
from eventum_core.testing import validation_context
from eventum_event_replay import ReplayEvent, ReplayEventConfig

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
TZ = ZoneInfo("Europe/Moscow")


def make_batch(count: int) -> TimestampBatch:
    start = np.datetime64(NOW.replace(tzinfo=None), "us")
    stamps = start + np.arange(count) * np.timedelta64(1, "s")
    return TimestampBatch(stamps, np.zeros(count, dtype=np.uint16), [()], TZ)


def validate(tmp_path: Path, data: dict[str, Any]) -> ReplayEventConfig:
    return ReplayEventConfig.model_validate(
        data, context=validation_context(tmp_path, timezone=TZ, now=NOW)
    )


def build(tmp_path: Path, content: str | bytes = "", **fields: Any) -> ReplayEvent:
    log = tmp_path / "log.txt"
    if isinstance(content, str):
        log.write_bytes(content.encode())
    else:
        log.write_bytes(content)
    context = PluginContext(
        generator_id="t",
        kind="event",
        name="replay",
        index=0,
        base_path=tmp_path,
        timezone=TZ,
        started_at=NOW,
    )
    return ReplayEvent(validate(tmp_path, {"path": "log.txt", **fields}), context)


def drain(plugin: ReplayEvent, size: int, limit: int = 10_000) -> list[str]:
    events: list[str] = []
    for _ in range(limit):
        produced = plugin.produce(make_batch(size))
        events += produced.events
        if produced.exhausted:
            return events
    raise AssertionError("never exhausted")


PATTERN = r"^\[(?P<timestamp>[^\]]+)\]"


def test_defaults(tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("")
    config = validate(tmp_path, {"path": "log.txt"})
    assert config.path == tmp_path / "log.txt"
    assert config.timestamp_pattern is None
    assert config.timestamp_format is None
    assert config.repeat is False
    assert config.chunk_size == 1_048_576
    assert config.encoding == "utf_8"


def test_lines_without_pattern_are_unchanged_and_stripped(tmp_path: Path) -> None:
    plugin = build(tmp_path, "one\r\ntwo\n\nfour  \nfive")
    produced = plugin.produce(make_batch(3))
    assert (produced.events, produced.exhausted) == (["one", "two", ""], False)
    produced = plugin.produce(make_batch(3))
    assert (produced.events, produced.exhausted) == (["four  ", "five"], True)


def test_batch_ending_at_last_line_exhausts_on_next_call(tmp_path: Path) -> None:
    plugin = build(tmp_path, "a\nb\n")
    assert plugin.produce(make_batch(2)).events == ["a", "b"]
    produced = plugin.produce(make_batch(2))
    assert (produced.events, produced.exhausted) == ([], True)
    assert plugin.produce(make_batch(2)).exhausted


def test_empty_file_is_exhausted_at_once(tmp_path: Path) -> None:
    produced = build(tmp_path, "").produce(make_batch(5))
    assert (produced.events, produced.exhausted) == ([], True)


def test_empty_file_with_repeat_is_exhausted_too(tmp_path: Path) -> None:
    produced = build(tmp_path, "", repeat=True).produce(make_batch(5))
    assert (produced.events, produced.exhausted) == ([], True)


def test_timestamp_replaced_with_isoformat_in_generator_timezone(tmp_path: Path) -> None:
    plugin = build(
        tmp_path, "[2020-01-01 00:00:00] GET /a\n[old] GET /b\n", timestamp_pattern=PATTERN
    )
    assert plugin.produce(make_batch(2)).events == [
        "[2025-01-02T06:04:05+03:00] GET /a",
        "[2025-01-02T06:04:06+03:00] GET /b",
    ]


def test_timestamp_format_is_strftime(tmp_path: Path) -> None:
    plugin = build(
        tmp_path,
        "x ts=111 y\n",
        timestamp_pattern=r"ts=(?P<timestamp>\d+)",
        timestamp_format="%d/%b/%Y:%H:%M:%S %z",
    )
    assert plugin.produce(make_batch(1)).events == ["x ts=02/Jan/2025:06:04:05 +0300 y"]


def test_only_the_group_span_is_replaced_at_first_match(tmp_path: Path) -> None:
    plugin = build(
        tmp_path,
        "a T1 b T2\n",
        timestamp_pattern=r"(?P<before>\w) (?P<timestamp>T\d)",
        timestamp_format="NEW",
    )
    assert plugin.produce(make_batch(1)).events == ["a NEW b T2"]


def test_unmatched_lines_kept_with_one_warning_per_batch(tmp_path: Path) -> None:
    plugin = build(
        tmp_path,
        "[x] ok\nno stamp\nalso none\n[y] ok\n",
        timestamp_pattern=PATTERN,
        timestamp_format="T",
    )
    with structlog.testing.capture_logs() as logs:
        produced = plugin.produce(make_batch(4))
    assert produced.events == ["[T] ok", "no stamp", "also none", "[T] ok"]
    assert produced.failed == 0
    assert len(logs) == 1
    assert logs[0]["log_level"] == "warning"
    assert (logs[0]["lines"], logs[0]["example"]) == (2, "no stamp")


def test_optional_group_not_taking_part_counts_as_unmatched(tmp_path: Path) -> None:
    plugin = build(tmp_path, "abc\n", timestamp_pattern=r"a(?P<timestamp>z)?", timestamp_format="T")
    with structlog.testing.capture_logs() as logs:
        assert plugin.produce(make_batch(1)).events == ["abc"]
    assert len(logs) == 1


@pytest.mark.parametrize(
    ("pattern", "message"),
    [(r"\[(?P<ts>.*)\]", "named group"), (r"(?P<timestamp>", "invalid regular expression")],
)
def test_bad_pattern_is_a_config_error(tmp_path: Path, pattern: str, message: str) -> None:
    (tmp_path / "log.txt").write_text("x\n")
    with pytest.raises(ValidationError, match=message):
        validate(tmp_path, {"path": "log.txt", "timestamp_pattern": pattern})


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"nope\.log"):
        validate(tmp_path, {"path": "nope.log"})


@pytest.mark.parametrize(
    "data",
    [{"chunk_size": -1}, {"encoding": "klingon"}, {"encoding": "base64"}, {"colour": "red"}],
)
def test_invalid_fields(tmp_path: Path, data: dict[str, Any]) -> None:
    (tmp_path / "log.txt").write_text("x\n")
    with pytest.raises(ValidationError):
        validate(tmp_path, {"path": "log.txt", **data})


@pytest.mark.parametrize("chunk_size", [0, 1, 3, 7, 1_048_576])
def test_repeat_starts_over_whatever_the_chunk_size(tmp_path: Path, chunk_size: int) -> None:
    plugin = build(tmp_path, "a\nbb\nccc", repeat=True, chunk_size=chunk_size)
    events: list[str] = []
    for size in (1, 4, 2, 5):
        produced = plugin.produce(make_batch(size))
        assert not produced.exhausted
        events += produced.events
    assert events == ["a", "bb", "ccc"] * 4


@pytest.mark.parametrize("chunk_size", [0, 1, 10, 4096])
def test_chunking_keeps_every_line_in_order(tmp_path: Path, chunk_size: int) -> None:
    lines = [f"line {i} " + "x" * (i % 13) for i in range(1000)]
    plugin = build(tmp_path, "\n".join(lines) + "\n", chunk_size=chunk_size)
    assert drain(plugin, 37) == lines


def test_encoding(tmp_path: Path) -> None:
    text = "\u043f\u0440\u0438\u0432\u0435\u0442"  # Cyrillic
    plugin = build(tmp_path, f"{text}\n".encode("cp1251"), encoding="cp1251")
    assert plugin.produce(make_batch(1)).events == [text]
    other = build(tmp_path, "caf\u00e9\n".encode("latin_1"), encoding="latin_1")
    assert other.produce(make_batch(1)).events == ["caf\u00e9"]


def test_undecodable_file_ends_replay_with_an_error(tmp_path: Path) -> None:
    # the bad bytes lie beyond the first block the text layer decodes
    plugin = build(tmp_path, b"ok\n" * 10_000 + b"\xff\xfe bad\n", chunk_size=1)
    with structlog.testing.capture_logs() as logs:
        first = plugin.produce(make_batch(1))
        second = plugin.produce(make_batch(20_000))
    assert first.events == ["ok"]
    assert second.exhausted
    assert second.events == ["ok"] * len(second.events)
    assert len(second.events) + second.failed == 20_000
    assert second.failed > 10_000
    assert logs[0]["log_level"] == "error"
    assert logs[0]["encoding"] == "utf_8"


def test_big_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    line = "[2020-01-01T00:00:00] " + "payload " * 12
    count = 200_000  # ~20 MB
    (tmp_path / "log.txt").write_text((line + "\n") * count)
    context = PluginContext(
        generator_id="t",
        kind="event",
        name="replay",
        index=0,
        base_path=tmp_path,
        timezone=TZ,
        started_at=NOW,
    )
    config = validate(
        tmp_path, {"path": "log.txt", "chunk_size": 65536, "timestamp_pattern": PATTERN}
    )
    plugin = ReplayEvent(config, context)
    seen = 0
    tracemalloc.start()
    try:
        while True:
            produced = plugin.produce(make_batch(1000))
            seen += len(produced.events)
            if produced.exhausted:
                break
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 4_000_000


def test_relative_path_from_generator_folder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.log").write_text("x\n")
    config = validate(tmp_path, {"path": "data/x.log"})
    assert config.path == tmp_path / "data" / "x.log"


def test_close_releases_the_file(tmp_path: Path) -> None:
    plugin = build(tmp_path, "a\n")
    plugin.close()
    plugin.close()
    assert plugin._file.closed
