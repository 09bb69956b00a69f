"""The producers of the event stage: this process's plugin instance and, when a CPU-bound event
plugin can use every core, forked worker processes with their own.

In-process production is the one-producer case. Batches go to producers round-robin and come
back in the order they were sent, so the stream keeps its order. Producer `i` has its own plugin
with `Segment(i, n)`: its random streams are its own and repeatable, so a seeded run gives the
same bytes for the same number of workers. Producer 0 is this process (it has spare time: the
rest of the pipeline is light); it produces a batch when its result is asked for, in a worker
thread, while the other producers work on theirs. State the plugin keeps (the template plugin's
`shared` with `shared_scope: producer`) is per producer, unless the plugin is `planned`: then
this process's instance plans every piece of every batch as it is sent, in stream order, and
the producer that makes a piece starts from its plan (the template plugin's `shared` counters:
one sequence, on every core).

A plugin that must stay one instance (its state is one sequence) but is `movable` is moved: one
worker process, with this process's segment (forked, this process's instance itself, unused
until then), produces every batch while this process formats and writes, so the event stage
has a core of its own and the events are those an in-process run makes. A producer makes a
batch in pieces (`Producers.piece`) and sends each as it is made: a moved one's are formatted
here while the next is made, so a batch's formatting is not a wait at the end. The pieces come
back joined: one batch, one write. Every producer makes pieces the same way, so a batch's events
are the same wherever it was made.

A producer also formats its batch for every output whose formatter is `parallel_safe` (a worker
with instances of its own), so formatting runs on every core and the formatted items come back
with the events; the output's writer formats what came back unformatted.

Workers are forked while the process has a single thread (before outputs open), which starts them
in milliseconds with every module already imported; otherwise they are spawned.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import gc
import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, cast

import anyio

from eventum_core import logging as eventum_logging
from eventum_core.batch import Formatted, Produced, TimestampBatch
from eventum_core.context import PluginContext, Segment
from eventum_core.protocols import EventPlugin, Formatter, KeepsRecords, PlansAhead


@dataclasses.dataclass(frozen=True, slots=True)
class ProduceFailed:
    """What a producer made of a batch when `produce` raised (or its process died)."""

    reason: str

    @classmethod
    def of(cls, error: BaseException) -> ProduceFailed:
        return cls(f"{type(error).__name__}: {error}")


@dataclasses.dataclass(frozen=True, slots=True)
class Made:
    """A produced batch and, per output, its formatted items (None: the writer formats them)."""

    produced: Produced
    formatted: tuple[Formatted | None, ...]
    count: int = -1  # the events made, when `produced` was sent without them (-1: it was not)

    @property
    def events(self) -> int:
        return len(self.produced.events) if self.count < 0 else self.count

    def light(self) -> Made:
        """What a producer hands on: without its events when every output has one formatted
        item per event, so the pipe (and this process, while the batch is written) holds the
        items instead of, not beside, the events."""
        events = self.produced.events
        if not all(f is not None and f.items_per_event(len(events)) for f in self.formatted):
            return self
        return Made(dataclasses.replace(self.produced, events=[]), self.formatted, len(events))


@dataclasses.dataclass(frozen=True, slots=True)
class Producers:
    """How the event stage is spread: `count` producers, this process first among them unless
    `moved` (then one worker process produces every batch)."""

    count: int = 1
    moved: bool = False
    planned: bool = False  # this process's instance plans every piece first (`PlansAhead`)
    piece: int | None = None  # a producer makes a batch in pieces of at most this many timestamps


@dataclasses.dataclass(frozen=True, slots=True)
class Formatting:
    """An output's `parallel_safe` formatter, for the producers: this process's instance and
    what a worker builds its own from."""

    local: Formatter
    cls: type[Formatter]
    config: Any
    context: PluginContext


def _fields(context: PluginContext) -> dict[str, Any]:
    """A context's fields but its logger, which a worker makes its own."""
    return {
        f.name: getattr(context, f.name) for f in dataclasses.fields(context) if f.name != "logger"
    }


def _make(
    plugin: EventPlugin, formatters: Sequence[Formatter | None], batch: TimestampBatch
) -> Made:
    produced = plugin.produce(batch)
    return Made(produced, tuple(_format(f, produced.events) for f in formatters))


def _joined(parts: list[Result]) -> Result:
    """A batch made in pieces, as one (`light`): a piece's failure fails the batch; an output's
    items are joined when every piece has one per event, else its writer formats the events."""
    made = [p for p in parts if isinstance(p, Made)]
    if len(made) < len(parts):
        return next(p for p in parts if not isinstance(p, Made))
    if len(made) == 1:
        return made[0].light()
    events: list[str] = []
    records: list[tuple[int, Any]] = []
    for part in made:
        records += [(index + len(events), record) for index, record in part.produced.records]
        events += part.produced.events
    produced = Produced(
        events,
        sum(p.produced.failed for p in made),
        sum(p.produced.dropped for p in made),
        any(p.produced.exhausted for p in made),
        records,
    )
    outputs = range(len(made[0].formatted))
    return Made(produced, tuple(_join_formatted(made, k) for k in outputs)).light()


def _join_formatted(made: list[Made], output: int) -> Formatted | None:
    """An output's items of every piece (one per event; a piece without events has none)."""
    items: list[str] = []
    for part in made:
        formatted, events = part.formatted[output], len(part.produced.events)
        if formatted is None and not events:
            continue
        if formatted is None or not formatted.items_per_event(events):
            return None
        items += formatted.items
    return Formatted(items, len(items))


def _format(formatter: Formatter | None, events: list[str]) -> Formatted | None:
    if formatter is None or not events:
        return None
    try:
        return formatter.format(events)
    except Exception:
        return None  # the writer formats it again and reports the error


def _serve(
    conn: Channel,
    cls: type[Any],
    config: Any,
    fields: dict[str, Any],
    formatters: list[tuple[type[Any], Any, dict[str, Any]] | None],
    log_settings: eventum_logging.LogSettings | None,
    stream: bool,
    inherited: EventPlugin | None,
) -> None:
    """A worker's loop: a batch's pieces in, what it made of them out: each piece as it is made
    when `stream` (a moved producer: the parent formats it meanwhile), else the batch joined
    (the parent works on batches of its own and reads this one's when it is due). `inherited`:
    the parent's own instance, forked unused, when it is the one this worker would make."""
    eventum_logging.configure(*(log_settings or (0, "plain", None)))
    eventum_logging.hold()  # printed once a batch is sent, not while the first is made
    try:
        plugin = inherited or cls(config, PluginContext(**fields))
        own = [None if f is None else f[0](f[1], PluginContext(**f[2])) for f in formatters]
        try:
            while (pieces := conn.recv()) is not None:
                if stream:
                    for piece in pieces:
                        conn.send(_attempt(plugin, own, piece))
                else:
                    conn.send(_joined([_attempt(plugin, own, piece) for piece in pieces]))
                eventum_logging.release()
        except EOFError:
            pass  # the parent went away
        finally:
            plugin.close()
    finally:
        eventum_logging.release()
        conn.close()


def _attempt(
    plugin: EventPlugin, formatters: list[Formatter | None], piece: TimestampBatch
) -> Result:
    try:
        return _make(plugin, formatters, piece)
    except Exception as error:
        return ProduceFailed.of(error)


Result = Made | ProduceFailed


class Channel:
    """Both ways between this process and a worker: one pipe each way, each with a buffer of up
    to 1 MiB (a batch of large events is tens of megabytes: with the default 64 KiB, moving it
    takes a few hundred reads and switches; a socket pair, multiprocessing's default, is no
    faster)."""

    def __init__(self, receive: Connection, send: Connection) -> None:
        self._receive, self._send = receive, send

    @classmethod
    def pair(cls, mp: Any) -> tuple[Channel, Channel]:
        """This process's end and the worker's."""
        down_r, down_w = mp.Pipe(duplex=False)
        up_r, up_w = mp.Pipe(duplex=False)
        for end in (down_w, up_w):  # a pipe's size is set once, from either end
            with contextlib.suppress(OSError, AttributeError):  # Linux only; the default else
                fcntl.fcntl(end.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BUFFER)
        return cls(up_r, down_w), cls(down_r, up_w)

    def send(self, item: Any) -> None:
        self._send.send(item)

    def recv(self) -> Any:
        return self._receive.recv()

    def close(self) -> None:
        self._receive.close()
        self._send.close()


_PIPE_BUFFER = 1 << 20  # /proc/sys/fs/pipe-max-size, the most an unprivileged process may ask


class EventWorkers:
    """The event stage spread over `producers`: this process's own plugin instance (the
    context's segment: in an unsplit run, segment 0, whose random streams are those of a
    one-process run), unless moved, and forked processes, each with its own instance of the
    plugin and of the `formatters` (one per output, None for one that the writer runs). A moved
    producer formats nothing: this process, which would idle, formats while it produces."""

    def __init__(
        self,
        local: EventPlugin,
        cls: type[EventPlugin],
        config: Any,
        context: PluginContext,
        producers: Producers = Producers(),
        formatters: Sequence[Formatting | None] = (),
    ) -> None:
        self._local = local
        self._keeper = local if isinstance(local, KeepsRecords) else None
        self._formatters = [None if f is None else f.local for f in formatters]
        self._first = 0 if producers.moved else 1  # the first slot a worker process takes
        self._planner = cast(PlansAhead, local) if producers.planned else None
        self._pieces = producers.piece
        self._conns: list[Channel] = []
        self._processes: list[Any] = []
        self._next = 0
        self._in_flight: deque[tuple[TimestampBatch, Callable[[], Any]]] = deque()
        if producers.count > self._first:
            moved = (None,) * len(formatters)
            self._fork(
                cls, config, context, producers.count, moved if producers.moved else formatters
            )

    def _fork(
        self,
        cls: type[EventPlugin],
        config: Any,
        context: PluginContext,
        count: int,
        formatting: Sequence[Formatting | None],
    ) -> None:
        method = "fork" if threading.active_count() == 1 else "spawn"
        gc.freeze()  # the collector leaves what exists now alone, so forked pages stay shared
        mp: Any = multiprocessing.get_context(method)
        fields = _fields(context)
        formatters = [
            None if f is None else (f.cls, f.config, _fields(f.context)) for f in formatting
        ]
        # Producer `index` of this segment of the run is producer `base.index + base.count *
        # index` of the whole run: it gets the batches and random streams it would get there.
        base = context.segment
        # A moved producer is this process's instance (same segment, producer 0), which has made
        # nothing: forked, it is there already (making it again is a template plugin's start).
        inherited = self._local if not self._first and method == "fork" else None
        for index in range(self._first, count):
            fields["segment"] = Segment(base.index + base.count * index, base.count * count)
            fields["producer"] = index
            conn, child = Channel.pair(mp)
            process = mp.Process(
                target=_serve,
                args=(
                    child,
                    cls,
                    config,
                    dict(fields),
                    formatters,
                    eventum_logging.settings(),
                    not self._first,
                    inherited,
                ),
                name=f"eventum-event-{context.generator_id}-{index}",
                daemon=True,
            )
            process.start()
            child.close()
            self._conns.append(conn)
            self._processes.append(process)

    @property
    def count(self) -> int:
        return len(self._conns) + self._first

    @property
    def full(self) -> bool:
        """Every producer has a batch and, with worker processes, one more waits so that none
        idles while this process produces its own. One producer takes each batch at once."""
        return len(self._in_flight) >= (self.count + 1 if self._processes else 1)

    @property
    def busy(self) -> bool:
        return bool(self._in_flight)

    async def submit(self, batch: TimestampBatch) -> None:
        slot, self._next = self._next, (self._next + 1) % self.count
        pieces = batch.pieces(self._pieces)
        if self._planner is not None:  # here, in stream order, whoever makes the pieces
            plan = self._planner.plan
            pieces = [dataclasses.replace(p, plan=plan(p)) for p in pieces]
        if slot < self._first:
            local, formatters = self._local, self._formatters
            self._in_flight.append(
                (batch, lambda: _joined([_make(local, formatters, p) for p in pieces]))
            )
            return
        conn = self._conns[slot - self._first]
        await anyio.to_thread.run_sync(conn.send, pieces)
        replies = range(len(pieces) if not self._first else 1)  # a moved producer's: each piece
        self._in_flight.append((batch, lambda: _joined([self._here(conn.recv()) for _ in replies])))

    def _here(self, reply: Result) -> Result:
        """A moved producer's piece, formatted here (a worker among several formats its own)."""
        if self._first or not isinstance(reply, Made):
            return reply
        events = reply.produced.events
        return Made(reply.produced, tuple(_format(f, events) for f in self._formatters))

    def keep(self, records: list[Any]) -> None:
        """Hand this process's instance the records of events the stage kept (`KeepsRecords`)."""
        if self._keeper is not None:
            self._keeper.keep(records)

    async def result(self) -> tuple[TimestampBatch, Result]:
        """The oldest batch sent and what its producer made of it (or why it failed)."""
        batch, wait = self._in_flight.popleft()
        try:
            reply: Result = await anyio.to_thread.run_sync(wait)
        except EOFError:
            return batch, ProduceFailed("event worker process died")
        except Exception as error:  # from this process's own instance
            return batch, ProduceFailed.of(error)
        return batch, reply

    def close(self) -> None:
        """End the workers. Batches still in flight were not asked for (the run stopped early):
        their workers are killed rather than left blocked on sending results nobody reads."""
        if self._in_flight:
            for process in self._processes:
                process.kill()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        for conn in self._conns:
            conn.close()
