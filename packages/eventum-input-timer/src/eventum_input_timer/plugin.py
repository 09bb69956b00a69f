"""The `timer` input: a lazy, arithmetic schedule of periods after a start time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import numpy as np

from eventum_core import TIMESTAMP_DTYPE, PluginContext, Timestamps, aware, epoch_micros, resolve
from eventum_input_timer.config import TimerConfig

_US = timedelta(microseconds=1)
_MAX_US = epoch_micros(datetime.max.replace(tzinfo=UTC))
"""The last instant a `datetime` can hold: an endless timer stops there."""


class TimerInput:
    """Emits `count` timestamps at start + k·seconds for k = 1, 2, … up to `repeat`.

    Period k's time is computed from k, never by adding up steps, so there is no drift and
    `skip_past` jumps straight to the first period at or after the start of generation (the
    skipped periods still count towards `repeat`). Without `repeat` the schedule is generated
    lazily, one chunk at a time, until the end of representable time (year 9999).
    """

    Config: ClassVar[type[TimerConfig]] = TimerConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: TimerConfig, context: PluginContext) -> None:
        started = aware(context.started_at, context.timezone)
        start = resolve(config.start, tz=context.timezone, now=started)
        if start is None:  # the config rejects 'never'; guards a config built without validation
            raise ValueError("start cannot be 'never'")
        self._start = epoch_micros(start)
        self._period = config.period // _US
        self._count = config.count
        last = (_MAX_US - self._start) // self._period
        self._last = last if config.repeat is None else min(config.repeat, last)
        self._first = 1
        if context.live_mode and context.skip_past:
            # ceil((now - start) / period): the first period not before now.
            self._first = max(1, -((self._start - epoch_micros(started)) // self._period))
        self._stopped = False

    def generate(self, size: int) -> Iterator[Timestamps]:
        count, period, start = self._count, self._period, self._start
        total = max(0, self._last - self._first + 1) * count
        done = 0
        while done < total and not self._stopped:
            n = min(size, total - done)
            first_k, offset = divmod(done, count)
            k = (offset + np.arange(n, dtype=np.int64)) // count + (self._first + first_k)
            yield (start + k * period).astype(TIMESTAMP_DTYPE)
            done += n

    def stop(self) -> None:
        self._stopped = True
