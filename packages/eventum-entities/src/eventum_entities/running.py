"""The worlds the generators of this process use: what the REST API shows of a running scenario."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventum_entities.episodes import Schedule
from eventum_entities.population import Population


@dataclass(frozen=True, slots=True)
class Opened:
    path: Path
    seed: int
    population: Population
    schedule: Schedule


_opened: dict[str, Opened] = {}
_lock = threading.Lock()


def record(generator_id: str, opened: Opened) -> None:
    """The world a generator's template plugin has opened (the latest per generator)."""
    with _lock:
        _opened[generator_id] = opened


def worlds(generator_ids: list[str]) -> list[dict[str, Any]]:
    """The worlds of these generators: file, seed, generators, kinds and counts, episodes."""
    with _lock:
        found = {g: _opened[g] for g in generator_ids if g in _opened}
    grouped: dict[tuple[Path, int], list[str]] = {}
    for generator, opened in found.items():
        grouped.setdefault((opened.path, opened.seed), []).append(generator)
    result = []
    for (path, seed), generators in grouped.items():
        opened = found[generators[0]]
        result.append(
            {
                "world": str(path),
                "seed": seed,
                "generators": generators,
                "kinds": {name: len(kind) for name, kind in opened.population.kinds.items()},
                "episodes": opened.schedule.manifest(),
            }
        )
    return result


def entities(
    generator_ids: list[str], kind: str, offset: int = 0, limit: int = 100
) -> list[dict[str, Any]] | None:
    """Entities `offset` .. `offset + limit` of `kind` in the first of these generators' worlds
    that has it; None when none has it."""
    with _lock:
        opened = [_opened[g] for g in generator_ids if g in _opened]
    for world in opened:
        found = world.population.kinds.get(kind)
        if found is not None:
            end = min(offset + limit, len(found))
            return [
                {"index": i, "key": found.entity(i).key, **found.entity(i).as_dict()}
                for i in range(offset, end)
            ]
    return None
