"""Base models for plugin configs, and field types that resolve against the generator folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo


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


class OutputConfig(PluginConfig):
    """Base of output plugin configs. Override `formatter`'s default to change the format."""

    formatter: FormatterSpec = FormatterSpec(format="plain")


def _base_path(info: ValidationInfo) -> Path | None:
    context = info.context or {}
    base = context.get("base_path")
    return Path(base) if base is not None else None


def _resolve(value: Path, info: ValidationInfo) -> Path:
    value = value.expanduser()
    base = _base_path(info)
    if value.is_absolute() or base is None:
        return value
    return base / value


def _existing_file(value: Path) -> Path:
    if not value.exists():
        raise ValueError(f"file does not exist: {value}")
    if not value.is_file():
        raise ValueError(f"not a file: {value}")
    return value


ResolvedPath = Annotated[Path, AfterValidator(_resolve)]
"""A path; a relative one is taken from the folder of generator.yml."""

ExistingFile = Annotated[Path, AfterValidator(_resolve), AfterValidator(_existing_file)]
"""A path to a file that must exist when the config is loaded."""
