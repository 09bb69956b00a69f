"""Episodes placed on the run's clock: every step event's time, generator, entities and labels.

The schedule depends only on the world file, its seed and the run's anchor (the world's clock,
clock.py), so every generator, worker and segment computes the same one by itself.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from eventum_entities.config import EpisodeSpec, WorldSpec
from eventum_entities.population import Entity, KindView, Population

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPISODE_TAG = "eventum.episode"
"""The tag every timestamp of the `episodes` input carries: how the template plugin tells
injected timestamps from background ones."""


def run_key(seed: int, anchor: datetime) -> dict[str, Any]:
    """What names a run in the manifest: the world seed and its clock's anchor."""
    return {"seed": seed, "anchor": anchor.isoformat()}


@dataclass(frozen=True, slots=True)
class Occurrence:
    episode: str
    occurrence: int
    start: datetime
    end: datetime
    entities: dict[str, Entity]
    labels: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StepEvent:
    """One event an episode injects: what the template sees as `episode`."""

    occurrence: Occurrence
    step: str
    generator: str
    template: str
    n: int
    count: int
    time: datetime
    event_id: str
    labels: dict[str, Any]
    vars: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.occurrence.episode

    @property
    def entities(self) -> dict[str, Entity]:
        return self.occurrence.entities

    def label(self, generator: str, outputs: list[str]) -> dict[str, Any]:
        """The ground-truth line of this event."""
        occurrence = self.occurrence
        return {
            "time": self.time.isoformat(),
            "generator": generator,
            "outputs": outputs,
            "event_id": self.event_id,
            "episode": occurrence.episode,
            "occurrence": occurrence.occurrence,
            "step": self.step,
            "n": self.n,
            "labels": self.labels,
            "entities": {role: _entity_ref(e) for role, e in occurrence.entities.items()},
        }


def _entity_ref(entity: Entity) -> dict[str, Any]:
    return {"kind": entity.kind, "index": entity.index, "key": entity.key}


def event_id(seed: int, episode: str, occurrence: int, step: str, n: int) -> str:
    digest = hashlib.sha256(f"{seed}:{episode}:{occurrence}:{step}:{n}".encode()).hexdigest()
    return digest[:16]


def _place(spec: EpisodeSpec, rng: random.Random, anchor: datetime) -> datetime:
    placement = spec.start
    if placement.at is not None:
        return anchor + placement.at
    low, high = placement.window or (timedelta(0), timedelta(0))
    offset = low + (high - low) * rng.random()
    return anchor + timedelta(microseconds=round(offset / timedelta(microseconds=1)))


def _cast(spec: EpisodeSpec, population: Population, rng: random.Random) -> dict[str, Entity]:
    cast: dict[str, Entity] = {}
    for role, wanted in spec.entities.items():
        if wanted.kind is not None:
            cast[role] = KindView(population.kind(wanted.kind), rng).pick(**wanted.where)
        else:
            source, path = (wanted.from_ or "").split(".", 1)
            value: Any = cast[source]
            for part in path.split("."):
                value = value[part]
            if not isinstance(value, Entity):
                raise LookupError(f"entities.{role}.from: {wanted.from_} is not an entity")
            cast[role] = value
    return cast


class Schedule:
    """Every occurrence of every episode of one world, for one seed and anchor."""

    def __init__(self, spec: WorldSpec, seed: int, anchor: datetime, population: Population):
        self.anchor = anchor
        self.occurrences: list[Occurrence] = []
        self.events: list[StepEvent] = []
        for name, episode in spec.episodes.items():
            for k in range(episode.repeat):
                rng = random.Random(f"{seed}:episode:{name}:{k}")
                start = _place(episode, rng, anchor)
                cast = _cast(episode, population, rng)
                events, step_start = [], start
                occurrence_events: list[tuple[Any, ...]] = []
                for index, step in enumerate(episode.steps):
                    step_start = step_start + step.delay if index else start + step.delay
                    for n in range(step.count):
                        occurrence_events.append((step, n, step_start + step.every * n))
                end = max(t for _, _, t in occurrence_events)
                occurrence = Occurrence(name, k, start, end, cast, episode.labels)
                self.occurrences.append(occurrence)
                for step, n, moment in occurrence_events:
                    events.append(
                        StepEvent(
                            occurrence,
                            step.name,
                            step.generator,
                            step.template,
                            n,
                            step.count,
                            moment,
                            event_id(seed, name, k, step.name, n),
                            {**episode.labels, **step.labels},
                            step.vars,
                        )
                    )
                self.events.extend(events)

    def for_generator(self, generator: str) -> dict[int, StepEvent]:
        """This generator's events by time in microseconds since the epoch, in order; events
        that would share a microsecond are moved a microsecond apart, so a time names one event
        in every process."""
        table: dict[int, StepEvent] = {}
        mine = sorted(
            (e for e in self.events if e.generator == generator),
            key=lambda e: (e.time, e.name, e.occurrence.occurrence, e.step, e.n),
        )
        for event in mine:
            moment = (event.time - _EPOCH) // timedelta(microseconds=1)
            while moment in table:
                moment += 1
            table[moment] = event
        return table

    def manifest(self) -> list[dict[str, Any]]:
        """The episodes as placed: windows, entities, labels and steps."""
        steps: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
        for event in self.events:
            key = (event.name, event.occurrence.occurrence)
            entry = steps.setdefault(key, {}).setdefault(
                event.step,
                {"step": event.step, "generator": event.generator, "events": 0,
                 "first": event.time.isoformat(), "labels": event.labels},
            )  # fmt: skip
            entry["events"] += 1
            entry["last"] = event.time.isoformat()
        return [
            {
                "episode": o.episode,
                "occurrence": o.occurrence,
                "start": o.start.isoformat(),
                "end": o.end.isoformat(),
                "labels": o.labels,
                "entities": {role: _entity_ref(e) for role, e in o.entities.items()},
                "steps": list(steps[(o.episode, o.occurrence)].values()),
            }
            for o in self.occurrences
        ]
