"""Which template(s) render for a timestamp, per picking mode."""

from __future__ import annotations

from itertools import accumulate, islice
from random import Random

from eventum_event_template.conditions import CheckContext
from eventum_event_template.config import (
    ChainModeConfig,
    ChanceModeConfig,
    FsmModeConfig,
    FsmTemplateSpec,
    ModeConfig,
)


class Picker:
    """`all`: every alias, in config order."""

    def __init__(self, aliases: tuple[str, ...]) -> None:
        self.aliases = aliases

    def pick(self, ctx: CheckContext) -> tuple[str, ...]:
        return self.aliases

    def pick_batch(self, n: int) -> list[str] | None:
        """One alias per timestamp for `n` timestamps; None when every alias renders each time."""
        return None


class AnyPicker(Picker):
    def __init__(self, aliases: tuple[str, ...], rng: Random) -> None:
        super().__init__(aliases)
        self._rng = rng

    def pick(self, ctx: CheckContext) -> tuple[str, ...]:
        return (self._rng.choice(self.aliases),)

    def pick_batch(self, n: int) -> list[str] | None:
        return self._rng.choices(self.aliases, k=n)


class ChancePicker(Picker):
    def __init__(self, aliases: tuple[str, ...], weights: list[float], rng: Random) -> None:
        super().__init__(aliases)
        self._cum = list(accumulate(weights))
        self._rng = rng

    def pick(self, ctx: CheckContext) -> tuple[str, ...]:
        return (self._rng.choices(self.aliases, cum_weights=self._cum)[0],)

    def pick_batch(self, n: int) -> list[str] | None:
        return self._rng.choices(self.aliases, cum_weights=self._cum, k=n)


class CyclePicker(Picker):
    """`spin` (over the templates) and `chain` (over the chain list): round-robin."""

    def __init__(self, aliases: tuple[str, ...], cycle: list[str]) -> None:
        super().__init__(aliases)
        self._cycle = cycle
        self._next = 0

    def pick(self, ctx: CheckContext) -> tuple[str, ...]:
        alias = self._cycle[self._next]
        self._next = (self._next + 1) % len(self._cycle)
        return (alias,)

    def pick_batch(self, n: int) -> list[str] | None:
        size = len(self._cycle)
        start = self._next
        self._next = (start + n) % size
        doubled = self._cycle * (n // size + 2)
        return list(islice(doubled, start, start + n))


class FsmPicker(Picker):
    """The initial state first; then the current state's first true transition moves it."""

    def __init__(self, specs: dict[str, FsmTemplateSpec]) -> None:
        super().__init__(tuple(specs))
        self._specs = specs
        self._state = next(alias for alias, spec in specs.items() if spec.initial)
        self._started = False

    def pick(self, ctx: CheckContext) -> tuple[str, ...]:
        if self._started:
            for transition in self._specs[self._state].transitions:
                if transition.when.check(ctx):
                    self._state = transition.to
                    break
        else:
            self._started = True
        return (self._state,)


def make_picker(config: ModeConfig, rng: Random) -> Picker:
    specs = config.template_specs()
    aliases = tuple(specs)
    if isinstance(config, FsmModeConfig):
        return FsmPicker(config.template_specs())  # type: ignore[arg-type]
    if isinstance(config, ChanceModeConfig):
        return ChancePicker(aliases, [s.chance for s in specs.values()], rng)  # type: ignore[attr-defined]
    if isinstance(config, ChainModeConfig):
        return CyclePicker(aliases, list(config.chain))
    if config.mode == "any":
        return AnyPicker(aliases, rng)
    if config.mode == "spin":
        return CyclePicker(aliases, list(aliases))
    return Picker(aliases)
