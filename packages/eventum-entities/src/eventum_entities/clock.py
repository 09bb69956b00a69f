"""One episode clock per world on this machine, so generators that start apart agree.

Episodes are placed from an anchor. The first to open a world's clock (nobody on this machine
has it open) sets it to its own start; whoever opens it while that one still holds it, in this
process (another generator of `eventum run`) or another (a spawned event worker, a second
`eventum generate`), adopts it. Generators started seconds apart, on either side of a minute,
then place the same episodes at the same times and name the same run in the ground truth. The
holders keep a shared flock on a file named after the world's ground-truth folder and seed, in
the temporary directory (the world's folder stays as the user left it); once the last has let
go, the next run starts a new clock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

_Key = tuple[Path, int]


@dataclass(slots=True)
class _Held:
    anchor: datetime
    file: IO[str]
    count: int = 0


_held: dict[_Key, _Held] = {}
_lock = threading.Lock()


class Clock:
    """A hold on a world's clock: `anchor` stays the run's until `release()`."""

    def __init__(self, key: _Key, anchor: datetime) -> None:
        self.anchor = anchor
        self._key: _Key | None = key

    def release(self) -> None:
        key, self._key = self._key, None
        if key is None:
            return
        with _lock:
            held = _held[key]
            held.count -= 1
            if held.count == 0:
                del _held[key]
                held.file.close()  # a close, not LOCK_UN: forked workers keep their copy's lock


def hold(directory: Path, seed: int, started_at: datetime) -> Clock:
    """The clock of the world whose ground truth is in `directory`, for `seed`."""
    key = (directory.resolve(), seed)
    with _lock:
        held = _held.get(key)
        if held is None:
            held = _held[key] = _open(key, started_at.astimezone(UTC))
        held.count += 1
        return Clock(key, held.anchor)


def _open(key: _Key, started_at: datetime) -> _Held:
    directory = Path(tempfile.gettempdir()) / f"eventum-{os.getuid()}" / "clocks"
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{hashlib.sha256(str(key[0]).encode()).hexdigest()[:24]}-{key[1]}"
    # Deciders take the mutex first, so nobody holds the clock exclusively while another looks.
    with (directory / f"{name}.lock").open("a") as mutex:
        fcntl.flock(mutex, fcntl.LOCK_EX)
        file = (directory / f"{name}.clock").open("a+", encoding="utf-8")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # held: adopt its anchor
            fcntl.flock(file, fcntl.LOCK_SH)
            file.seek(0)
            try:
                return _Held(datetime.fromisoformat(file.read().strip()), file)
            except ValueError:
                return _Held(started_at, file)
        file.seek(0)
        file.truncate()
        file.write(started_at.isoformat())
        file.flush()
        fcntl.flock(file, fcntl.LOCK_SH)
        return _Held(started_at, file)
