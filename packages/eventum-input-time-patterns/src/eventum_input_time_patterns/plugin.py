"""The `time_patterns` input: per-period event counts and in-period spreads, vectorised."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from eventum_core import (
    TIMESTAMP_DTYPE,
    PluginContext,
    Timestamps,
    epoch_micros,
    exact_chunks,
    resolve_span,
)
from eventum_input_time_patterns.config import TimePatternsConfig
from eventum_input_time_patterns.pattern import (
    TimePattern,
    TriangularSpreader,
    UniformSpreader,
    load_pattern,
)

Micros = npt.NDArray[np.int64]

_ONE_US = timedelta(microseconds=1)
_NEVER = epoch_micros(datetime(9999, 12, 31, 23, 59, 59, 999_998, tzinfo=UTC))
_ENDLESS = np.iinfo(np.int64).max


class _PatternStream:
    """One pattern's timestamps as (ascending chunk, frontier) pairs: no later chunk holds a
    timestamp before the frontier, which lets several patterns merge without look-ahead."""

    def __init__(self, pattern: TimePattern, context: PluginContext, seed: int) -> None:
        osc = pattern.oscillator
        start, end = resolve_span(osc.start, osc.end, tz=context.timezone, now=context.started_at)
        self._period = osc.duration // _ONE_US
        self._start = epoch_micros(start)
        self._end = _NEVER if end is None else epoch_micros(end)
        self._not_before = self._start
        if context.live_mode and context.skip_past:
            now = epoch_micros(context.started_at)
            if now > self._start:
                self._start += (now - self._start) // self._period * self._period
                self._not_before = now
        self._pattern = pattern
        self._rng = np.random.default_rng(seed)
        low, high = pattern.randomizer.bounds
        self._factors = self._rng.uniform(low, high, pattern.randomizer.sampling)
        self._next_factor = 0
        self._most_per_period = max(1, math.ceil(pattern.multiplier.ratio * high))

    def chunks(self, target: int) -> Iterator[tuple[Micros, int]]:
        """Chunks of whole periods holding about `target` timestamps each."""
        per_chunk = max(1, target // self._most_per_period)
        begin, period, end = self._start, self._period, self._end
        while begin < end:
            periods = min(per_chunk, -(-(end - begin) // period))
            frontier = begin + periods * period
            counts = (self._pattern.multiplier.ratio * self._take_factors(periods)).astype(np.int64)
            which = np.repeat(np.arange(periods, dtype=np.int64), counts)
            offsets = (self._spread(len(which)) * period).astype(np.int64)
            stamps = np.sort(begin + which * period + offsets)
            if frontier > end or begin < self._not_before:
                stamps = stamps[(stamps < end) & (stamps >= self._not_before)]
            yield stamps, min(frontier, end)
            begin = frontier

    def _take_factors(self, count: int) -> npt.NDArray[np.float64]:
        """The next `count` randomizer factors; the sample is reshuffled each time it runs out."""
        taken = []
        while count:
            if self._next_factor == len(self._factors):
                self._factors = self._rng.permutation(self._factors)
                self._next_factor = 0
            piece = self._factors[self._next_factor : self._next_factor + count]
            taken.append(piece)
            self._next_factor += len(piece)
            count -= len(piece)
        return np.concatenate(taken)

    def _spread(self, size: int) -> npt.NDArray[np.float64]:
        """Positions in [0, 1] of `size` events within their periods."""
        spreader = self._pattern.spreader
        if isinstance(spreader, UniformSpreader):
            return self._rng.uniform(spreader.parameters.low, spreader.parameters.high, size)
        if isinstance(spreader, TriangularSpreader):
            p = spreader.parameters
            return self._rng.triangular(p.left, p.mode, p.right, size)
        return self._rng.beta(spreader.parameters.a, spreader.parameters.b, size)


class TimePatternsInput:
    """Timestamps shaped by one or more time-pattern files, merged chronologically.

    Each period of a pattern's oscillator gets `int(ratio x factor)` events, spread within the
    period by the spreader; randomness comes from the plugin's seeded random source.
    """

    Config: ClassVar[type[TimePatternsConfig]] = TimePatternsConfig
    interactive: ClassVar[bool] = False

    def __init__(self, config: TimePatternsConfig, context: PluginContext) -> None:
        clock = {"timezone": context.timezone, "now": context.started_at}
        rng = context.rng
        self._streams = [
            _PatternStream(load_pattern(path, clock), context, rng.getrandbits(64))
            for path in config.patterns
        ]
        self._stopped = False

    def generate(self, size: int) -> Iterator[Timestamps]:
        for chunk in exact_chunks(self._merged(max(size, 10_000)), size):
            if self._stopped:
                return
            yield chunk.view(TIMESTAMP_DTYPE)

    def _merged(self, target: int) -> Iterator[Micros]:
        """The streams' chunks merged: each step advances the stream that lags furthest and
        releases what lies before every stream's frontier."""
        if len(self._streams) == 1:
            for stamps, _ in self._streams[0].chunks(target):
                yield stamps
            return
        sources = [stream.chunks(max(1, target // len(self._streams))) for stream in self._streams]
        pending: list[Micros] = [np.empty(0, np.int64) for _ in sources]
        frontiers = [np.iinfo(np.int64).min] * len(sources)
        while True:
            lagging = min(range(len(sources)), key=frontiers.__getitem__)
            if frontiers[lagging] == _ENDLESS:
                break
            try:
                stamps, frontiers[lagging] = next(sources[lagging])
            except StopIteration:
                frontiers[lagging] = _ENDLESS
            else:
                pending[lagging] = np.concatenate((pending[lagging], stamps))
            horizon = min(frontiers)
            cuts = [int(np.searchsorted(p, horizon)) for p in pending]
            if sum(cuts):
                yield np.sort(np.concatenate([p[:c] for p, c in zip(pending, cuts, strict=True)]))
                pending = [p[c:] for p, c in zip(pending, cuts, strict=True)]
        rest = np.sort(np.concatenate(pending))
        if len(rest):
            yield rest

    def stop(self) -> None:
        self._stopped = True
