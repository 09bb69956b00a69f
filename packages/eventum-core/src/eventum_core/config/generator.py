"""Loading a generator.yml into a validated plan: every plugin found and its config checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.locations import LineIndex, describe
from eventum_core.config.plugin_config import InputConfig, OutputConfig, ValidationContext
from eventum_core.config.yaml_source import load_yaml_file
from eventum_core.context import PluginContext, PluginKind, Segment
from eventum_core.discovery import Registry
from eventum_core.errors import ConfigError
from eventum_core.protocols import EventPlugin, Formatter, InputPlugin, OutputPlugin, traits
from eventum_core.secrets import SecretResolver

CONFIG_FILENAME = "generator.yml"

P = TypeVar("P")
C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class PluginSpec(Generic[P, C]):
    """One plugin of a generator: its class, validated config, place in the file, and the
    traits its class declares (`protocols.traits`, read once here)."""

    kind: PluginKind
    name: str
    index: int
    cls: type[P]
    config: C
    traits: Mapping[str, bool] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "traits", traits(self.kind, self.cls))


InputSpec = PluginSpec[InputPlugin, BaseModel]
EventSpec = PluginSpec[EventPlugin, BaseModel]
FormatterPluginSpec = PluginSpec[Formatter, BaseModel]


@dataclass(frozen=True, slots=True)
class OutputSpec:
    plugin: PluginSpec[OutputPlugin, OutputConfig]
    formatter: FormatterPluginSpec


@dataclass(frozen=True, slots=True)
class GeneratorPlan:
    """A generator ready to run: nothing in it has been instantiated or opened yet."""

    parameters: GeneratorParameters
    source: Path
    base_path: Path
    started_at: datetime
    inputs: tuple[InputSpec, ...]
    event: EventSpec
    outputs: tuple[OutputSpec, ...]

    @property
    def input_tags(self) -> list[tuple[str, ...]]:
        """Each input's `tags`, by input index, as event plugins see them in a batch."""
        return [s.config.tags if isinstance(s.config, InputConfig) else () for s in self.inputs]

    def context(
        self,
        spec: PluginSpec[Any, Any],
        *,
        seed: int,
        live_mode: bool | None = None,
        logger: Any = None,
        run_id: str = "",
    ) -> PluginContext:
        """The context `spec`'s plugin is built with, in a run (live mode as the parameters
        say) or a preview (`live_mode=False`). Every segment computes the same timestamps;
        the event plugin's random streams are the segment's own, and an output knows its
        segment for the ids a rerun of it must repeat (ClickHouse tokens, Kafka transactions)."""
        p = self.parameters
        live = p.live_mode if live_mode is None else live_mode
        segment = p.segment if spec.kind in ("event", "output") else None
        return PluginContext(
            generator_id=p.id,
            kind=spec.kind,
            name=spec.name,
            index=spec.index,
            base_path=self.base_path,
            timezone=p.zone,
            started_at=self.started_at,
            live_mode=live,
            skip_past=live and p.skip_past,
            seed=seed,
            segment=Segment(segment.index, segment.count) if segment else Segment(),
            logger=logger,
            run_id=run_id,
        )


def find_config_file(path: Path) -> Path:
    """The generator.yml itself, or the one inside a generator folder."""
    if path.is_dir():
        return path / CONFIG_FILENAME
    return path


def load_plan(
    parameters: GeneratorParameters,
    *,
    registry: Registry,
    secrets: SecretResolver | None = None,
    now: datetime | None = None,
) -> GeneratorPlan:
    """Read, substitute, parse and validate a generator; raise `ConfigError` naming the place."""
    source = find_config_file(parameters.path).absolute()
    data, text = load_yaml_file(
        source, params=parameters.params, secrets=secrets, what="generator config"
    )
    lines = LineIndex(text)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with `input`, `event` and `output`")
    unknown = sorted(set(data) - {"input", "event", "output"})
    if unknown:
        raise ConfigError(
            f"{source}:{lines.line_of([unknown[0]]) or 1}: {unknown[0]}: unknown section "
            "(expected input, event, output)"
        )
    tz = parameters.zone
    started_at = now or parameters.started_at or datetime.now(tz)
    context = ValidationContext(base_path=source.parent, timezone=tz, now=started_at)
    checker = _Checker(source, lines, registry, context)

    inputs = tuple(
        checker.plugin("input", item, ["input", i], i)
        for i, item in enumerate(checker.items(data, "input"))
    )
    event_section = data.get("event")
    if not isinstance(event_section, dict):
        raise ConfigError(f"{source}: event: required section is missing (one event plugin)")
    event = checker.plugin("event", event_section, ["event"], 0)
    outputs = tuple(
        checker.output(item, ["output", i], i)
        for i, item in enumerate(checker.items(data, "output"))
    )
    if parameters.segment is not None and parameters.segment.count > 1:
        outputs = tuple(_segment_dead_letter(o, parameters.segment.index) for o in outputs)
    return GeneratorPlan(parameters, source, source.parent, started_at, inputs, event, outputs)


def _segment_dead_letter(output: OutputSpec, segment: int) -> OutputSpec:
    """Each segment of a split run keeps its own dead letters (`dead.segment-3.jsonl`): segments
    on one machine would otherwise interleave lines in one file, and a rerun would append twice."""
    path = output.plugin.config.dead_letter
    if path is None:
        return output
    return with_dead_letter(output, path.with_name(f"{path.stem}.segment-{segment}{path.suffix}"))


def with_dead_letter(output: OutputSpec, path: Path) -> OutputSpec:
    """The output with its dead letters written to `path` instead."""
    config = output.plugin.config.model_copy(update={"dead_letter": path})
    return replace(output, plugin=replace(output.plugin, config=config))


class _Checker:
    def __init__(
        self, source: Path, lines: LineIndex, registry: Registry, context: ValidationContext
    ) -> None:
        self.source, self.lines, self.registry, self.context = source, lines, registry, context

    def where(self, loc: list[str | int]) -> str:
        line = self.lines.line_of(loc)
        return f"{self.source}:{line}" if line else str(self.source)

    def items(self, data: dict[str, Any], section: str) -> list[Any]:
        value = data.get(section)
        if value is None:
            raise ConfigError(f"{self.source}: {section}: required section is missing")
        if not isinstance(value, list) or not value:
            raise ConfigError(
                f"{self.where([section])}: {section}: expected a non-empty list of plugins"
            )
        return value

    def plugin(
        self, kind: PluginKind, item: Any, loc: list[str | int], index: int
    ) -> PluginSpec[Any, Any]:
        dotted = f"{loc[0]}[{loc[1]}]" if len(loc) > 1 else str(loc[0])
        if not isinstance(item, dict) or len(item) != 1:
            raise ConfigError(
                f"{self.where(loc)}: {dotted}: expected exactly one plugin name as the key "
                f"(for example `- stdout: {{}}`)"
            )
        ((name, raw),) = item.items()
        raw = {} if raw is None else raw
        try:
            cls = self.registry.load(kind, str(name))
        except Exception as error:  # not installed, or broken: both are the user's to fix
            raise ConfigError(f"{self.where([*loc, name])}: {error}") from None
        if not isinstance(raw, dict):
            raise ConfigError(
                f"{self.where([*loc, name])}: {dotted}.{name}: expected a mapping of options"
            )
        config = self.validate(cls.Config, raw, [*loc, name])
        return PluginSpec(kind, str(name), index, cls, config)

    def output(self, item: Any, loc: list[str | int], index: int) -> OutputSpec:
        spec = self.plugin("output", item, loc, index)
        formatter = spec.config.formatter  # the loader checked that it is an OutputConfig
        floc = [*loc, spec.name, "formatter"]
        try:
            fcls = self.registry.load("formatter", formatter.format)
        except Exception as error:
            raise ConfigError(f"{self.where([*floc, 'format'])}: {error}") from None
        fconfig = self.validate(fcls.Config, formatter.options, floc)
        return OutputSpec(spec, PluginSpec("formatter", formatter.format, index, fcls, fconfig))

    def validate(
        self, model: type[BaseModel], raw: dict[str, Any], loc: list[str | int]
    ) -> BaseModel:
        try:
            return model.model_validate(raw, context=ValidationContext(**self.context))
        except ValidationError as error:
            messages = describe(error, source=self.source, prefix=loc, lines=self.lines)
            raise ConfigError("\n".join(messages)) from None
