"""The `timestamps` input: replays a fixed list of timestamps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import numpy as np

from eventum_core import TIMESTAMP_DTYPE, PluginContext, Timestamps, aware, epoch_micros
from eventum_input_timestamps.config import TimestampsConfig


class TimestampsInput:
    """Emits the configured timestamps in ascending order, in chunks of at most `size`.

    Unsorted input is sorted (Eventum assumed it sorted). In live mode with `skip_past`, the
    ones before the start of generation are dropped.
    """

    Config: ClassVar[type[TimestampsConfig]] = TimestampsConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: TimestampsConfig, context: PluginContext) -> None:
        tz = context.timezone
        micros = [epoch_micros(aware(v, tz)) for v in config.values]
        stamps = np.array(micros, dtype=np.int64).view(TIMESTAMP_DTYPE)
        if (stamps[1:] < stamps[:-1]).any():
            context.logger.info("timestamps are not in ascending order: sorted them")
            stamps.sort(kind="stable")
        if context.live_mode and context.skip_past:
            now = np.datetime64(epoch_micros(aware(context.started_at, tz)), "us")
            stamps = stamps[np.searchsorted(stamps, now, side="left") :]
        stamps.flags.writeable = False  # chunks are views of it
        self._stamps = stamps
        self._stopped = False

    def generate(self, size: int) -> Iterator[Timestamps]:
        stamps = self._stamps
        for begin in range(0, len(stamps), size):
            if self._stopped:
                return
            yield stamps[begin : begin + size]

    def stop(self) -> None:
        self._stopped = True
