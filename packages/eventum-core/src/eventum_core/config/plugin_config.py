"""Base models for plugin configs, and field types that resolve against the generator folder."""

from __future__ import annotations

import codecs
import re
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any, TypedDict

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo


class ValidationContext(TypedDict):
    """What core passes to every plugin config's validators (`model_validate(context=...)`):
    the generator.yml folder paths resolve against, the generator's timezone and start time.
    Tests build one with `eventum_core.testing.validation_context`."""

    base_path: Path
    timezone: tzinfo
    now: datetime


def _resolve(value: Path, info: ValidationInfo) -> Path:
    value = value.expanduser()
    base = (info.context or {}).get("base_path")
    if value.is_absolute() or base is None:
        return value
    return Path(base) / value


def _existing_file(value: Path) -> Path:
    if not value.exists():
        raise ValueError(f"file does not exist: {value}")
    if not value.is_file():
        raise ValueError(f"not a file: {value}")
    return value


def _text_codec(value: str) -> str:
    try:
        codecs.lookup(value)
        "a".encode(value)  # rejects bytes-to-bytes codecs such as base64
    except (LookupError, TypeError, ValueError) as error:
        raise ValueError(f"unknown text encoding: {value!r}") from error
    return value


def _timestamp_pattern(value: str) -> str:
    try:
        pattern = re.compile(value)
    except re.error as error:
        raise ValueError(f"invalid regular expression: {error}") from error
    if "timestamp" not in pattern.groupindex:
        raise ValueError("the pattern needs a named group `(?P<timestamp>...)`")
    return value


ResolvedPath = Annotated[Path, AfterValidator(_resolve)]
"""A path; a relative one is taken from the folder of generator.yml."""

ExistingFile = Annotated[Path, AfterValidator(_resolve), AfterValidator(_existing_file)]
"""A path to a file that must exist when the config is loaded."""

Encoding = Annotated[str, AfterValidator(_text_codec)]
"""The name of a text codec Python knows (`utf_8`, `latin-1`, ...)."""

TimestampPattern = Annotated[str, AfterValidator(_timestamp_pattern)]
"""A regular expression with a `(?P<timestamp>...)` group: where a line's timestamp is."""


class PluginConfig(BaseModel):
    """Base of every plugin config: unknown fields are errors, values never change after load."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class InputConfig(PluginConfig):
    """Base of input plugin configs: every input may tag the events its timestamps produce."""

    tags: tuple[str, ...] = ()


class FormatterSpec(BaseModel):
    """`formatter:` of an output: the `format` name plus that formatter's own options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    format: str = Field(min_length=1)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class RetryPolicy(PluginConfig):
    """How core retries a write that failed for a reason that may pass (timeout, 503, reset).

    Exponential backoff with full jitter from `initial_delay`, capped at `max_delay`; at most
    `attempts` tries and `max_time` seconds in all. Permanent failures are never retried.
    """

    attempts: int = Field(default=5, ge=1)
    initial_delay: float = Field(default=0.5, gt=0)
    max_delay: float = Field(default=30, gt=0)
    max_time: float = Field(default=300, gt=0)


class OutputConfig(PluginConfig):
    """Base of output plugin configs. Override `formatter`'s default to change the format.

    `retry`, `dead_letter` and `concurrency` are core's delivery settings, the same for every
    output: events that finally fail go to the `dead_letter` file (JSON lines) when one is set,
    and `concurrency` caps this output's writes in flight (else the generator's
    `max_concurrency`).
    """

    formatter: FormatterSpec = FormatterSpec(format="plain")
    retry: RetryPolicy = RetryPolicy()
    dead_letter: ResolvedPath | None = None
    concurrency: int | None = Field(default=None, ge=1)
