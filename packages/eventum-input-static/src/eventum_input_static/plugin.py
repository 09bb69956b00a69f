"""The `static` input: `count` copies of the generation start time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import numpy as np

from eventum_core import TIMESTAMP_DTYPE, PluginContext, Timestamps, aware, epoch_micros
from eventum_input_static.config import StaticConfig


class StaticInput:
    """Emits `count` timestamps equal to `context.started_at`, in chunks of at most `size`.

    They are never in the past, so `skip_past` has nothing to drop.
    """

    Config: ClassVar[type[StaticConfig]] = StaticConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: StaticConfig, context: PluginContext) -> None:
        started = aware(context.started_at, context.timezone)
        self._at = np.datetime64(epoch_micros(started), "us")
        self._count = config.count
        self._stopped = False

    def generate(self, size: int) -> Iterator[Timestamps]:
        left = self._count
        while left > 0 and not self._stopped:
            n = min(size, left)
            yield np.full(n, self._at, dtype=TIMESTAMP_DTYPE)
            left -= n

    def stop(self) -> None:
        self._stopped = True
