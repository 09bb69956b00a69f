from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import structlog
from pydantic import ValidationError

from eventum_core import ConfigError, PluginContext, TimestampBatch
from eventum_core.testing import validation_context
from eventum_event_script import ScriptEvent, ScriptEventConfig

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
TZ = ZoneInfo("Europe/Moscow")


def make_batch(
    count: int, *, tags: list[tuple[str, ...]] | None = None, sources: list[int] | None = None
) -> TimestampBatch:
    start = np.datetime64(NOW.replace(tzinfo=None), "us")
    stamps = start + np.arange(count) * np.timedelta64(1, "s")
    src = np.array(sources if sources is not None else [0] * count, dtype=np.uint16)
    return TimestampBatch(stamps, src, tags or [()], TZ)


@pytest.fixture
def make_plugin(tmp_path: Path) -> Any:
    def make(source: str, name: str = "script.py") -> ScriptEvent:
        (tmp_path / name).write_text(source)
        return build(tmp_path, {"path": name})

    return make


def build(tmp_path: Path, data: dict[str, Any]) -> ScriptEvent:
    config = ScriptEventConfig.model_validate(
        data, context=validation_context(tmp_path, timezone=TZ, now=NOW)
    )
    context = PluginContext(
        generator_id="t",
        kind="event",
        name="script",
        index=0,
        base_path=tmp_path,
        timezone=TZ,
        started_at=NOW,
    )
    return ScriptEvent(config, context)


def test_produces_one_event_per_timestamp_with_local_time(make_plugin: Any) -> None:
    plugin = make_plugin("def produce(params):\n    return params['timestamp'].isoformat()\n")
    produced = plugin.produce(make_batch(3))
    assert produced.events == [
        "2025-01-02T06:04:05+03:00",
        "2025-01-02T06:04:06+03:00",
        "2025-01-02T06:04:07+03:00",
    ]
    assert (produced.failed, produced.dropped, produced.exhausted) == (0, 0, False)


def test_timestamp_is_aware_in_generator_timezone(make_plugin: Any) -> None:
    plugin = make_plugin(
        "seen = []\ndef produce(params):\n    seen.append(params['timestamp'])\n    return ''\n"
    )
    plugin.produce(make_batch(1))
    (stamp,) = plugin._module.seen
    assert stamp.tzinfo is TZ
    assert stamp.utcoffset() == timedelta(hours=3)


def test_tags_follow_the_source_input(make_plugin: Any) -> None:
    plugin = make_plugin("def produce(params):\n    return ','.join(params['tags'])\n")
    batch = make_batch(3, tags=[("a",), ("b", "c")], sources=[0, 1, 0])
    assert plugin.produce(batch).events == ["a", "b,c", "a"]


def test_params_dict_is_reused(make_plugin: Any) -> None:
    plugin = make_plugin(
        "ids = set()\ndef produce(params):\n    ids.add(id(params))\n    return 'x'\n"
    )
    plugin.produce(make_batch(5))
    plugin.produce(make_batch(5))
    assert len(plugin._module.ids) == 1


def test_list_results_are_flattened_in_order(make_plugin: Any) -> None:
    plugin = make_plugin(
        "n = 0\n"
        "def produce(params):\n"
        "    global n\n"
        "    n += 1\n"
        "    return [f'{n}a', f'{n}b'] if n % 2 else []\n"
    )
    assert plugin.produce(make_batch(3)).events == ["1a", "1b", "3a", "3b"]


def test_module_state_persists_between_batches(make_plugin: Any) -> None:
    plugin = make_plugin(
        "count = 0\ndef produce(params):\n    global count\n    count += 1\n    return str(count)\n"
    )
    assert plugin.produce(make_batch(2)).events == ["1", "2"]
    assert plugin.produce(make_batch(2)).events == ["3", "4"]


def test_event_dropped_is_available_without_import(make_plugin: Any) -> None:
    plugin = make_plugin(
        "def produce(params):\n"
        "    if params['timestamp'].second % 2:\n"
        "        raise EventDropped()\n"
        "    return 'kept'\n"
    )
    produced = plugin.produce(make_batch(4))
    assert produced.events == ["kept", "kept"]
    assert (produced.dropped, produced.failed) == (2, 0)


def test_imported_event_dropped_works_too(make_plugin: Any) -> None:
    plugin = make_plugin(
        "from eventum_core import EventDropped as Drop\ndef produce(params):\n    raise Drop\n"
    )
    assert plugin.produce(make_batch(3)).dropped == 3


def test_events_exhausted_ends_with_events_made_so_far(make_plugin: Any) -> None:
    plugin = make_plugin(
        "n = 0\n"
        "def produce(params):\n"
        "    global n\n"
        "    n += 1\n"
        "    if n > 3:\n"
        "        raise EventsExhausted\n"
        "    return str(n)\n"
    )
    first = plugin.produce(make_batch(2))
    assert (first.events, first.exhausted) == (["1", "2"], False)
    second = plugin.produce(make_batch(5))
    assert (second.events, second.exhausted) == (["3"], True)
    assert plugin.produce(make_batch(2)).exhausted
    assert plugin._module.n == 4


def test_exceptions_are_counted_and_logged_once_per_batch(make_plugin: Any) -> None:
    plugin = make_plugin(
        "def produce(params):\n"
        "    if params['timestamp'].second == 6:\n"
        "        return 'ok'\n"
        "    raise ValueError('boom')\n"
    )
    with structlog.testing.capture_logs() as logs:
        produced = plugin.produce(make_batch(4))
    assert produced.events == ["ok"]
    assert produced.failed == 3
    assert len(logs) == 1
    assert logs[0]["log_level"] == "error"
    assert logs[0]["failed"] == 3
    assert logs[0]["reason"] == "ValueError: boom (at script.py:4)"


@pytest.mark.parametrize(
    ("result", "kind"),
    [("None", "NoneType"), ("42", "int"), ("('a',)", "tuple"), ("['a', 1]", "list")],
)
def test_wrong_return_type_fails(make_plugin: Any, result: str, kind: str) -> None:
    plugin = make_plugin(f"def produce(params):\n    return {result}\n")
    with structlog.testing.capture_logs() as logs:
        produced = plugin.produce(make_batch(2))
    assert (produced.events, produced.failed) == ([], 2)
    assert len(logs) == 1
    assert kind in logs[0]["reason"]


def test_no_log_when_all_succeed(make_plugin: Any) -> None:
    plugin = make_plugin("def produce(params):\n    return 'x'\n")
    with structlog.testing.capture_logs() as logs:
        plugin.produce(make_batch(10))
    assert logs == []


def test_missing_file_is_a_validation_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"missing\.py"):
        build(tmp_path, {"path": "missing.py"})


def test_path_is_relative_to_generator_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "s.py").write_text("def produce(params):\n    return 's'\n")
    plugin = build(tmp_path, {"path": "sub/s.py"})
    assert plugin.produce(make_batch(1)).events == ["s"]


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text("def produce(params):\n    return 's'\n")
    with pytest.raises(ValidationError, match="extra"):
        build(tmp_path, {"path": "s.py", "other": 1})


def test_module_without_produce_is_a_config_error(make_plugin: Any) -> None:
    with pytest.raises(ConfigError, match=r"script\.py must define a function `produce"):
        make_plugin("def make(params):\n    return ''\n")


def test_non_callable_produce_is_a_config_error(make_plugin: Any) -> None:
    with pytest.raises(ConfigError, match="produce"):
        make_plugin("produce = 'text'\n")


def test_syntax_error_names_file_and_line(make_plugin: Any) -> None:
    with pytest.raises(ConfigError, match=r"syntax error in script .*bad\.py, line 3"):
        make_plugin("x = 1\n\ndef produce(params:\n    return ''\n", name="bad.py")


def test_error_at_import_names_file_and_line(make_plugin: Any) -> None:
    with pytest.raises(ConfigError, match=r"broken\.py failed to load: ZeroDivisionError.*:2\)"):
        make_plugin("x = 1\ny = x / 0\n", name="broken.py")


def test_script_module_is_registered_while_in_use(make_plugin: Any) -> None:
    plugin = make_plugin(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        "class Event:\n"
        "    n: int\n"
        "def produce(params):\n"
        "    return repr(Event(1))\n"
    )
    assert plugin.produce(make_batch(1)).events == ["Event(n=1)"]
    name = plugin._module_name
    assert name in sys.modules
    plugin.close()
    assert name not in sys.modules


def test_each_plugin_gets_its_own_module_state(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(
        "n = 0\ndef produce(params):\n    global n\n    n += 1\n    return str(n)\n"
    )
    first, second = build(tmp_path, {"path": "s.py"}), build(tmp_path, {"path": "s.py"})
    assert first.produce(make_batch(2)).events == ["1", "2"]
    assert second.produce(make_batch(1)).events == ["1"]


def test_empty_batch(make_plugin: Any) -> None:
    plugin = make_plugin("def produce(params):\n    return 'x'\n")
    assert plugin.produce(make_batch(0)).events == []
