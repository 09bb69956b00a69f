"""The plugin protocols: what an input, event, output or formatter plugin must provide.

A plugin is a class registered under an entry point (`eventum.inputs`, `eventum.events`,
`eventum.outputs`, `eventum.formatters`); the entry-point name is the name users write in YAML.
Core validates the plugin's section of the config with the class's `Config` model (a pydantic
model, usually a subclass of `PluginConfig`; for outputs always of `OutputConfig`), then calls
`Plugin(config, context)`.

Every call handles a batch: per-item calls cap a Python pipeline's throughput.

What a plugin must have are the methods of its Protocol and a `Config` class attribute (written
below as a read-only property, so that a plugin's own narrower model matches); what it may declare
are the Protocol's traits, boolean attributes written below with their defaults. The loader derives
both from these classes (`required_methods`, `traits`, `protocol_problem`), so a new trait is one
line here. A plugin may subclass its Protocol to inherit the defaults (and be checked against it
by mypy); core reads the traits with their defaults either way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from eventum_core.config.plugin_config import OutputConfig

if TYPE_CHECKING:
    from eventum_core.batch import Formatted, Produced, TimestampBatch, Timestamps
    from eventum_core.context import PluginContext, PluginKind


@runtime_checkable
class InputPlugin(Protocol):
    """Protocol: a source of timestamps.

    `generate(size)` yields ascending numpy `datetime64[us]` arrays of UTC instants, each at most
    `size` long, and ends when the schedule ends. Core pulls from it in a worker thread and does
    all timing: in live mode it releases each timestamp when it is due, so an input computes its
    schedule ahead and never sleeps. In live mode with `context.skip_past`, the input skips
    timestamps before `context.started_at` without computing them one by one.

    An `interactive` input (timestamps made on demand, such as HTTP requests) is not merged
    chronologically with the others; its `generate` may block until there is demand, and `stop()`
    must make it end. Core calls `stop()` on every input when the generator stops.
    """

    @property
    def Config(self) -> type[BaseModel]: ...

    interactive: ClassVar[bool] = False

    def __init__(self, config: Any, context: PluginContext) -> None: ...

    def generate(self, size: int) -> Iterator[Timestamps]: ...

    def stop(self) -> None: ...


@runtime_checkable
class EventPlugin(Protocol):
    """Protocol: turns each timestamp of a batch into zero or more event strings.

    `produce` returns a `Produced`: the events in order, counts of failed and dropped ones, and
    whether the source is exhausted. A failure for one timestamp is logged and counted by the
    plugin, never raised: the rest of the batch goes on. It runs in a worker thread.

    Four traits let core put the event stage on other cores in sample mode (`--workers auto`):
    `parallel_safe` (batches may be produced by separate instances, each with its own `Segment`
    of the random streams), `planned` (so may they once this process's instance has planned each
    piece, in stream order: see `PlansAhead`), `movable` (one instance may produce every batch in
    a worker process of its own while this process formats and writes: it shares no live state
    with the rest of the process, so its events are those it would make here) and `cheap`
    (producing costs less than shipping the events between processes, so workers would not
    help). An instance may set them in `__init__` from its config; core reads them once, after
    building it.
    """

    @property
    def Config(self) -> type[BaseModel]: ...

    parallel_safe: bool = False
    planned: bool = False
    movable: bool = False
    cheap: bool = False

    def __init__(self, config: Any, context: PluginContext) -> None: ...

    def produce(self, batch: TimestampBatch) -> Produced: ...

    def close(self) -> None: ...


@runtime_checkable
class OutputPlugin(Protocol):
    """Protocol: delivers formatted event strings to a sink.

    `open` before the first write, `close` after the last (flush there). `write` delivers every
    item or raises `WriteError` (with `retryable` and, for a partial failure, the failed indices).
    Blocking I/O belongs in a worker thread (`anyio.to_thread.run_sync`), not in the event loop.

    Core calls `write` for one batch at a time, in order, unless the class sets
    `concurrent_writes = True` (order does not matter to the sink and parallel requests help, as
    for HTTP APIs): then up to the output's `concurrency` (else `max_concurrency`) run at once.
    `idempotent_writes = True` says a rerun of the same run id, segment and batch is not written
    twice (ClickHouse's deduplication tokens, Kafka's transactions): a cluster run's retried
    segment counts no duplicates there. An instance may set it in `__init__` from its config.
    Its `Config` subclasses `OutputConfig`: formatter, retry, dead letters and
    concurrency are core's settings, the same for every output.
    """

    @property
    def Config(self) -> type[OutputConfig]: ...

    concurrent_writes: ClassVar[bool] = False
    idempotent_writes: bool = False

    def __init__(self, config: Any, context: PluginContext) -> None: ...

    async def open(self) -> None: ...

    async def write(self, items: Sequence[str]) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class Formatter(Protocol):
    """Protocol: shapes a batch of events into the strings an output writes.

    An event that cannot be formatted is counted in `Formatted.failed` and left out; the plugin
    logs why.

    A `parallel_safe` formatter keeps nothing between batches that its items depend on, so core
    may format each batch where it was produced (in the event workers, with an instance of its
    own in each) and take that work off the process that writes.
    """

    @property
    def Config(self) -> type[BaseModel]: ...

    parallel_safe: ClassVar[bool] = False

    def __init__(self, config: Any, context: PluginContext) -> None: ...

    def format(self, events: Sequence[str]) -> Formatted: ...


# What an event plugin may declare besides its protocol, for hosts (the REST API, MCP) to show and
# edit the state its event code keeps between events.


@runtime_checkable
class StateStore(Protocol):
    """Protocol: a key-value store event code reads and writes between events; a missing key
    reads as None."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def update(self, values: dict[str, Any], /) -> None: ...

    def pop(self, key: str, default: Any = None) -> Any: ...

    def clear(self) -> None: ...

    def as_dict(self) -> dict[str, Any]: ...

    def __contains__(self, key: object) -> bool: ...


@runtime_checkable
class ProcessState(Protocol):
    """Protocol: an event plugin class whose event code shares state with every generator of
    the process (the template plugin's `globals`, which Eventum's scenarios show).

    Declared on the class, so hosts reach it with no generator running: `process_state` is the
    store, `process_state_usage(folder)` the keys a generator folder's code writes and reads
    (`writes`, `reads`, `warnings`). `eventum_core.app.shared_state` finds the class.
    """

    process_state: ClassVar[StateStore]

    def process_state_usage(self, folder: Path) -> dict[str, Any]: ...


@runtime_checkable
class InstanceState(Protocol):
    """Protocol: an event plugin instance whose state a host's debugger shows and edits:
    `shared` (this instance's, one generator's) and `local_states` (per template alias)."""

    shared: StateStore

    @property
    def local_states(self) -> Mapping[str, StateStore]: ...


# What an event plugin may declare besides its protocol, for records about the events it makes.


@runtime_checkable
class KeepsRecords(Protocol):
    """Protocol: an event plugin instance whose events carry records kept out of band (a world's
    ground-truth labels), which must match the events the run writes, not those it made.

    Its `produce` returns them in `Produced.records` instead of keeping them: `--max-events` cuts
    a batch after it was made, and a worker process's batches may never be asked for. Core calls
    `keep(records)` on this process's instance with the records of every chunk the event stage
    passes on (whichever producer made it), in order.
    """

    def keep(self, records: list[Any]) -> None: ...


@runtime_checkable
class PlansAhead(Protocol):
    """Protocol: a `planned` event plugin instance, whose state across events is one sequence
    that a cheap pass can compute without producing (the template plugin's `shared` counters).

    When its batches are spread over producers, core calls `plan(piece)` on this process's
    instance for every piece of every batch, in stream order, and hands the result to whichever
    producer makes the piece as `piece.plan`: what that producer needs to make it as if it had
    made every piece before (the template plugin: its picks and `shared` as they start).
    `produce` follows the plan when a piece has one; a one-producer run plans nothing.
    """

    def plan(self, batch: TimestampBatch) -> Any: ...


# What an input plugin may declare besides its protocol, for a run split over machines.


@runtime_checkable
class Sidecar(Protocol):
    """Protocol: an input plugin class whose runs leave records about their events in files of
    their own (the `episodes` input: the ground-truth labels of a world's injected events).

    A segment of a cluster run may run where those files are a copy the driver never sees, so
    after its run each segment calls `collect_sidecar` with its config and context (something
    picklable, None for nothing), and the driver hands every segment's to `gather_sidecar` with
    its own config, to keep them where one process would have.
    """

    @classmethod
    def collect_sidecar(cls, config: Any, context: PluginContext) -> Any: ...

    @classmethod
    def gather_sidecar(cls, config: Any, collected: Sequence[Any]) -> None: ...


PROTOCOLS: Mapping[PluginKind, type] = MappingProxyType(
    {"input": InputPlugin, "event": EventPlugin, "output": OutputPlugin, "formatter": Formatter}
)
CONFIG_BASES: Mapping[PluginKind, type[BaseModel]] = MappingProxyType(
    {"input": BaseModel, "event": BaseModel, "output": OutputConfig, "formatter": BaseModel}
)


def required_methods(kind: PluginKind) -> tuple[str, ...]:
    """The methods the Protocol of `kind` defines: what every plugin of that kind has."""
    protocol = PROTOCOLS[kind]
    return tuple(n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_"))


def trait_defaults(kind: PluginKind) -> Mapping[str, bool]:
    """The traits the Protocol of `kind` declares, with their defaults."""
    members = vars(PROTOCOLS[kind]).items()
    return {n: v for n, v in members if isinstance(v, bool) and not n.startswith("_")}


def traits(kind: PluginKind, plugin: object) -> Mapping[str, bool]:
    """Every trait of `kind` as a plugin class (or instance) declares it, else its default."""
    return MappingProxyType(
        {n: bool(getattr(plugin, n, d)) for n, d in trait_defaults(kind).items()}
    )


def protocol_problem(kind: PluginKind, cls: Any) -> str | None:
    """Why `cls` does not meet the Protocol of `kind`, or None: what the loader and the
    contract suites (`eventum_core.testing`) both check."""
    if not isinstance(cls, type):
        return f"is not a class ({cls!r})"
    config = getattr(cls, "Config", None)
    if not (isinstance(config, type) and issubclass(config, BaseModel)):
        return "has no `Config` pydantic model"
    base = CONFIG_BASES[kind]
    if not issubclass(config, base):
        return (
            f"has a `Config` ({config.__qualname__}) that does not subclass "
            f"eventum_core.{base.__name__}"
        )
    missing = [m for m in required_methods(kind) if not callable(getattr(cls, m, None))]
    if missing:
        return f"lacks {', '.join(missing)}"
    for name in trait_defaults(kind):
        value = getattr(cls, name, False)
        if not isinstance(value, bool):
            return f"declares `{name}` as {value!r}, not True or False"
    return None
