"""FSM transition conditions: single-key objects checked against state, tags and timestamp."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

from eventum_core import get_logger
from eventum_event_template.state import State

_log = get_logger()

StateField = Annotated[str, StringConstraints(pattern=r"^(locals|shared|globals)\..+$")]
"""`locals.x`, `shared.x` or `globals.x`; `locals` is the state of the last rendered template."""


@dataclass(slots=True)
class CheckContext:
    """What conditions see when the FSM picks the next template."""

    timestamp: datetime
    tags: tuple[str, ...]
    states: dict[str, State]

    def value(self, field: str, default: Any = None) -> Any:
        scope, key = field.split(".", 1)
        return self.states[scope].get(key, default)


class _Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def check(self, ctx: CheckContext) -> bool:
        raise NotImplementedError


def _compare(
    op: Callable[[Any, Any], bool], name: str, field: str, target: Any, ctx: CheckContext
) -> bool:
    value = ctx.value(field)
    if value is None:
        _log.warning("fsm condition compares a missing or None value", check=name, field=field)
        return False
    try:
        return bool(op(value, target))
    except TypeError as error:
        _log.warning("fsm condition cannot compare", check=name, field=field, reason=str(error))
        return False


class _FieldCheck(_Condition):
    """A `{op: {field: value}}` check; subclasses name the key and the operator."""

    key: ClassVar[str]
    op: ClassVar[Callable[[Any, Any], bool]]

    def check(self, ctx: CheckContext) -> bool:
        mapping: dict[str, Any] = getattr(self, self.key if self.key != "in" else "in_")
        field, target = next(iter(mapping.items()))
        return _compare(type(self).op, self.key, field, target, ctx)


def _single(**kw: Any) -> Any:
    return Field(min_length=1, max_length=1, **kw)


def _is_in(value: Any, seq: Any) -> bool:
    return value in seq


def _len_op(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda value, n: op(len(value), n)


class Eq(_FieldCheck):
    key, op = "eq", operator.eq
    eq: dict[StateField, Any] = _single()


class Gt(_FieldCheck):
    key, op = "gt", operator.gt
    gt: dict[StateField, float | int] = _single()


class Ge(_FieldCheck):
    key, op = "ge", operator.ge
    ge: dict[StateField, float | int] = _single()


class Lt(_FieldCheck):
    key, op = "lt", operator.lt
    lt: dict[StateField, float | int] = _single()


class Le(_FieldCheck):
    key, op = "le", operator.le
    le: dict[StateField, float | int] = _single()


class LenEq(_FieldCheck):
    key, op = "len_eq", _len_op(operator.eq)
    len_eq: dict[StateField, int] = _single()


class LenGt(_FieldCheck):
    key, op = "len_gt", _len_op(operator.gt)
    len_gt: dict[StateField, int] = _single()


class LenGe(_FieldCheck):
    key, op = "len_ge", _len_op(operator.ge)
    len_ge: dict[StateField, int] = _single()


class LenLt(_FieldCheck):
    key, op = "len_lt", _len_op(operator.lt)
    len_lt: dict[StateField, int] = _single()


class LenLe(_FieldCheck):
    key, op = "len_le", _len_op(operator.le)
    len_le: dict[StateField, int] = _single()


class Contains(_FieldCheck):
    """The state value (a sequence) contains the given element."""

    key, op = "contains", operator.contains
    contains: dict[StateField, Any] = _single()


class In(_FieldCheck):
    """The state value is one of the given sequence."""

    key, op = "in", _is_in
    in_: dict[StateField, Any] = _single(alias="in")


class Matches(_Condition):
    """The state value is a string and `re.match`es the pattern."""

    matches: dict[StateField, str] = _single()

    @field_validator("matches")
    @classmethod
    def _valid_regex(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"invalid regular expression {pattern!r}: {error}") from None
        return value

    def check(self, ctx: CheckContext) -> bool:
        field, pattern = next(iter(self.matches.items()))
        value = ctx.value(field)
        return isinstance(value, str) and re.match(pattern, value) is not None


_UNSET = object()


class Defined(_Condition):
    defined: StateField

    def check(self, ctx: CheckContext) -> bool:
        return ctx.value(self.defined, _UNSET) is not _UNSET


class HasTags(_Condition):
    """Every given tag is among the tags of the timestamp's input."""

    has_tags: str | list[str] = Field(min_length=1)

    def check(self, ctx: CheckContext) -> bool:
        wanted = [self.has_tags] if isinstance(self.has_tags, str) else self.has_tags
        return all(tag in ctx.tags for tag in wanted)


class TimeParts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int | None = Field(default=None, ge=1, le=9999)
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    hour: int | None = Field(default=None, ge=0, lt=24)
    minute: int | None = Field(default=None, ge=0, lt=60)
    second: int | None = Field(default=None, ge=0, lt=60)
    microsecond: int | None = Field(default=None, ge=0, lt=1_000_000)

    @model_validator(mode="after")
    def _some(self) -> TimeParts:
        if not self.model_dump(exclude_none=True):
            raise ValueError("at least one of year..microsecond must be given")
        return self

    def target(self, ts: datetime) -> datetime | None:
        try:
            return ts.replace(**self.model_dump(exclude_none=True))
        except ValueError:  # e.g. day 31 in a 30-day month
            return None


class Before(_Condition):
    """The timestamp is before itself with the given parts replaced."""

    before: TimeParts

    def check(self, ctx: CheckContext) -> bool:
        target = self.before.target(ctx.timestamp)
        return target is not None and ctx.timestamp < target


class After(_Condition):
    """The timestamp is at or after itself with the given parts replaced."""

    after: TimeParts

    def check(self, ctx: CheckContext) -> bool:
        target = self.after.target(ctx.timestamp)
        return target is not None and ctx.timestamp >= target


class Always(_Condition):
    always: None = None

    def check(self, ctx: CheckContext) -> bool:
        return True


class Never(_Condition):
    never: None = None

    def check(self, ctx: CheckContext) -> bool:
        return False


class Or(_Condition):
    or_: list[Condition] = Field(min_length=2, alias="or")

    def check(self, ctx: CheckContext) -> bool:
        return any(c.check(ctx) for c in self.or_)


class And(_Condition):
    and_: list[Condition] = Field(min_length=2, alias="and")

    def check(self, ctx: CheckContext) -> bool:
        return all(c.check(ctx) for c in self.and_)


class Not(_Condition):
    not_: Condition = Field(alias="not")

    def check(self, ctx: CheckContext) -> bool:
        return not self.not_.check(ctx)


_KINDS: dict[str, type[_Condition]] = {
    "eq": Eq, "gt": Gt, "ge": Ge, "lt": Lt, "le": Le,
    "len_eq": LenEq, "len_gt": LenGt, "len_ge": LenGe, "len_lt": LenLt, "len_le": LenLe,
    "contains": Contains, "in": In, "matches": Matches, "defined": Defined,
    "has_tags": HasTags, "before": Before, "after": After, "always": Always, "never": Never,
    "or": Or, "and": And, "not": Not,
}  # fmt: skip


def _kind(value: Any) -> str | None:
    """The condition's single key, which selects its model."""
    if isinstance(value, dict):
        return next(iter(value)) if len(value) == 1 else None
    for key, model in _KINDS.items():
        if isinstance(value, model):
            return key
    return None


Condition = Annotated[
    Annotated[Eq, Tag("eq")] | Annotated[Gt, Tag("gt")] | Annotated[Ge, Tag("ge")]
    | Annotated[Lt, Tag("lt")] | Annotated[Le, Tag("le")]
    | Annotated[LenEq, Tag("len_eq")] | Annotated[LenGt, Tag("len_gt")]
    | Annotated[LenGe, Tag("len_ge")] | Annotated[LenLt, Tag("len_lt")]
    | Annotated[LenLe, Tag("len_le")] | Annotated[Contains, Tag("contains")]
    | Annotated[In, Tag("in")] | Annotated[Matches, Tag("matches")]
    | Annotated[Defined, Tag("defined")] | Annotated[HasTags, Tag("has_tags")]
    | Annotated[Before, Tag("before")] | Annotated[After, Tag("after")]
    | Annotated[Always, Tag("always")] | Annotated[Never, Tag("never")]
    | Annotated[Or, Tag("or")] | Annotated[And, Tag("and")] | Annotated[Not, Tag("not")],
    Discriminator(
        _kind,
        custom_error_type="invalid_condition",
        custom_error_message=f"a condition is an object with one key of: {', '.join(_KINDS)}",
    ),
]  # fmt: skip

for _model in (Or, And, Not):
    _model.model_rebuild()
