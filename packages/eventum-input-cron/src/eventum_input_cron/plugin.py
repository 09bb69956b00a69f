"""The `cron` input: `count` timestamps at each tick of a cron expression."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import numpy as np

from eventum_core import TIMESTAMP_DTYPE, PluginContext, Timestamps, exact_chunks, resolve_span
from eventum_input_cron.config import CronConfig
from eventum_input_cron.schedule import CronSchedule, Micros


class CronInput:
    """Ticks of `expression` in the generator's timezone, from `start` to `end` inclusive.

    An endless schedule (`end: never`) is computed lazily, a day at a time.
    """

    Config: ClassVar[type[CronConfig]] = CronConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: CronConfig, context: PluginContext) -> None:
        tz = context.timezone
        self._start, self._end = resolve_span(
            config.start, config.end, tz=tz, now=context.started_at
        )
        if context.live_mode and context.skip_past:
            self._start = max(self._start, context.started_at)
        self._schedule = CronSchedule(config.expression, tz)
        self._count = config.count
        self._stopped = False

    def generate(self, size: int) -> Iterator[Timestamps]:
        if self._end is not None and self._start > self._end:
            return
        for chunk in exact_chunks(
            self._repeated(self._schedule.ticks(self._start, self._end), size), size
        ):
            if self._stopped:
                return
            yield chunk.view(TIMESTAMP_DTYPE)

    def _repeated(self, days: Iterator[Micros], size: int) -> Iterator[Micros]:
        """Each tick `count` times, in pieces of about `size` so no piece grows huge."""
        count = self._count
        step = max(1, size // count)
        for ticks in days:
            for i in range(0, len(ticks), step):
                yield np.repeat(ticks[i : i + step], count)

    def stop(self) -> None:
        self._stopped = True
