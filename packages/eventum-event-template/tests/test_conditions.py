from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from eventum_event_template.conditions import CheckContext, Condition
from eventum_event_template.state import GLOBAL_STATE, State

ADAPTER = TypeAdapter(Condition)
TS = datetime(2024, 6, 15, 12, 30, 0, tzinfo=UTC)


@pytest.fixture
def ctx() -> CheckContext:
    local, shared = State(), State()
    local.update({"n": 5, "s": "error: disk", "items": [1, 2, 3], "none": None})
    shared.set("role", "admin")
    GLOBAL_STATE.set("cond_test_flag", True)
    return CheckContext(TS, ("web", "prod"), {"locals": local, "shared": shared,
                                              "globals": GLOBAL_STATE})  # fmt: skip


CASES = [
    ({"eq": {"locals.n": 5}}, True),
    ({"eq": {"shared.role": "user"}}, False),
    ({"eq": {"globals.cond_test_flag": True}}, True),
    ({"gt": {"locals.n": 4}}, True),
    ({"gt": {"locals.n": 5}}, False),
    ({"ge": {"locals.n": 5}}, True),
    ({"lt": {"locals.n": 5}}, False),
    ({"lt": {"locals.n": 6.5}}, True),
    ({"le": {"locals.n": 5}}, True),
    ({"len_eq": {"locals.items": 3}}, True),
    ({"len_gt": {"locals.items": 3}}, False),
    ({"len_ge": {"locals.items": 3}}, True),
    ({"len_lt": {"locals.items": 4}}, True),
    ({"len_le": {"locals.items": 2}}, False),
    ({"contains": {"locals.items": 2}}, True),
    ({"contains": {"locals.s": "disk"}}, True),
    ({"in": {"shared.role": ["admin", "root"]}}, True),
    ({"in": {"locals.n": [1, 2]}}, False),
    ({"matches": {"locals.s": r"error:\s+\w+"}}, True),
    ({"matches": {"locals.s": "disk"}}, False),  # re.match anchors at the start
    ({"matches": {"locals.n": "5"}}, False),  # not a string
    ({"defined": "locals.none"}, True),
    ({"defined": "locals.missing"}, False),
    ({"has_tags": "web"}, True),
    ({"has_tags": ["web", "prod"]}, True),
    ({"has_tags": ["web", "dev"]}, False),
    ({"before": {"hour": 13}}, True),
    ({"before": {"hour": 12, "minute": 30}}, False),
    ({"after": {"hour": 12, "minute": 30}}, True),
    ({"after": {"day": 16}}, False),
    ({"always": None}, True),
    ({"never": None}, False),
    ({"and": [{"eq": {"locals.n": 5}}, {"has_tags": "web"}]}, True),
    ({"and": [{"eq": {"locals.n": 5}}, {"never": None}]}, False),
    ({"or": [{"never": None}, {"gt": {"locals.n": 1}}]}, True),
    ({"or": [{"never": None}, {"never": None}]}, False),
    ({"not": {"never": None}}, True),
    ({"not": {"and": [{"always": None}, {"not": {"never": None}}]}}, False),
]


@pytest.mark.parametrize(("condition", "expected"), CASES)
def test_condition(ctx, condition, expected):
    assert ADAPTER.validate_python(condition).check(ctx) is expected


@pytest.mark.parametrize("key", ["eq", "gt", "len_eq", "contains", "in"])
def test_missing_or_none_value_is_false(ctx, key):
    assert ADAPTER.validate_python({key: {"locals.missing": 1}}).check(ctx) is False
    assert ADAPTER.validate_python({key: {"locals.none": 1}}).check(ctx) is False


def test_type_error_is_false(ctx):
    assert ADAPTER.validate_python({"gt": {"shared.role": 3}}).check(ctx) is False
    assert ADAPTER.validate_python({"len_eq": {"locals.n": 3}}).check(ctx) is False


def test_day_that_does_not_exist_is_false(ctx):
    ctx.timestamp = datetime(2024, 2, 10, tzinfo=UTC)
    assert ADAPTER.validate_python({"before": {"day": 31}}).check(ctx) is False


@pytest.mark.parametrize(
    "bad",
    [
        {"eq": {"x": 1}},  # field without a scope
        {"eq": {"locals.a": 1, "locals.b": 2}},  # two fields
        {"gt": {"locals.a": "text"}},
        {"or": [{"always": None}]},  # fewer than two
        {"before": {}},
        {"matches": {"locals.a": "("}},  # bad regex
        {"unknown": 1},
        {"eq": {"locals.a": 1}, "gt": {"locals.a": 1}},
    ],
)
def test_invalid_conditions_are_rejected(bad):
    with pytest.raises((ValidationError, ValueError)):
        ADAPTER.validate_python(bad)


def test_hour_zero_counts_as_given():
    assert ADAPTER.validate_python({"after": {"hour": 0}})
