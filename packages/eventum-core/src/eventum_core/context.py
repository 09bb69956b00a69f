"""What core hands every plugin besides its config: where it runs and its own random source."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Literal

from eventum_core.logging import get_logger

PluginKind = Literal["input", "event", "output", "formatter"]


def derive_rng(seed: int, *scope: object) -> random.Random:
    """A random source for one scope of one run, the same for the same seed and scope.

    String seeds are hashed with SHA-512 by `random.Random`, independent of PYTHONHASHSEED, so
    the stream is stable across processes: the basis of `--seed` and of splitting a run into
    segments that workers produce independently.
    """
    return random.Random(":".join(map(str, (seed, *scope))))


def draw_seed() -> int:
    """A fresh seed for a run given none: shown in its summary, so the run can be repeated."""
    return secrets.randbits(63)


@dataclass(frozen=True, slots=True)
class Segment:
    """Which part of a run this process produces: segment `index` of `count`.

    Plugins derive their random streams from it, so that the segments of one seeded run, made by
    many workers or machines, put together make one coherent, repeatable stream.
    """

    index: int = 0
    count: int = 1


@dataclass(frozen=True, slots=True)
class PluginContext:
    """The environment of one plugin instance in one generator."""

    generator_id: str
    kind: PluginKind
    name: str
    index: int
    base_path: Path
    timezone: tzinfo
    started_at: datetime
    live_mode: bool = False
    skip_past: bool = False
    seed: int = 0
    segment: Segment = field(default_factory=Segment)
    producer: int = 0  # which of its process's event producers the instance is (0: its own)
    logger: Any = None
    run_id: str = ""  # names this run for ids a rerun must repeat (`--run-id`); new per run

    def __post_init__(self) -> None:
        if self.logger is None:
            log = get_logger(generator=self.generator_id, plugin=f"{self.kind}.{self.name}")
            object.__setattr__(self, "logger", log)

    @property
    def rng(self) -> random.Random:
        """A new random source for this plugin; call once and keep it."""
        return derive_rng(self.seed, self.segment.index, self.kind, self.index, self.name)

    def resolve_path(self, path: Path | str) -> Path:
        """A config path, relative ones taken from the generator.yml folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base_path / p
