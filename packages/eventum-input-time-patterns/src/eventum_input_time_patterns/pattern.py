"""The time-pattern file format and its loading: one YAML file per pattern."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from eventum_core import VersatileDatetime, clock_from, resolve_span


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Unit = Literal["weeks", "days", "hours", "minutes", "seconds", "milliseconds", "microseconds"]
"""Units of the oscillator period (the names `datetime.timedelta` takes)."""


class Oscillator(_Model):
    """The period the range [start, end) is cut into."""

    period: float = Field(gt=0)
    unit: Unit
    start: VersatileDatetime = Field()
    end: VersatileDatetime = Field()

    @property
    def duration(self) -> timedelta:
        return timedelta(**{self.unit: self.period})

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Oscillator:
        if self.start is None or self.end is None:
            raise ValueError("start and end must both be set")
        if self.duration < timedelta(microseconds=1):
            raise ValueError("period must be at least one microsecond")
        tz, now = clock_from(info)
        resolve_span(self.start, self.end, tz=tz, now=now)
        return self


class Multiplier(_Model):
    """Events per period before the randomizer."""

    ratio: int = Field(ge=1)


class Randomizer(_Model):
    """How far, and which way, the number of events per period may stray from `ratio`."""

    deviation: float = Field(ge=0, le=1)
    direction: Literal["decrease", "increase", "mixed"]
    sampling: int = Field(default=1024, ge=16)

    @property
    def bounds(self) -> tuple[float, float]:
        low = 1 - self.deviation if self.direction != "increase" else 1.0
        high = 1 + self.deviation if self.direction != "decrease" else 1.0
        return low, high


class UniformParameters(_Model):
    low: float = Field(ge=0, lt=1)
    high: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> UniformParameters:
        if self.low >= self.high:
            raise ValueError("low must be less than high")
        return self


class TriangularParameters(_Model):
    left: float = Field(ge=0, lt=1)
    mode: float = Field(ge=0, le=1)
    right: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> TriangularParameters:
        if not self.left <= self.mode <= self.right:
            raise ValueError("left <= mode <= right must hold")
        if self.left == self.right:
            raise ValueError("left, mode and right cannot all be equal")
        return self


class BetaParameters(_Model):
    # Eventum accepted 0, which numpy's beta rejects at generation time.
    a: float = Field(gt=0)
    b: float = Field(gt=0)


class UniformSpreader(_Model):
    distribution: Literal["uniform"]
    parameters: UniformParameters


class TriangularSpreader(_Model):
    distribution: Literal["triangular"]
    parameters: TriangularParameters


class BetaSpreader(_Model):
    distribution: Literal["beta"]
    parameters: BetaParameters


Spreader = Annotated[
    UniformSpreader | TriangularSpreader | BetaSpreader, Field(discriminator="distribution")
]


class TimePattern(_Model):
    """One pattern file: its events spread over periods of the oscillator."""

    label: str = Field(min_length=1)
    oscillator: Oscillator
    multiplier: Multiplier
    randomizer: Randomizer
    spreader: Spreader
    tags: tuple[str, ...] = ()


def load_pattern(path: Path, context: dict[str, Any] | None) -> TimePattern:
    """Read and validate one pattern file; any problem is a ValueError naming file and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"time pattern {path}: cannot read: {exc}") from None
    except yaml.MarkedYAMLError as exc:  # one line: where, and what is wrong
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ValueError(
            f"time pattern {where}: invalid YAML: {exc.problem or exc.context}"
        ) from None
    except yaml.YAMLError as exc:
        raise ValueError(f"time pattern {path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"time pattern {path}: expected a mapping of fields")
    try:
        return TimePattern.model_validate(expand_dotted(data), context=context)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or '(top)'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        raise ValueError(f"time pattern {path}: {problems}") from None
    except ValueError as exc:  # a dotted-key conflict
        raise ValueError(f"time pattern {path}: {exc}") from None


def expand_dotted(value: Any) -> Any:
    """Mappings with `a.b: x` keys turned into nested `a: {b: x}`, at any depth."""
    if isinstance(value, list):
        return [expand_dotted(item) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[Any, Any] = {}
    for key, item in value.items():
        parts = key.split(".") if isinstance(key, str) else [key]
        nested: Any = expand_dotted(item)
        for part in reversed(parts[1:]):
            nested = {part: nested}
        _merge(result, parts[0], nested, str(key))
    return result


def _merge(target: dict[Any, Any], key: Any, value: Any, written: str) -> None:
    if key not in target:
        target[key] = value
    elif isinstance(target[key], dict) and isinstance(value, dict):
        for inner_key, inner_value in value.items():
            _merge(target[key], inner_key, inner_value, written)
    else:
        raise ValueError(f"key {written!r} sets a field that is already set")
