"""Config of the `replay` event plugin."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from eventum_core import Encoding, ExistingFile, PluginConfig


class ReplayEventConfig(PluginConfig):
    """Replay the lines of `path`, one per timestamp, optionally putting in the new timestamp."""

    path: ExistingFile
    timestamp_pattern: str | None = None
    timestamp_format: str | None = None
    repeat: bool = False
    chunk_size: int = Field(default=1_048_576, ge=0)
    encoding: Encoding = "utf_8"

    @field_validator("timestamp_pattern")
    @classmethod
    def _has_timestamp_group(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            pattern = re.compile(value)
        except re.error as error:
            raise ValueError(f"invalid regular expression: {error}") from error
        if "timestamp" not in pattern.groupindex:
            raise ValueError("the pattern needs a named group `(?P<timestamp>...)`")
        return value
