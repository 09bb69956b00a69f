"""The `timer` input's config."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import Field, ValidationInfo, model_validator

from eventum_core import InputConfig, VersatileDatetime, clock_from, resolve_span


class TimerConfig(InputConfig):
    """Every `seconds` after `start`, `count` timestamps; `repeat` periods, or forever if None."""

    seconds: float = Field(ge=0.1, allow_inf_nan=False)
    count: int = Field(ge=1)
    start: VersatileDatetime = None
    repeat: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Self:
        # Fail at load, not at start: 'never' as start, or a period no datetime can hold.
        tz, now = clock_from(info)
        resolve_span(self.start, None, tz=tz, now=now)
        try:
            timedelta(seconds=self.seconds)
        except OverflowError:
            raise ValueError(f"seconds is too large: {self.seconds}") from None
        return self

    @property
    def period(self) -> timedelta:
        """`seconds` as a timedelta (rounded to the microsecond)."""
        return timedelta(seconds=self.seconds)
