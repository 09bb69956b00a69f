"""The `linspace` input's config."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from eventum_core import InputConfig, VersatileDatetime, clock_from, resolve_span


class LinspaceConfig(InputConfig):
    """`count` timestamps evenly spaced over [start, end], `end` itself included if `endpoint`."""

    start: VersatileDatetime
    end: VersatileDatetime
    count: int = Field(ge=1)
    endpoint: bool = True

    @field_validator("start", "end")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("a date and time is required here")
        return value

    @model_validator(mode="after")
    def _check_span(self, info: ValidationInfo) -> Self:
        tz, now = clock_from(info)
        _, end = resolve_span(self.start, self.end, tz=tz, now=now)
        if end is None:
            raise ValueError("end cannot be 'never': the range must be finite")
        return self
