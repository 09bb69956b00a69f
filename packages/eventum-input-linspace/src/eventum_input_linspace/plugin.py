"""The `linspace` input: `numpy.linspace` over a time range, computed exactly in microseconds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import numpy as np

from eventum_core import (
    TIMESTAMP_DTYPE,
    PluginContext,
    Timestamps,
    aware,
    epoch_micros,
    resolve_span,
)
from eventum_input_linspace.config import LinspaceConfig


class LinspaceInput:
    """Timestamp i is start + floor(i · (end - start) / div), div = count - 1 (or count).

    Integer arithmetic gives numpy.linspace's values without its float rounding, so the last
    timestamp is exactly `end`. Timestamps are computed per chunk, not all up front.
    """

    Config: ClassVar[type[LinspaceConfig]] = LinspaceConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: LinspaceConfig, context: PluginContext) -> None:
        started = aware(context.started_at, context.timezone)
        start, end = resolve_span(config.start, config.end, tz=context.timezone, now=started)
        if end is None:  # the config rejects 'never'; guards a config built without validation
            raise ValueError("end cannot be 'never'")
        self._start = epoch_micros(start)
        span = epoch_micros(end) - self._start
        self._count = config.count
        self._div = max(1, config.count - 1 if config.endpoint else config.count)
        # i · span = i · q · div + i · r: keeps every product within int64.
        self._q, self._r = divmod(span, self._div)
        self._first = 0
        if context.live_mode and context.skip_past:
            self._first = self._first_not_before(epoch_micros(started) - self._start, span)
        self._stopped = False

    def _first_not_before(self, offset: int, span: int) -> int:
        """The least i whose floor(i · span / div) >= offset, or count if there is none."""
        if offset <= 0:
            return 0
        if span == 0:
            return self._count
        return min(self._count, -((-offset * self._div) // span))

    def generate(self, size: int) -> Iterator[Timestamps]:
        q, r, div = self._q, self._r, self._div
        i = self._first
        while i < self._count and not self._stopped:
            n = min(size, self._count - i)
            idx = np.arange(i, i + n, dtype=np.int64)
            yield (self._start + idx * q + (idx * r) // div).astype(TIMESTAMP_DTYPE)
            i += n

    def stop(self) -> None:
        self._stopped = True
