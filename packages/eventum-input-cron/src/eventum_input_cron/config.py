"""The `cron` input's config."""

from __future__ import annotations

from croniter import croniter
from pydantic import Field, ValidationInfo, field_validator, model_validator

from eventum_core import InputConfig, VersatileDatetime, clock_from, resolve_span


class CronConfig(InputConfig):
    """`count` timestamps at each tick of `expression` between `start` and `end` (inclusive)."""

    expression: str = Field(min_length=1)
    count: int = Field(gt=0)
    start: VersatileDatetime = None
    end: VersatileDatetime = None

    @field_validator("expression")
    @classmethod
    def _valid_expression(cls, value: str) -> str:
        try:
            croniter(value)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"invalid cron expression {value!r}: {exc} (fields: minute hour day-of-month "
                "month day-of-week [second] [year])"
            ) from None
        return value

    @model_validator(mode="after")
    def _span_in_order(self, info: ValidationInfo) -> CronConfig:
        tz, now = clock_from(info)
        resolve_span(self.start, self.end, tz=tz, now=now)
        return self
