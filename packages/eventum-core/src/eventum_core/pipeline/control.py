"""What the stages of one run share: the stop signal, the first error, and the chunks of events
that travel from the event stage to the outputs.

Stopping stops the inputs only (`on_stop` callbacks); whatever they already released is still
produced, formatted and written before outputs close.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anyio

from eventum_core.batch import Formatted, Timestamps
from eventum_core.logging import get_logger

log = get_logger()


@dataclass(slots=True)
class EventChunk:
    """A batch's events on their way to the outputs."""

    events: list[str]
    timestamps: Timestamps  # the batch's datetime64[us] array, for lateness
    size: int = 0  # held in the byte budget until every output has taken the chunk
    batch: int | None = None  # the timestamp batch's place in the run (`batch_index()`)
    formatted: tuple[Formatted | None, ...] = ()  # per output, when the producer formatted it


class RunControl:
    """The stop signal and first error of one run; `stop()` may be called from the loop at any
    time, by a stage, a bound, a signal or the supervisor."""

    def __init__(self, generator_id: str) -> None:
        self.generator_id = generator_id
        self.stopped = anyio.Event()
        self.error: str | None = None
        self.interrupted = False
        self.on_stop: list[Callable[[], None]] = []

    @property
    def stopping(self) -> bool:
        return self.stopped.is_set()

    def stop(self, *, interrupted: bool = False) -> None:
        """Stop taking timestamps from inputs; what was released still goes through."""
        if self.stopped.is_set():
            return
        self.interrupted = self.interrupted or interrupted
        self.stopped.set()
        for callback in self.on_stop:
            try:
                callback()
            except Exception:
                log.exception("input failed to stop", generator=self.generator_id)

    def fail(self, message: str) -> None:
        """Record why the run ends early (the first reason wins) and stop it."""
        log.error(message, generator=self.generator_id)
        self.error = self.error or message
        self.stop()
