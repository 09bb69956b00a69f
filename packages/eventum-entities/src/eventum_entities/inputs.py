"""The `episodes` input: the times of this generator's episode steps, for the template plugin
to render in their place."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, timedelta
from typing import Any, ClassVar

import numpy as np
from pydantic import Field, field_validator

from eventum_core import (
    TIMESTAMP_DTYPE,
    ConfigError,
    ExistingFile,
    InputConfig,
    PluginContext,
    Timestamps,
)
from eventum_entities.config import Duration
from eventum_entities.episodes import EPISODE_TAG, run_key
from eventum_entities.template import open_schedule, population_for, truth_folder, world_seed
from eventum_entities.truth import GroundTruth, read_run


class EpisodesConfig(InputConfig):
    world: ExistingFile
    tags: tuple[str, ...] = Field(default=(), validate_default=True)
    """The world file (relative to the generator folder) whose episodes this generator plays."""

    @field_validator("tags")
    @classmethod
    def _marked(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        return tags if EPISODE_TAG in tags else (*tags, EPISODE_TAG)


class EpisodesInput:
    """Yields the step events whose `generator` is this generator's id, in order. A `Sidecar`:
    a cluster run's segments hand on the labels their runs left, wherever they ran."""

    Config: ClassVar[type[EpisodesConfig]] = EpisodesConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: EpisodesConfig, context: PluginContext) -> None:
        _, schedule, self._clock = open_schedule(config.world, context)  # held until stop()
        moments = np.array(sorted(schedule.for_generator(context.generator_id)), dtype=np.int64)
        stamps = moments.astype("datetime64[us]").astype(TIMESTAMP_DTYPE)
        if context.live_mode and context.skip_past:
            now = np.datetime64(context.started_at.astimezone(UTC).replace(tzinfo=None), "us")
            stamps = stamps[np.searchsorted(stamps, now, side="left") :]
        if not len(stamps):
            context.logger.info("no episode step for this generator", world=str(config.world))
        self._stamps = stamps
        self._stopped = False

    def generate(self, size: int) -> Iterator[Timestamps]:
        for begin in range(0, len(self._stamps), size):
            if self._stopped:
                return
            yield self._stamps[begin : begin + size]

    def stop(self) -> None:
        self._stopped = True
        if self._clock is not None:
            self._clock.release()

    @classmethod
    def collect_sidecar(
        cls, config: EpisodesConfig, context: PluginContext
    ) -> dict[str, Any] | None:
        """This run's manifest and labels in the world's truth folder where this segment ran
        (the driver's folder, or a node's copy of it); the run is the world seed and the run's
        start, which every segment of a cluster run shares."""
        anchor = context.started_at.astimezone(UTC)
        run = run_key(world_seed(config.world, context.seed), anchor)
        return read_run(truth_folder(config.world), run)

    @classmethod
    def gather_sidecar(cls, config: EpisodesConfig, collected: Sequence[dict[str, Any]]) -> None:
        """Every segment's labels into the world's truth folder on this machine (the driver's),
        under the run's manifest naming this machine's world file."""
        manifest = dict(collected[0]["manifest"])
        run = manifest.pop("run")
        manifest["world"] = str(config.world.resolve())
        truth = GroundTruth(truth_folder(config.world), run, manifest)
        truth.gather(label for part in collected for label in part["labels"])


class SessionsConfig(InputConfig):
    world: ExistingFile
    kind: str = Field(min_length=1)
    """The entity kind whose sessions (its `sessions:` in the world file) are played."""
    span: Duration = timedelta(days=1)
    """How long after the run's start: every session start and end in that time."""


class SessionsInput:
    """Yields the times at which the kind's sessions start and end (login, logout): a template
    reads which one with `entities.KIND.boundary(timestamp)`."""

    Config: ClassVar[type[SessionsConfig]] = SessionsConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: SessionsConfig, context: PluginContext) -> None:
        population = population_for(config.world, context)
        try:
            kind = population.kind(config.kind)
            begin = context.started_at.astimezone(UTC)
            found = kind.boundaries(begin, begin + config.span)
        except (KeyError, AttributeError) as error:
            raise ConfigError(f"sessions: {str(error).strip(chr(39))}") from None
        stamps = np.array(
            [moment.replace(tzinfo=None) for moment, _, _ in found], dtype=TIMESTAMP_DTYPE
        )
        self._stamps = stamps
        self._stopped = False

    def generate(self, size: int) -> Iterator[Timestamps]:
        for begin in range(0, len(self._stamps), size):
            if self._stopped:
                return
            yield self._stamps[begin : begin + size]

    def stop(self) -> None:
        self._stopped = True
