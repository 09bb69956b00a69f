"""The world file's schema: entity kinds, their fields, sessions, episodes and ground truth."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|s|m|h|d|w)")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """`90`, `90s`, `10m`, `1h30m`, `2d`, `+15m` (a leading `+` reads as "after the start")."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip().removeprefix("+").replace(" ", "")
        if text and _DURATION.sub("", text) == "":
            return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(text)))
    raise ValueError(f"not a duration such as 30s, 10m, 1h30m (got {value!r})")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_GENERATORS = ("faker", "choice", "items", "integer", "ref", "template", "ip", "value", "chance")


class FieldSpec(_Model):
    """How one field of an entity is made; exactly one generator key, plus its options.

    - `faker: name` (`locale`, `args`): a Faker provider, seeded per entity and field.
    - `choice: [a, b]` (`weights`): one at random; `items: [a, b]`: by index, in turn.
    - `integer: [lo, hi]`: inclusive; `chance: 0.1`: true with that probability.
    - `ref: hosts`: an entity of another kind, at random (`template`s see the entity).
    - `template: "{{ first }}.{{ last }}"`: Jinja over the fields before it and `index`.
    - `ip: 10.20.0.0/16`: the subnet's host addresses in order, one per entity.
    - `value: x`: the same for every entity.
    """

    faker: str | None = None
    locale: str = "en_US"
    args: dict[str, Any] = Field(default_factory=dict)
    choice: list[Any] | None = Field(default=None, min_length=1)
    weights: list[float] | None = None
    items: list[Any] | None = Field(default=None, min_length=1)
    integer: tuple[int, int] | None = None
    chance: float | None = Field(default=None, ge=0, le=1)
    ref: str | None = None
    template: str | None = None
    ip: str | None = None
    value: Any = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if not isinstance(data, dict):  # a scalar is a constant
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _one_generator(self) -> FieldSpec:
        given = [name for name in _GENERATORS if name in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(
                f"needs exactly one of {', '.join(_GENERATORS)} (got {', '.join(given) or 'none'})"
            )
        if self.weights is not None:
            if self.choice is None:
                raise ValueError("weights go with choice")
            if len(self.weights) != len(self.choice) or min(self.weights) < 0:
                raise ValueError("weights: one number >= 0 per choice")
            if not sum(self.weights):
                raise ValueError("weights: not all 0")
        if self.integer is not None and self.integer[0] > self.integer[1]:
            raise ValueError("integer: [low, high] with low <= high")
        if self.ip is not None:
            try:
                ipaddress.ip_network(self.ip, strict=False)
            except ValueError as error:
                raise ValueError(f"ip: {error}") from None
        return self

    @property
    def generator(self) -> str:
        return next(name for name in _GENERATORS if name in self.model_fields_set)


class SessionSpec(_Model):
    """Each entity's sessions: at most one per `period`, starting `start` into it, lasting
    `duration`; `chance` that a period has one."""

    period: Duration = timedelta(days=1)
    start: tuple[Duration, Duration] = (timedelta(hours=8), timedelta(hours=10))
    duration: tuple[Duration, Duration] = (timedelta(hours=6), timedelta(hours=9))
    chance: float = Field(default=1.0, ge=0, le=1)

    @model_validator(mode="after")
    def _ranges(self) -> SessionSpec:
        if self.period <= timedelta(0):
            raise ValueError("period: must be positive")
        for name in ("start", "duration"):
            low, high = getattr(self, name)
            if low > high or low < timedelta(0):
                raise ValueError(f"{name}: [low, high] with 0 <= low <= high")
        if self.start[1] >= self.period:
            raise ValueError("start: must begin inside the period")
        return self


RESERVED = frozenset({"index", "values", "kind", "key", "get", "session", "as_dict"})
"""Names an entity has itself (attributes and methods), so no field may take them."""


class KindSpec(_Model):
    """One kind of entity: how many, the field that is its key, its fields, its sessions."""

    count: int = Field(ge=1, le=10_000_000)
    key: str | None = None
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    sessions: SessionSpec | None = None

    @field_validator("fields")
    @classmethod
    def _names(cls, fields: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for name in fields:
            if name in RESERVED or not name.isidentifier() or name.startswith("_"):
                raise ValueError(
                    f"{name!r}: a field name is an identifier, not starting with _ and not one "
                    f"of {', '.join(sorted(RESERVED))}"
                )
        return fields

    @model_validator(mode="after")
    def _key_known(self) -> KindSpec:
        if self.key is not None and self.key not in self.fields:
            raise ValueError(f"key: {self.key!r} is not one of the fields")
        return self


class EpisodeEntity(_Model):
    """An entity an episode involves: picked from a kind (`where` filters), or followed from
    one picked before (`from: victim.host`)."""

    kind: str | None = None
    where: dict[str, Any] = Field(default_factory=dict)
    from_: str | None = Field(default=None, alias="from")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_way(self) -> EpisodeEntity:
        if (self.kind is None) == (self.from_ is None):
            raise ValueError("needs exactly one of kind, from")
        if self.from_ is not None and (self.where or "." not in self.from_):
            raise ValueError("from: ROLE.FIELD (a relation of an entity picked before), no where")
        return self


class Step(_Model):
    """One step: `count` events on `generator`, `every` apart, `delay` after the previous step
    began (the first: after the episode's start), rendered by `template` (a file in that
    generator's folder)."""

    name: str = Field(min_length=1)
    generator: str = Field(min_length=1)
    template: str = Field(min_length=1)
    delay: Duration = timedelta(0)
    count: int = Field(default=1, ge=1, le=100_000)
    every: Duration = timedelta(seconds=1)
    vars: dict[str, Any] = Field(default_factory=dict)
    labels: dict[str, Any] = Field(default_factory=dict)


class Placement(_Model):
    """When an episode starts: `at` after the run's start, or at a seeded random moment inside
    `window` (two offsets from the start); `repeat` occurrences, each placed alike."""

    at: Duration | None = None
    window: tuple[Duration, Duration] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Placement:
        if (self.at is None) == (self.window is None):
            raise ValueError("needs exactly one of at, window")
        if self.window is not None and self.window[0] > self.window[1]:
            raise ValueError("window: [from, to] with from <= to")
        return self


class EpisodeSpec(_Model):
    start: Placement
    repeat: int = Field(default=1, ge=1, le=10_000)
    entities: dict[str, EpisodeEntity] = Field(default_factory=dict)
    labels: dict[str, Any] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _names(self) -> EpisodeSpec:
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise ValueError("steps: every step needs its own name")
        roles = list(self.entities)
        for index, (role, spec) in enumerate(self.entities.items()):
            if spec.from_ is not None and spec.from_.split(".", 1)[0] not in roles[:index]:
                raise ValueError(f"entities.{role}.from: names no role listed before it")
        return self


class GroundTruth(_Model):
    """Where the labels go: `dir` (relative to the world file) gets `labels.jsonl` and
    `manifest.json`."""

    dir: str = "truth"


class WorldSpec(_Model):
    """A world file: `seed` (default: the run's `--seed`), `entities`, `episodes`,
    `ground_truth`."""

    seed: int | None = None
    entities: dict[str, KindSpec] = Field(default_factory=dict)
    episodes: dict[str, EpisodeSpec] = Field(default_factory=dict)
    ground_truth: GroundTruth = Field(default_factory=GroundTruth)

    @model_validator(mode="after")
    def _references(self) -> WorldSpec:
        kinds = set(self.entities)
        for name, kind in self.entities.items():
            for field_name, spec in kind.fields.items():
                if spec.ref is not None and spec.ref not in kinds:
                    raise _Located(
                        ("entities", name, "fields", field_name, "ref"),
                        f"no entity kind {spec.ref!r} (kinds: {', '.join(sorted(kinds))})",
                    )
        self._key_before_cycles()
        for name, episode in self.episodes.items():
            for role, wanted in episode.entities.items():
                if wanted.kind is not None and wanted.kind not in kinds:
                    raise _Located(
                        ("episodes", name, "entities", role, "kind"),
                        f"no entity kind {wanted.kind!r} (kinds: {', '.join(sorted(kinds))})",
                    )
        return self

    def _key_before_cycles(self) -> None:
        """An entity is its key as text, so a relation that can lead back to its own kind
        (users -> hosts -> owner: users) may only come after the key field."""
        targets = {
            name: {spec.ref for spec in kind.fields.values() if spec.ref is not None}
            for name, kind in self.entities.items()
        }

        def reaches(start: str, goal: str) -> bool:
            seen, todo = set(), [start]
            while todo:
                current = todo.pop()
                if current == goal:
                    return True
                if current not in seen:
                    seen.add(current)
                    todo.extend(targets[current])
            return False

        for name, kind in self.entities.items():
            if kind.key is None:
                continue
            for field_name, spec in kind.fields.items():
                if field_name == kind.key:
                    break
                if spec.ref is not None and reaches(spec.ref, name):
                    raise _Located(
                        ("entities", name, "fields", field_name, "ref"),
                        f"a ref that can lead back to {name!r} comes before its key field "
                        f"{kind.key!r}: declare the key first",
                    )


class _Located(ValueError):
    """A cross-reference error that knows its own field path (pydantic would give the root)."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
