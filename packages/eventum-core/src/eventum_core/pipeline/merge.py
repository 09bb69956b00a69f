"""Merging several inputs into one chronological stream of batches (runs in a worker thread)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from eventum_core.batch import TIMESTAMP_DTYPE

Chunk = tuple[Any, Any]  # (datetime64[us] timestamps, uint16 source indices)


def tagged(index: int, arrays: Iterator[Any]) -> Iterator[Chunk]:
    """Each non-empty array of one input, with its source index alongside."""
    for array in arrays:
        if len(array):
            ts = np.asarray(array, dtype=TIMESTAMP_DTYPE)
            yield ts, np.full(len(ts), index, dtype=np.uint16)


def _interleave(sources: Sequence[Iterator[Chunk]]) -> Iterator[Chunk]:
    """Chronological merge: emit everything up to the earliest `last timestamp` among the
    sources that are still going, so no later chunk can hold an earlier timestamp."""
    buffers: list[Chunk | None] = [None] * len(sources)
    live = list(range(len(sources)))
    while True:
        for i in list(live):
            if buffers[i] is None:
                chunk = next(sources[i], None)
                if chunk is None:
                    live.remove(i)
                else:
                    buffers[i] = chunk
        pending = [i for i, b in enumerate(buffers) if b is not None]
        if not pending:
            return
        horizon = min((buffers[i][0][-1] for i in live if buffers[i] is not None), default=None)  # type: ignore[index]
        parts_ts, parts_src = [], []
        for i in pending:
            ts, src = buffers[i]  # type: ignore[misc]
            cut = len(ts) if horizon is None else int(np.searchsorted(ts, horizon, side="right"))
            if cut:
                parts_ts.append(ts[:cut])
                parts_src.append(src[:cut])
            buffers[i] = (ts[cut:], src[cut:]) if cut < len(ts) else None
        ts = np.concatenate(parts_ts)
        src = np.concatenate(parts_src)
        order = np.argsort(ts, kind="stable")
        yield ts[order], src[order]


def _rechunk(chunks: Iterator[Chunk], size: int) -> Iterator[Chunk]:
    """Chunks of exactly `size` (the last may be shorter): fewer, fuller batches downstream."""
    held_ts: list[Any] = []
    held_src: list[Any] = []
    held = 0
    for ts, src in chunks:
        held_ts.append(ts)
        held_src.append(src)
        held += len(ts)
        if held < size:
            continue
        all_ts = np.concatenate(held_ts) if len(held_ts) > 1 else held_ts[0]
        all_src = np.concatenate(held_src) if len(held_src) > 1 else held_src[0]
        full = held - held % size
        for start in range(0, full, size):
            yield all_ts[start : start + size], all_src[start : start + size]
        held_ts, held_src = ([all_ts[full:]], [all_src[full:]]) if full < held else ([], [])
        held -= full
    if held:
        yield np.concatenate(held_ts), np.concatenate(held_src)


def merge_inputs(generators: Sequence[tuple[int, Iterator[Any]]], size: int) -> Iterator[Chunk]:
    """One ascending stream of (timestamps, sources) chunks of `size` from several inputs."""
    sources = [tagged(index, arrays) for index, arrays in generators]
    merged = sources[0] if len(sources) == 1 else _interleave(sources)
    return _rechunk(merged, size)
