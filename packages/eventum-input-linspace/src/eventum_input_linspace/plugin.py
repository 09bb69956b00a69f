"""The `linspace` input: Eventum's timestamps, start + span · numpy.linspace(0, 1), per chunk."""

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
    """Timestamp i is start + span * (i * step), with numpy.linspace's float step (1 / div,
    div = count - 1, or count without the endpoint; the last fraction is exactly 1) and numpy's
    timedelta * float, which truncates: the instants Eventum computes, to the microsecond. The
    exact quotient floor(i * span / div) is 1 µs off them where float rounding crosses a whole
    microsecond. Timestamps are computed per chunk, not up front.
    """

    Config: ClassVar[type[LinspaceConfig]] = LinspaceConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: LinspaceConfig, context: PluginContext) -> None:
        started = aware(context.started_at, context.timezone)
        start, end = resolve_span(config.start, config.end, tz=context.timezone, now=started)
        if end is None:  # the config rejects 'never'; guards a config built without validation
            raise ValueError("end cannot be 'never'")
        self._start = np.datetime64(epoch_micros(start), "us")
        self._span = np.timedelta64(epoch_micros(end) - epoch_micros(start), "us")
        self._count = config.count
        div = config.count - 1 if config.endpoint else config.count
        self._step = 1.0 / div if div else 0.0  # numpy.linspace: one point (div 0) is start
        self._last_is_end = config.endpoint and config.count > 1
        self._first = 0
        if context.live_mode and context.skip_past:
            self._first = self._first_not_before(np.datetime64(epoch_micros(started), "us"))
        self._stopped = False

    def _timestamps(self, first: int, n: int) -> Timestamps:
        fractions = np.arange(first, first + n, dtype=np.float64) * self._step
        if self._last_is_end and first + n == self._count:
            fractions[-1] = 1.0
        return (self._start + self._span * fractions).astype(TIMESTAMP_DTYPE)

    def _first_not_before(self, moment: np.datetime64) -> int:
        """The least i whose timestamp is at or after `moment`, or count if there is none
        (timestamps never decrease with i: a binary search)."""
        low, high = 0, self._count
        while low < high:
            middle = (low + high) // 2
            if self._timestamps(middle, 1)[0] < moment:
                low = middle + 1
            else:
                high = middle
        return low

    def generate(self, size: int) -> Iterator[Timestamps]:
        i = self._first
        while i < self._count and not self._stopped:
            n = min(size, self._count - i)
            yield self._timestamps(i, n)
            i += n

    def stop(self) -> None:
        self._stopped = True
