"""The template plugin's side of a world (`world:` in `event: template:`): the `entities` name
for every template, and the episode events injected at the `episodes` input's timestamps."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from jinja2 import Environment, Template, TemplateNotFound, TemplateSyntaxError

from eventum_core import ConfigError, PluginContext, Produced, TimestampBatch, derive_rng
from eventum_entities.clock import Clock, hold
from eventum_entities.episodes import EPISODE_TAG, Schedule, StepEvent, run_key
from eventum_entities.population import Entities, FieldError, Population, population_of
from eventum_entities.running import Opened, record
from eventum_entities.truth import GroundTruth
from eventum_entities.world import located, read_world

Produce = Callable[[TimestampBatch], Produced]


def world_seed(path: Path, run_seed: int) -> int:
    spec = read_world(path)
    return spec.seed if spec.seed is not None else run_seed


def truth_folder(path: Path) -> Path:
    """Where the world file at `path` keeps its ground truth (`ground_truth.dir`)."""
    return path.parent / read_world(path).ground_truth.dir


def population_for(path: Path, context: PluginContext) -> Population:
    """The world's population for this run (the same in every process)."""
    population = population_of(read_world(path), world_seed(path, context.seed))
    check_fields(path, population)
    return population


def open_schedule(path: Path, context: PluginContext) -> tuple[Population, Schedule, Clock | None]:
    """The population and episode schedule, placed on the world's clock (held until released;
    None when the world has no episodes)."""
    spec = read_world(path)
    seed = world_seed(path, context.seed)
    population = population_for(path, context)
    clock = None
    if spec.episodes:
        clock = hold(truth_folder(path), seed, context.started_at)
    anchor = clock.anchor if clock is not None else context.started_at.astimezone(UTC)
    try:
        return population, Schedule(spec, seed, anchor, population), clock
    except (LookupError, AttributeError) as error:
        if clock is not None:
            clock.release()
        raise ConfigError(f"{path}: episodes: {error}") from None


def check_fields(path: Path, population: Population) -> None:
    """Make entity 0 of each kind: a bad Faker provider or field template fails at start,
    naming the field."""
    for kind in population.kinds.values():
        try:
            kind.make_values(0)
        except FieldError as error:
            loc = ("entities", error.kind, "fields", error.field)
            raise ConfigError(f"{located(path, loc)}: {'.'.join(loc)}: {error}") from None


def _outputs(base_path: Path) -> list[str]:
    """The output plugins named in the generator's generator.yml (best effort, for labels)."""
    try:
        text = (base_path / "generator.yml").read_text(encoding="utf-8")
        data = yaml.safe_load(re.sub(r"\$\{[^}]*\}", "x", text))  # ${params.x} as a value
        return [next(iter(item)) for item in data.get("output") or [] if isinstance(item, dict)]
    except Exception:
        return []


class World:
    """Built by the template plugin when its config names a world file."""

    def __init__(self, path: Path, context: PluginContext, env: Environment) -> None:
        self._path = path
        self._log = context.logger
        self._generator = context.generator_id
        population, schedule, self._clock = open_schedule(path, context)
        self._population = population
        rng = derive_rng(context.seed, context.segment.index, "world", context.generator_id)
        self.names: dict[str, Any] = {"entities": Entities(population, rng)}
        self._table = schedule.for_generator(context.generator_id)
        seed = world_seed(path, context.seed)
        record(context.generator_id, Opened(path.resolve(), seed, population, schedule))
        spec = read_world(path)
        self._templates = self._compile(env, spec)
        self._outputs = _outputs(context.base_path)
        self._truth = None
        if spec.episodes:  # begun at the first batch: `eventum validate` leaves truth/ alone
            self._truth = GroundTruth(
                truth_folder(path),
                run_key(seed, schedule.anchor),
                {"world": str(path.resolve()), "episodes": schedule.manifest()},
            )

    def close(self) -> None:
        self._population.save_kept()
        if self._clock is not None:
            self._clock.release()

    def _compile(self, env: Environment, spec: Any) -> dict[str, Template]:
        templates: dict[str, Template] = {}
        for name, episode in spec.episodes.items():
            for index, step in enumerate(episode.steps):
                if step.generator != self._generator or step.template in templates:
                    continue
                where = located(self._path, ("episodes", name, "steps", index, "template"))
                try:
                    templates[step.template] = env.get_template(step.template)
                except TemplateNotFound:
                    raise ConfigError(
                        f"{where}: episodes.{name}.steps[{index}].template: file not found in "
                        f"the generator folder: {step.template}"
                    ) from None
                except TemplateSyntaxError as error:
                    raise ConfigError(
                        f"{where}: episodes.{name}.steps[{index}].template: syntax error in "
                        f"{step.template}, line {error.lineno}: {error.message}"
                    ) from None
        return templates

    def produce(self, batch: TimestampBatch, produce: Produce) -> Produced:
        """`produce(batch)`, with the episode's events in place of its timestamps and their
        labels in `records`."""
        if self._truth is not None:
            self._truth.begin()
        marked = [k for k, tags in enumerate(batch.input_tags) if EPISODE_TAG in tags]
        if not marked or not len(batch):
            return produce(batch)
        if len(batch.input_tags) == 1:
            positions = np.arange(len(batch))
        else:
            positions = np.flatnonzero(np.isin(batch.sources, marked))
        if not len(positions):
            return produce(batch)
        moments = batch.timestamps[positions].astype("datetime64[us]").astype(np.int64).tolist()
        events: list[str] = []
        records: list[tuple[int, dict[str, Any]]] = []
        failed = dropped = 0
        begin = 0
        exhausted = False
        datetimes = batch.datetimes()
        tags = batch.tags()
        for position, moment in zip(positions.tolist(), moments, strict=True):
            step = self._table.get(moment)
            if step is None:  # not one of ours: an ordinary timestamp
                continue
            if position > begin:
                part = produce(self._slice(batch, begin, position))
                events.extend(part.events)
                failed, dropped = failed + part.failed, dropped + part.dropped
                if part.exhausted:
                    exhausted = True
                    break
            begin = position + 1
            text = self._render(step, datetimes[position], tags[position])
            if text is None:
                failed += 1
                continue
            records.append((len(events), step.label(self._generator, self._outputs)))
            events.append(text)
        if not exhausted and begin < len(batch):
            part = produce(self._slice(batch, begin, len(batch)) if begin else batch)
            events.extend(part.events)
            failed, dropped, exhausted = (
                failed + part.failed,
                dropped + part.dropped,
                part.exhausted,
            )
        return Produced(
            events, failed=failed, dropped=dropped, exhausted=exhausted, records=records
        )

    def keep(self, labels: list[dict[str, Any]]) -> None:
        """Write the labels of the episode events the run kept: `produce` returns them with
        its events, which `--max-events` may cut after they were made."""
        if self._truth is not None:
            self._truth.write(labels)

    @staticmethod
    def _slice(batch: TimestampBatch, begin: int, end: int) -> TimestampBatch:
        return TimestampBatch(
            batch.timestamps[begin:end], batch.sources[begin:end], batch.input_tags, batch.timezone
        )

    def _render(self, step: StepEvent, timestamp: Any, tags: tuple[str, ...]) -> str | None:
        template = self._templates[step.template]
        try:
            return template.render(timestamp=timestamp, tags=tags, episode=step, vars=step.vars)
        except Exception as error:
            self._log.error(
                "episode step render failed",
                episode=step.name,
                step=step.step,
                file=step.template,
                error=f"{type(error).__name__}: {error}",
            )
            return None
