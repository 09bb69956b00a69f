"""Config of the `replay` event plugin."""

from __future__ import annotations

from pydantic import Field

from eventum_core import Encoding, ExistingFile, PluginConfig, TimestampPattern


class ReplayEventConfig(PluginConfig):
    """Replay the lines of `path`, one per timestamp, optionally putting in the new timestamp."""

    path: ExistingFile
    timestamp_pattern: TimestampPattern | None = None
    timestamp_format: str | None = None
    repeat: bool = False
    chunk_size: int = Field(default=1_048_576, ge=0)
    encoding: Encoding = "utf_8"
