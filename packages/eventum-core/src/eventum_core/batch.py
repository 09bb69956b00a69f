"""The units that travel through the pipeline: a batch per plugin call, never one item.

Timestamps are numpy `datetime64[us]` arrays holding UTC instants: vectorised merging, slicing and
lateness maths stay cheap, and the generator's timezone is applied once, when an event plugin asks
for `datetime` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from itertools import accumulate, pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    Timestamps = npt.NDArray[np.datetime64]
else:
    Timestamps = Any

TIMESTAMP_DTYPE = "datetime64[us]"


def _piece_sizes(n: int, size: int) -> list[int]:
    """Pieces of `n` timestamps: sizes doubling from `size // 8` up to `size`, taken from the
    front and the back in turn."""
    front: list[int] = []
    back: list[int] = []
    step, left = max(size // 8, 1), n
    while left:
        for side in (front, back):
            take = min(step, left)
            if take:
                side.append(take)
                left -= take
        step = min(step * 2, size)
    return front + back[::-1]


@dataclass(frozen=True, slots=True, eq=False)
class TimestampBatch:
    """A slice of the merged timestamp stream, handed to the event plugin in one call.

    `timestamps` is ascending; `sources[i]` is the index (in the generator's `input` list) of the
    input that produced `timestamps[i]`, and `input_tags[k]` the tags of input `k`. `index` is
    the batch's place in the run's merged schedule (see `batch_index`). `plan` is what this
    process's event plugin planned for the piece (`PlansAhead`), for the producer that makes it.
    """

    timestamps: Timestamps
    sources: Any  # npt.NDArray[np.uint16]
    input_tags: Sequence[tuple[str, ...]]
    timezone: tzinfo
    index: int | None = None
    plan: Any = None
    _cache: dict[str, list[Any]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.timestamps)

    def datetimes(self) -> list[datetime]:
        """The timestamps as tz-aware datetimes in the generator's timezone (computed once)."""
        cached = self._cache.get("datetimes")
        if cached is None:
            naive_utc: list[datetime] = self.timestamps.astype(TIMESTAMP_DTYPE).tolist()
            tz = self.timezone
            if tz is UTC or getattr(tz, "key", None) in ("UTC", "Etc/UTC"):
                cached = [d.replace(tzinfo=tz) for d in naive_utc]
            else:
                cached = [d.replace(tzinfo=UTC).astimezone(tz) for d in naive_utc]
            self._cache["datetimes"] = cached
        return cached

    def pieces(self, size: int | None) -> list[TimestampBatch]:
        """The batch cut into consecutive pieces of at most `size` timestamps (None: whole),
        each with the batch's `index`. The pieces grow from an eighth of `size` at both ends:
        whoever takes a piece (formats, writes) starts on a small first one soon, and the last
        leaves little to do once the maker is done."""
        n = len(self.timestamps)
        if size is None or n <= size:
            return [self]
        cuts = [0, *accumulate(_piece_sizes(n, size))]
        return [
            TimestampBatch(
                self.timestamps[start:end],
                self.sources[start:end],
                self.input_tags,
                self.timezone,
                self.index,
            )
            for start, end in pairwise(cuts)
        ]

    def tags(self) -> list[tuple[str, ...]]:
        """The tags of the input that produced each timestamp."""
        cached = self._cache.get("tags")
        if cached is None:
            table = self.input_tags
            if len(table) == 1:
                cached = [table[0]] * len(self.timestamps)
            else:
                cached = [table[i] for i in self.sources.tolist()]
            self._cache["tags"] = cached
        return cached


@dataclass(frozen=True, slots=True)
class Produced:
    """What an event plugin made of one `TimestampBatch`.

    `failed` counts timestamps whose event could not be produced (the plugin logs why), `dropped`
    events dropped on purpose; `exhausted` says the plugin's source has ended after these events.
    `records` are `(index in events, record)` pairs a `KeepsRecords` plugin keeps out of band
    (ground-truth labels), in order: core hands back those of the events the run keeps.
    """

    events: list[str]
    failed: int = 0
    dropped: int = 0
    exhausted: bool = False
    records: list[tuple[int, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Formatted:
    """A formatter's output: `items` to write, and how many input events they carry.

    One item per event for per-event formats; a single item carrying every event for batch
    formats (`json-batch`). `failed` counts events the formatter could not format.
    """

    items: list[str]
    events: int
    failed: int = 0

    @property
    def formatted(self) -> int:
        """Events carried by `items` (those the formatter did not fail on)."""
        return self.events - self.failed

    def items_per_event(self, events: int) -> bool:
        """One item for each of `events` events, none failed: the items can be cut as they."""
        return self.failed == 0 and self.events == events == len(self.items)

    def cut(self, events: int) -> Formatted:
        """The first `events` events' items (of a formatting with one item per event)."""
        return Formatted(self.items[:events], events)

    def events_in(self, item_indices: Sequence[int]) -> int:
        """How many events the given items carry."""
        if len(self.items) == self.formatted:
            return len(item_indices)
        return self.formatted if item_indices else 0


def exact_chunks(arrays: Iterable[Any], size: int) -> Iterator[Any]:
    """The arrays' values again, in arrays of exactly `size` (the last may be shorter): for an
    input whose own pieces are of any length."""
    held: list[Any] = []
    held_size = 0
    for array in arrays:
        held.append(array)
        held_size += len(array)
        if held_size < size:
            continue
        data = np.concatenate(held)
        whole = len(data) - len(data) % size
        for i in range(0, whole, size):
            yield data[i : i + size]
        held = [data[whole:]]
        held_size = len(data) - whole
    if held_size:
        yield np.concatenate(held)


_BATCH_INDEX: ContextVar[int | None] = ContextVar("eventum_batch_index", default=None)


def batch_index() -> int | None:
    """Inside an output's `write`: the place in the run's merged schedule of the timestamp batch
    being written (0, 1, 2, ...), the same in every segment and every rerun of a seeded run, so an
    output can derive ids that a rerun repeats (ClickHouse deduplication tokens). None for
    on-demand (interactive) inputs."""
    return _BATCH_INDEX.get()
