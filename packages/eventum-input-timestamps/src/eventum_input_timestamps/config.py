"""The `timestamps` input's config: a list inline, or a file with one timestamp per line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Discriminator, PrivateAttr, Tag, model_validator

from eventum_core import ExistingFile, InputConfig


def _source_kind(value: Any) -> str:
    # Choosing the branch up front keeps errors about the branch the user meant.
    return "inline" if isinstance(value, list | tuple) else "file"


Source = Annotated[
    Annotated[list[datetime], Tag("inline")] | Annotated[ExistingFile, Tag("file")],
    Discriminator(_source_kind),
]


def read_timestamps(path: Path) -> list[datetime]:
    """The ISO 8601 timestamps of a file, one a line, blank lines skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    values: list[datetime] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            values.append(datetime.fromisoformat(line))
        except ValueError:
            raise ValueError(
                f"{path}, line {number}: {line!r} is not an ISO 8601 timestamp"
            ) from None
    return values


class TimestampsConfig(InputConfig):
    """`source`: a list of timestamps, or a path (relative to the generator folder) to a file."""

    source: Source
    _values: tuple[datetime, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _load(self) -> Self:
        # The file is read once, here, so a bad line fails at load, not when generation starts.
        if isinstance(self.source, Path):
            values = read_timestamps(self.source)
            if not values:
                raise ValueError(f"{self.source} holds no timestamps")
        else:
            values = self.source
            if not values:
                raise ValueError("source is an empty list: give at least one timestamp")
        self._values = tuple(values)
        return self

    @property
    def values(self) -> tuple[datetime, ...]:
        """The timestamps as written; naive ones are in the generator's timezone."""
        return self._values
