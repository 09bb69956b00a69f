"""How a generator runs (not what it generates): Eventum's `GeneratorParameters`.

The same fields come from `eventum generate` options, eventum.yml `generation:` and startup.yml
entries, with Eventum's names and defaults.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BatchSettings(_Model):
    """`size` caps a batch; `delay` is kept for compatibility (see ARCHITECTURE.md, Batching).

    Eventum's rule: 10000 / 1.0 when neither is given; if only one is given the other is None.
    """

    size: int | None = Field(default=None, ge=1)
    delay: float | None = Field(default=None, ge=0.1)

    @model_validator(mode="before")
    @classmethod
    def _defaults_as_a_pair(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("size") is None and data.get("delay") is None:
            return {**data, "size": 10000, "delay": 1.0}
        return data


class QueueSettings(_Model):
    max_timestamp_batches: int = Field(default=10, ge=1)
    max_event_batches: int = Field(default=10, ge=1)
    max_event_bytes: int | None = Field(default=268_435_456, ge=1)  # null: unlimited (Eventum 2.8)


class SegmentSettings(_Model):
    """This process's share of a run split over `count` processes: timestamp batches `index`,
    `index + count`, `index + 2 * count`, ... Written `INDEX/COUNT` (`0/4`). In live mode each
    segment releases its batches at their timestamps, so the segments share the rate."""

    index: int = Field(ge=0)
    count: int = Field(ge=1)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        index, slash, count = data.partition("/")
        if not (slash and index.strip().isdigit() and count.strip().isdigit()):
            raise ValueError(f"expected INDEX/COUNT like 0/4 (got {data!r})")
        return {"index": int(index), "count": int(count)}

    @model_validator(mode="after")
    def _index_below_count(self) -> SegmentSettings:
        if self.index >= self.count:
            raise ValueError(f"index {self.index} must be below the count {self.count}")
        return self


class GenerationSettings(_Model):
    """The `generation:` section of eventum.yml; also the base of each generator's parameters."""

    timezone: str = Field(default="UTC", min_length=3)
    batch: BatchSettings = BatchSettings()
    queue: QueueSettings = QueueSettings()
    keep_order: bool = False
    max_concurrency: int = Field(default=100, ge=1)
    write_timeout: float = Field(default=10, ge=1)
    workers: int | Literal["auto"] = Field(default="auto")

    @field_validator("workers")
    @classmethod
    def _positive(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("must be 1 or more, or 'auto'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class GeneratorParameters(GenerationSettings):
    """One generator to run: which file, in which mode, with which params."""

    id: str = Field(min_length=1)
    path: Path
    live_mode: bool = True
    skip_past: bool = True
    params: dict[str, Any] = {}
    seed: int | None = None
    max_events: int | None = Field(default=None, ge=1)
    max_duration: float | None = Field(default=None, gt=0)
    now: datetime | None = None  # the run's "now" (relative times, static); naive: in timezone
    segment: SegmentSettings | None = None
    run_id: str | None = Field(default=None, min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")

    @field_validator("segment")
    @classmethod
    def _segments_agree(
        cls, value: SegmentSettings | None, info: ValidationInfo
    ) -> SegmentSettings | None:
        """Segments of one run must compute the same timestamps and random streams."""
        if value is None or value.count == 1:
            return value
        data = info.data
        missing = [name for name in ("seed", "now") if data.get(name) is None]
        if missing:
            raise ValueError(
                f"every segment of a run needs the same seed and now: set {' and '.join(missing)}"
            )
        if data.get("workers") == "auto" and not data.get("live_mode", True):
            raise ValueError(
                "every segment of a run needs the same workers: set a number "
                "(auto follows each machine's cores)"
            )
        return value

    @property
    def started_at(self) -> datetime | None:
        """`now` in the generator's timezone, if it is fixed."""
        if self.now is None:
            return None
        if self.now.tzinfo is None:
            return self.now.replace(tzinfo=self.zone)
        return self.now.astimezone(self.zone)
