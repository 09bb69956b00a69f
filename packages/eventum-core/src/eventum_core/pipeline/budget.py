"""`queue.max_event_bytes`: a bound on the bytes event batches hold while they wait for outputs.

The batch count alone (`queue.max_event_batches`) lets memory grow with the size of the events:
ten batches of 10,000 one-megabyte events are 100 GB. The budget makes the event stage wait until
the outputs have taken enough; a batch larger than the whole budget still passes when nothing
else waits, so a run never deadlocks on one big batch.
"""

from __future__ import annotations

import anyio


class ByteBudget:
    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.held = 0
        self._released = anyio.Event()

    def size_of(self, events: list[str]) -> int:
        """A batch's size in characters (exact for ASCII, and cheap); 0 when unlimited."""
        return 0 if self.limit is None else sum(map(len, events))

    async def acquire(self, size: int) -> None:
        """Wait until `size` more bytes fit (or nothing is held), then hold them."""
        while self.held and self.limit is not None and self.held + size > self.limit:
            await self._released.wait()
        self.held += size

    def release(self, size: int) -> None:
        self.held -= size
        self._released.set()
        self._released = anyio.Event()
