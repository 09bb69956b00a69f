"""The `static` input's config."""

from __future__ import annotations

from pydantic import Field

from eventum_core import InputConfig


class StaticConfig(InputConfig):
    """`count` timestamps, all at the moment generation starts."""

    count: int = Field(gt=0)
