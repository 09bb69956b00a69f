"""File outputs of a cluster run, exactly once: each segment writes its batches to a part file
committed by rename, and the driver joins the committed parts into the one file, batch by batch.

A segment that dies leaves only an uncommitted `*.tmp` part, which the join never reads; its
rerun writes a new one. A zombie attempt that commits late renames the same bytes over the same
name (a seeded segment is deterministic), so nothing is doubled either way.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from eventum_core import PluginContext, batch_index

COPY_CHUNK = 1 << 20


def staging_folder(path: Path, run_id: str) -> Path:
    """Where the parts of one run's file output wait: beside the file, on the same filesystem
    (a shared one when segments run on several machines)."""
    return path.parent / f".{path.name}.eventum-ray-{run_id}"


@dataclass(frozen=True)
class Part:
    """A committed part: the segment's bytes and the (batch, offset, length) of each write."""

    output: int  # the output's index in the generator's `output` list
    segment: int
    data: Path
    index: Path


def part_output_class(inner: type[Any]) -> type[Any]:
    """The `file` output class writing to this segment's part and recording where each batch
    went. The file plugin itself writes the bytes, so they are the bytes one process writes."""

    class PartFileOutput:
        Config: ClassVar[type[Any]] = inner.Config

        def __init__(self, config: Any, context: PluginContext) -> None:
            self._tmp = Path(config.path)
            self._inner = inner(config, context)
            self._size = 0
            self.writes: list[tuple[int | None, int, int]] = []

        async def open(self) -> None:
            await self._inner.open()

        async def write(self, items: Sequence[str]) -> None:
            try:
                await self._inner.write(items)
            finally:
                size = self._tmp.stat().st_size
                if size > self._size:
                    self.writes.append((batch_index(), self._size, size - self._size))
                    self._size = size

        async def close(self) -> None:
            await self._inner.close()
            index_of(self._tmp).write_text(json.dumps(self.writes))

    PartFileOutput.__name__ = PartFileOutput.__qualname__ = f"Part{inner.__name__}"
    return PartFileOutput


def attempt_path(folder: Path, segment: int) -> Path:
    """A new uncommitted part for one attempt at a segment."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"seg-{segment}.{uuid.uuid4().hex}.tmp"


def index_of(tmp: Path) -> Path:
    return tmp.with_suffix(".index.tmp")


def commit(folder: Path, output: int, segment: int, tmp: Path) -> Part:
    """Make an attempt's part the segment's: data then index, each fsynced and renamed."""
    data, index = folder / f"seg-{segment}.part", folder / f"seg-{segment}.index.json"
    tmp_index = index_of(tmp)
    for path in (tmp, tmp_index):
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    os.replace(tmp, data)
    os.replace(tmp_index, index)
    return Part(output, segment, data, index)


def join(parts: Sequence[Part], destination: Path, *, overwrite: bool, permissions: int) -> int:
    """Write the parts' batches into `destination` in the run's batch order; the bytes written.

    Batch `b` of the run is in exactly one segment, so ordering by (batch, segment, offset) puts
    the file back together as one process writes it."""
    pieces: list[tuple[int, int, int, int, int]] = []
    for number, part in enumerate(parts):
        for batch, offset, length in json.loads(part.index.read_text()):
            pieces.append((-1 if batch is None else batch, part.segment, offset, length, number))
    pieces.sort()
    destination.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_APPEND)
    existed = destination.exists()
    out = os.open(destination, flags, permissions)
    sources = [os.open(part.data, os.O_RDONLY) for part in parts]
    written = 0
    try:
        if not existed and hasattr(os, "fchmod"):
            os.fchmod(out, permissions)
        for _, _, offset, length, number in pieces:
            done = 0
            while done < length:
                chunk = os.pread(sources[number], min(COPY_CHUNK, length - done), offset + done)
                if not chunk:
                    raise OSError(f"part {parts[number].data} is shorter than its index")
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view) :]
                done += len(chunk)
            written += length
        os.fsync(out)
    finally:
        for fd in sources:
            os.close(fd)
        os.close(out)
    return written


def discard(folder: Path) -> None:
    """Remove a run's staging folder: committed parts once joined, and dead attempts' parts."""
    shutil.rmtree(folder, ignore_errors=True)
