"""How late events reach their outputs in live mode: a log-bucket histogram of lag.

Buckets grow by 2^(1/8) (about 9%), so p50/p99 are within that of the truth at any scale while
recording stays one vectorised pass per batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

_STEPS_PER_DOUBLING = 8
_BUCKETS = 40 * _STEPS_PER_DOUBLING  # up to 2^40 us: about 12 days
LATE_US = 1_000_000


@dataclass
class LagStats:
    count: int = 0
    late: int = 0  # later than one second
    max_us: int = 0
    latest_us: int = 0  # the largest lag in the batch recorded last: how far behind it is now
    _buckets: Any = field(default_factory=lambda: np.zeros(_BUCKETS + 1, dtype=np.int64))

    def record(self, timestamps: Any, now_us: int) -> None:
        """Record the lag of each timestamp (datetime64[us]) delivered at `now_us`."""
        lag = now_us - timestamps.astype(np.int64)
        np.maximum(lag, 0, out=lag)
        self.count += len(lag)
        self.late += int(np.count_nonzero(lag > LATE_US))
        self.latest_us = int(lag.max()) if len(lag) else 0
        self.max_us = max(self.max_us, self.latest_us)
        index = np.floor(np.log2(lag + 1) * _STEPS_PER_DOUBLING).astype(np.int64)
        np.minimum(index, _BUCKETS, out=index)
        self._buckets += np.bincount(index, minlength=_BUCKETS + 1)

    def percentile_ms(self, q: float) -> float:
        if not self.count:
            return 0.0
        rank = q / 100 * self.count
        bucket = int(np.searchsorted(np.cumsum(self._buckets), rank, side="left"))
        upper_us = 2 ** ((bucket + 1) / _STEPS_PER_DOUBLING) - 1
        return min(upper_us, self.max_us) / 1000

    def as_dict(self) -> dict[str, float | int]:
        return {
            "p50_ms": round(self.percentile_ms(50), 3),
            "p99_ms": round(self.percentile_ms(99), 3),
            "max_ms": round(self.max_us / 1000, 3),
            "late_over_1s": self.late,
            "measured": self.count,
        }
