"""`template` and `template-batch` output formatters: a plain Jinja template per event (`event`)
or per batch (`events`), without the event plugin's globals."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from jinja2 import Environment, FileSystemLoader, Template, TemplateError, TemplateSyntaxError
from pydantic import Field, model_validator

from eventum_core import ConfigError, Formatted, PluginConfig, PluginContext, ResolvedPath


class TemplateFormatterConfig(PluginConfig):
    """Exactly one of `template` (the text) and `template_path` (relative to the generator)."""

    template: str | None = Field(default=None, min_length=1)
    template_path: ResolvedPath | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TemplateFormatterConfig:
        if (self.template is None) == (self.template_path is None):
            raise ValueError("give exactly one of 'template' and 'template_path'")
        return self


def _load(config: TemplateFormatterConfig, context: PluginContext) -> Template:
    path: Path | None = None
    try:
        if config.template is not None:
            return Environment().from_string(config.template)
        path = context.resolve_path(config.template_path)  # type: ignore[arg-type]
        env = Environment(loader=FileSystemLoader([str(path.parent), str(context.base_path)]))
        return env.get_template(path.name)
    except TemplateSyntaxError as error:
        where = f"{path}, line {error.lineno}" if path else f"line {error.lineno}"
        raise ConfigError(f"formatter template: syntax error in {where}: {error.message}") from None
    except TemplateError as error:
        raise ConfigError(f"formatter template {path}: {error}") from None


class TemplateFormatter:
    """Each event rendered with the template; the event is the variable `event`."""

    Config: ClassVar[type[PluginConfig]] = TemplateFormatterConfig
    parallel_safe: ClassVar[bool] = True

    def __init__(self, config: TemplateFormatterConfig, context: PluginContext) -> None:
        self._template = _load(config, context)
        self._log = context.logger

    def format(self, events: Sequence[str]) -> Formatted:
        render = self._template.render
        items: list[str] = []
        failed = 0
        for event in events:
            try:
                items.append(render(event=event))
            except Exception as error:
                failed += 1
                if failed == 1:
                    self._log.warning(
                        "cannot format event", reason=f"{type(error).__name__}: {error}"
                    )
        return Formatted(items, len(events), failed)


class TemplateBatchFormatter:
    """The whole batch rendered as one item; the events are the variable `events`."""

    Config: ClassVar[type[PluginConfig]] = TemplateFormatterConfig
    parallel_safe: ClassVar[bool] = True

    def __init__(self, config: TemplateFormatterConfig, context: PluginContext) -> None:
        self._template = _load(config, context)
        self._log = context.logger

    def format(self, events: Sequence[str]) -> Formatted:
        if not events:
            return Formatted([], 0)
        try:
            return Formatted([self._template.render(events=list(events))], len(events))
        except Exception as error:
            self._log.warning("cannot format batch", reason=f"{type(error).__name__}: {error}")
            return Formatted([], len(events), len(events))
