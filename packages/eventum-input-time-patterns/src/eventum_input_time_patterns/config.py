"""The `time_patterns` input's config."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from eventum_core import ExistingFile, InputConfig
from eventum_input_time_patterns.pattern import load_pattern


class TimePatternsConfig(InputConfig):
    """Pattern files (relative to the generator folder), merged chronologically."""

    patterns: list[ExistingFile] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _patterns_valid(cls, value: list[ExistingFile], info: ValidationInfo) -> list[ExistingFile]:
        for path in value:
            load_pattern(path, info.context)
        return value
