"""Property-based checks: no input crashes a parser with anything but its documented error.

The config loader raises `ConfigError`/`UserError`; a versatile datetime `ValueError`; plugin
configs (cron, time patterns) pydantic's `ValidationError` (or `ValueError` for a pattern file);
formatters never raise on the events they are given (they count what they cannot format).
Each test is bounded (`max_examples`, no per-example deadline) to stay within a few seconds.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from eventum_core import PluginContext, resolve
from eventum_core.errors import UserError
from eventum_core.testing import validation_context

from .fuzz.config_target import check_config_text

FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CONTEXT = validation_context(now=NOW)

# YAML-ish values: what a user could write in a config.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["now", "never", "+1h", "-5m", "14:30", "2024-01-01", "${params.x}"]),
)
keys = st.one_of(
    st.sampled_from(
        [
            "input",
            "event",
            "output",
            "static",
            "timer",
            "cron",
            "template",
            "stdout",
            "file",
            "count",
            "seconds",
            "start",
            "end",
            "path",
            "mode",
            "templates",
            "formatter",
            "format",
            "expression",
            "retry",
            "tags",
            "samples",
            "source",
            "type",
            "a.b",
            "count.x",
        ]
    ),
    st.text(min_size=1, max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)
generator_like = st.fixed_dictionaries(
    {},
    optional={
        "input": st.lists(st.dictionaries(keys, values, max_size=2), max_size=3) | values,
        "event": st.dictionaries(keys, values, max_size=2) | values,
        "output": st.lists(st.dictionaries(keys, values, max_size=2), max_size=3) | values,
    },
)


@FAST
@given(text=st.text(max_size=300))
@example("input: &loop [*loop]\n")  # found by this test: a RecursionError before the fix
@example("input: " + "[" * 3000 + "]" * 3000)
def test_config_loader_on_any_text(text: str) -> None:
    check_config_text(text.encode("utf-8", "surrogatepass"))


@FAST
@given(data=generator_like)
def test_config_loader_on_generator_shaped_yaml(data: dict) -> None:
    check_config_text(yaml.safe_dump(data, allow_unicode=True).encode())


@FAST
@given(raw=st.binary(max_size=200))
def test_config_loader_on_any_bytes(raw: bytes) -> None:
    check_config_text(raw)


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.text(max_size=30),
        st.from_regex(r"[+-]?(\d{1,9}d)?(\d{1,9}h)?(\d{1,9}m)?(\d{1,9}s)?", fullmatch=True),
        st.from_regex(r"\d{1,2}:\d{1,2}(:\d{1,2})?", fullmatch=True),
        st.datetimes(timezones=st.none() | st.just(UTC)).map(lambda d: d.isoformat()),
        st.datetimes(),
    ),
    tz=st.sampled_from([UTC, ZoneInfo("Asia/Tokyo"), ZoneInfo("America/St_Johns")]),
)
@example(value="+99999999d", tz=UTC)  # found by this test: OverflowError before the fix
@example(value="9999-12-31T23:59:59+00:00", tz=ZoneInfo("Asia/Tokyo"))
def test_versatile_datetime_resolves_or_says_why(value: object, tz: ZoneInfo) -> None:
    try:
        result = resolve(value, tz=tz, now=NOW)  # type: ignore[arg-type]
    except ValueError:
        return
    assert result is None or result.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(
    expression=st.one_of(
        st.text(max_size=30),
        st.lists(
            st.sampled_from(
                [
                    "*",
                    "*/5",
                    "0",
                    "59",
                    "61",
                    "1-5",
                    "5-1",
                    "MON",
                    "jan",
                    "L",
                    "?",
                    "1,2,3",
                    "*/0",
                    "-1",
                    "H",
                    "#",
                ]
            ),
            min_size=1,
            max_size=8,
        ).map(" ".join),
    ),
    count=st.integers(-2, 3),
    start=st.none() | st.text(max_size=12),
)
def test_cron_config_accepts_or_reports(expression: str, count: int, start: str | None) -> None:
    from eventum_input_cron import CronConfig

    with contextlib.suppress(ValidationError):
        CronConfig.model_validate(
            {"expression": expression, "count": count, "start": start}, context=CONTEXT
        )


pattern_docs = st.fixed_dictionaries(
    {},
    optional={
        "label": values,
        "oscillator": st.fixed_dictionaries(
            {},
            optional={
                "period": scalars,
                "unit": st.sampled_from(["hours", "days", "weeks", "fortnights"]) | scalars,
                "start": scalars,
                "end": scalars,
            },
        )
        | values,
        "multiplier": st.fixed_dictionaries({}, optional={"ratio": scalars}) | values,
        "randomizer": st.fixed_dictionaries(
            {},
            optional={"deviation": scalars, "direction": scalars, "sampling": scalars},
        ),
        "spreader": st.fixed_dictionaries(
            {},
            optional={
                "distribution": st.sampled_from(["uniform", "triangular", "beta", "x"]),
                "parameters": st.dictionaries(
                    st.sampled_from(["low", "high", "left", "mode", "right", "a", "b"]), scalars
                ),
            },
        ),
        "oscillator.period": scalars,
    },
)


@FAST
@given(doc=pattern_docs | values, raw=st.none() | st.text(max_size=80))
def test_time_pattern_files_load_or_say_why(tmp_path: Path, doc: object, raw: str | None) -> None:
    from eventum_input_time_patterns import TimePatternsConfig

    path = tmp_path / "p.yml"
    path.write_text(raw if raw is not None else yaml.safe_dump(doc, allow_unicode=True))
    with contextlib.suppress(ValidationError):
        TimePatternsConfig.model_validate(
            {"patterns": ["p.yml"]}, context=validation_context(tmp_path, now=NOW)
        )


def _formatters() -> list[tuple[str, dict]]:
    return [
        ("plain", {}),
        ("json", {}),
        ("json", {"indent": 2}),
        ("json-batch", {}),
        ("eventum-http-input", {}),
        ("template", {"template": "{{ event }}|{{ event | length }}"}),
        ("template-batch", {"template": "{{ events | join(',') }}"}),
        ("syslog", {}),
        ("syslog", {"rfc": 3164, "framing": "octet-counting", "timestamp_field": "ts"}),
        ("syslog", {"timestamp_pattern": r"^(?P<timestamp>\S+)"}),
    ]


events = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.builds(json.dumps, values),
        st.builds(lambda t: json.dumps({"ts": t, "m": "x"}), st.text(max_size=30)),
    ),
    max_size=8,
)


@pytest.mark.parametrize(("name", "options"), _formatters(), ids=lambda v: str(v)[:20])
def test_formatters_never_raise(tmp_path: Path, name: str, options: dict) -> None:
    from eventum_core.discovery import Registry

    cls = Registry().load("formatter", name)
    context = PluginContext(
        generator_id="t",
        kind="formatter",
        name=name,
        index=0,
        base_path=tmp_path,
        timezone=UTC,
        started_at=NOW,
    )
    formatter = cls(
        cls.Config.model_validate(options, context=validation_context(tmp_path)), context
    )

    @settings(max_examples=100, deadline=None)
    @given(batch=events)
    def check(batch: list[str]) -> None:
        result = formatter.format(batch)
        assert result.events == len(batch)
        assert 0 <= result.failed <= len(batch)
        assert all(isinstance(item, str) for item in result.items)

    check()


def test_the_loader_errors_are_user_errors() -> None:
    with pytest.raises(UserError):
        check_config_text(b"input: [", reraise=True)
