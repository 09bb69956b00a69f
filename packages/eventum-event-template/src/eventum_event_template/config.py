"""The `template` event plugin config: a discriminated union on `mode`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    RootModel,
    ValidationInfo,
    field_validator,
    model_validator,
)

from eventum_core import ExistingFile, PluginConfig
from eventum_event_template.conditions import Condition


def _suffix(suffix: str) -> AfterValidator:
    def check(value: Path) -> Path:
        if value.suffix != suffix:
            raise ValueError(f"must have the {suffix} extension: {value}")
        return value

    return AfterValidator(check)


class ItemsSample(PluginConfig):
    """Rows written in the config: scalars (one column) or lists (several)."""

    type: Literal["items"]
    source: tuple[Any, ...] = Field(min_length=1)


class CsvSample(PluginConfig):
    type: Literal["csv"]
    source: Annotated[ExistingFile, _suffix(".csv")]
    header: bool = False
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)


class JsonSample(PluginConfig):
    """A JSON array of objects; the keys are the columns."""

    type: Literal["json"]
    source: Annotated[ExistingFile, _suffix(".json")]


SampleConfig = Annotated[ItemsSample | CsvSample | JsonSample, Field(discriminator="type")]


def _template_path(value: Path, info: ValidationInfo) -> Path:
    if value.is_absolute():
        raise ValueError(f"template path must be relative to the generator folder: {value}")
    if value.suffix != ".jinja":
        raise ValueError(f"template must have the .jinja extension: {value}")
    base = (info.context or {}).get("base_path")
    if base is not None and not (Path(base) / value).is_file():
        raise ValueError(f"template file not found: {Path(base) / value}")
    return value


class TemplateSpec(PluginConfig):
    """One template: its file (relative to the generator folder) and its own `vars`."""

    template: Annotated[Path, AfterValidator(_template_path)]
    vars: dict[str, Any] = Field(default_factory=dict)


class ChanceTemplateSpec(TemplateSpec):
    chance: float = Field(gt=0)
    """Relative weight of this template."""


class Transition(PluginConfig):
    to: str = Field(min_length=1)
    when: Condition


class FsmTemplateSpec(TemplateSpec):
    initial: bool = False
    transitions: list[Transition] = Field(default_factory=list)


def _aliases(items: list[dict[str, Any]]) -> list[str]:
    aliases: list[str] = []
    for item in items:
        if len(item) != 1:
            raise ValueError(f"each template item must have exactly one key (alias), got {item}")
        alias = next(iter(item))
        if alias in aliases:
            raise ValueError(f"duplicate template alias: {alias}")
        aliases.append(alias)
    return aliases


class _Common(PluginConfig):
    params: dict[str, Any] = Field(default_factory=dict)
    samples: dict[str, SampleConfig] = Field(default_factory=dict)
    world: ExistingFile | None = None
    """A world file (eventum-entities): its `entities` in every template, its episodes'
    events in place of the `episodes` input's timestamps."""
    shared_scope: Literal["generator", "producer"] = "generator"
    """`generator`: one `shared` (and `locals`) for the generator, one sequence, as in Eventum;
    `producer`: one per producer process, so that templates using them render on every core."""

    @field_validator("templates", check_fields=False)
    @classmethod
    def _unique(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _aliases(value)
        return value

    def template_specs(self) -> dict[str, TemplateSpec]:
        """Alias → spec, in config order."""
        templates: list[dict[str, TemplateSpec]] = getattr(self, "templates")  # noqa: B009
        return {alias: spec for item in templates for alias, spec in item.items()}


class GeneralModeConfig(_Common):
    """`all`: every template per timestamp; `any`: one at random; `spin`: round-robin."""

    mode: Literal["all", "any", "spin"]
    templates: list[dict[str, TemplateSpec]] = Field(min_length=1)


class ChanceModeConfig(_Common):
    """One template per timestamp, chosen with the relative weights `chance`."""

    mode: Literal["chance"]
    templates: list[dict[str, ChanceTemplateSpec]] = Field(min_length=1)


class ChainModeConfig(_Common):
    """Round-robin over the aliases listed in `chain` (repeats allowed)."""

    mode: Literal["chain"]
    chain: list[str] = Field(min_length=1)
    templates: list[dict[str, TemplateSpec]] = Field(min_length=1)

    @model_validator(mode="after")
    def _known(self) -> ChainModeConfig:
        unknown = sorted(set(self.chain) - set(self.template_specs()))
        if unknown:
            raise ValueError(f"unknown template aliases in chain: {unknown}")
        return self


class FsmModeConfig(_Common):
    """A state machine: one initial template, then the first true transition moves on."""

    mode: Literal["fsm"]
    templates: list[dict[str, FsmTemplateSpec]] = Field(min_length=1)

    @field_validator("templates")
    @classmethod
    def _one_initial(
        cls, value: list[dict[str, FsmTemplateSpec]]
    ) -> list[dict[str, FsmTemplateSpec]]:
        specs = {alias: spec for item in value for alias, spec in item.items()}
        initial = [alias for alias, spec in specs.items() if spec.initial]
        if len(initial) != 1:
            raise ValueError(f"exactly one template must be initial, found {len(initial)}")
        for alias, spec in specs.items():
            for transition in spec.transitions:
                if transition.to not in specs:
                    raise ValueError(f"template {alias!r}: transition to unknown {transition.to!r}")
        return value


ModeConfig = GeneralModeConfig | ChanceModeConfig | ChainModeConfig | FsmModeConfig


class TemplateEventConfig(RootModel[Annotated[ModeConfig, Field(discriminator="mode")]]):
    """The plugin's config; `.root` is the model of the chosen `mode`."""

    model_config = {"frozen": True}
