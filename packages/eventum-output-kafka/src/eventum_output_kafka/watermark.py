"""Which batches of a run's segment a transactional output has committed, kept in Kafka itself.

Each transaction also commits an offset of a consumer group named for the run and segment: the
highest committed batch, and in its metadata the batches below it that are not committed (they
failed, or were still in flight). Offsets and records commit together, so a rerun of the segment
(its machine lost, or `--run-id` again) knows exactly what the topic already holds and skips it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Kafka keeps 4096 bytes of offset metadata by default (`offset.metadata.max.bytes`).
MAX_GAPS = 256


@dataclass
class Watermark:
    top: int = -1  # the highest committed batch
    gaps: set[int] = field(default_factory=set)  # batches below `top` not committed
    full: bool = False  # too many gaps to record: later commits are not recorded

    def committed(self, batch: int) -> bool:
        return batch <= self.top and batch not in self.gaps

    def advance(self, batch: int, open_batches: set[int]) -> bool:
        """Record `batch` as committed, `open_batches` (written, not committed) as gaps; False
        (and nothing recorded) once the gaps would not fit."""
        top = max(self.top, batch)
        gaps = {b for b in self.gaps | open_batches if b < top and b != batch}
        if len(gaps) > MAX_GAPS:
            self.full = True
            return False
        self.top, self.gaps = top, gaps
        return True

    def encode(self) -> tuple[int, str]:
        return self.top + 1, ",".join(map(str, sorted(self.gaps)))

    @classmethod
    def decode(cls, offset: int, metadata: str) -> Watermark:
        gaps = {int(b) for b in metadata.split(",") if b}
        return cls(max(offset, 0) - 1, gaps)
