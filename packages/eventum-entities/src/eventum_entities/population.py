"""The population: entities made lazily, each from its own random stream.

Entity `i` of kind `K` draws field `F` from `Random("seed:entity:K:i:F")` only, so any process
builds the same entity without building the others, without coordination, and adding a field
leaves the other fields as they were. Entities are made on first use and kept; a `where` or a
weighted pick makes the whole kind once.
"""

from __future__ import annotations

import ipaddress
import random
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import accumulate
from typing import Any

from eventum_entities.config import FieldSpec, KindSpec, SessionSpec, WorldSpec
from eventum_entities.kept import MISSING, KeptValues

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Stream = Callable[[], random.Random]


class FieldError(Exception):
    """A field that could not be made (an unknown Faker provider, a template error)."""

    def __init__(self, kind: str, field: str, error: Exception) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.kind, self.field = kind, field


class Entity(str):
    """One entity: its key as text, with its fields as attributes (`user.department`) or items
    (`user['department']`); a `ref` field is the other entity.

    A string so that printing one (`{{ user.host }}`) costs what printing a string does, and
    `user.department == 'Finance'` compares the key; two entities are equal when they are the
    same entity (kind and index). The fields are the instance's attributes, read at plain
    attribute speed; a field named like a method (`get`, `session`) is read as `entity['get']`.
    """

    _kind: Kind
    index: int  # type: ignore[assignment]  # the entity's number, in place of str.index
    values: dict[str, Any]

    def __new__(cls, kind: Kind, index: int, text: str) -> Entity:
        self = super().__new__(cls, text)
        self._kind = kind
        self.index = index
        self.values = {}
        return self

    def _fill(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.values = values

    @property
    def kind(self) -> str:
        return self._kind.name

    @property
    def key(self) -> Any:
        field = self._kind.spec.key
        return self.values[field] if field is not None else str(self)

    def __getitem__(self, name: str) -> Any:  # type: ignore[override]
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def as_dict(self) -> dict[str, Any]:
        """The fields, a related entity given by its key: what labels and the API show."""
        return {name: plain(value) for name, value in self.values.items()}

    def session(self, timestamp: datetime) -> Session | None:
        """The session this entity is in at `timestamp`, if any."""
        return self._kind.session_at(self.index, timestamp)

    def __repr__(self) -> str:
        return f"<{self._kind.name} {str.__str__(self)}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Entity):
            return other._kind is self._kind and other.index == self.index
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def plain(value: Any) -> Any:
    return value.key if isinstance(value, Entity) else value


@dataclass(frozen=True, slots=True)
class Session:
    """One session of an entity: a stable `id`, `start` and `end` (UTC)."""

    entity: Entity
    id: str
    start: datetime
    end: datetime

    def active(self, timestamp: datetime) -> bool:
        return self.start <= timestamp < self.end


@dataclass(frozen=True, slots=True)
class SessionBoundary:
    """A session's start or end, as the `sessions` input yields them."""

    entity: Entity
    id: str
    start: datetime
    end: datetime
    phase: str


class Kind:
    """All entities of one kind; `make_values` is the only place entities are made."""

    def __init__(self, name: str, spec: KindSpec, population: Population) -> None:
        self.name = name
        self.spec = spec
        self.count = spec.count
        self._population = population
        self.made: dict[int, Entity] = {}  # whole entities only: read without the lock
        # Being made, by the thread holding the lock: None until its key is made.
        self._making: dict[int, Entity | None] = {}
        self._lock = population.lock
        self._makers = [
            (field, _maker(name, field, spec_, population)) for field, spec_ in spec.fields.items()
        ]
        self._by_key: dict[Any, int] | None = None
        self._matches: dict[Any, list[int]] = {}
        self._sessions: dict[int, list[tuple[datetime, datetime] | None]] = {}

    def __len__(self) -> int:
        return self.count

    def entity(self, index: int) -> Entity:
        found = self.made.get(index)
        if found is None:
            if not 0 <= index < self.count:
                raise IndexError(f"{self.name}: no entity {index} (there are {self.count})")
            with self._lock:
                found = self.made.get(index)
                if found is None:
                    found = self._making.get(index)
                if found is None:
                    found = self._make(index)
        return found

    def _make(self, index: int) -> Entity:
        # A relation back to an entity being made (a cycle) gets it once its key is made (the
        # world's check puts keys before such relations); other threads wait on the lock and
        # see it whole.
        key = self.spec.key
        self._making[index] = (
            None if key is not None else Entity(self, index, f"{self.name}-{index}")
        )
        try:
            values = self.make_values(index)
            made = self._making[index]
            assert made is not None, "the key field is made before any relation back"
            made._fill(values)
        finally:
            del self._making[index]
        self.made[index] = made
        if len(self.made) == self.count:
            self._population.save_kept()
        return made

    def make_values(self, index: int) -> dict[str, Any]:
        seed = self._population.seed
        key = self.spec.key
        values: dict[str, Any] = {}
        with self._lock:  # Faker instances are shared and reseeded per field
            for field, make in self._makers:
                # Seeding a Random from text costs microseconds: only fields that draw do it.
                stream = partial(random.Random, f"{seed}:entity:{self.name}:{index}:{field}")
                try:
                    values[field] = make(stream, index, values)
                except Exception as error:
                    raise FieldError(self.name, field, error) from error
                if field == key and index in self._making:
                    self._making[index] = Entity(self, index, str(values[field]))
        return values

    def by_key(self, key: Any) -> Entity | None:
        if self._by_key is None:
            table = {str(self.entity(i).key): i for i in range(self.count)}
            self._by_key = table
        index = self._by_key.get(str(key))
        return None if index is None else self.entity(index)

    def matching(self, criteria: dict[str, Any]) -> list[int]:
        """Indices of the entities whose fields equal `criteria` (cached per criteria)."""
        wanted = {field: plain(value) for field, value in criteria.items()}
        try:
            cache_key: Any = tuple(sorted(wanted.items()))
            found = self._matches.get(cache_key)
        except TypeError:  # an unhashable value: not cached
            cache_key, found = None, None
        if found is not None:
            return found
        unknown = set(wanted) - set(self.spec.fields)
        if unknown:
            raise KeyError(f"{self.name} has no field {sorted(unknown)[0]!r}")
        found = [
            i
            for i in range(self.count)
            if all(plain(self.entity(i).values[f]) == v for f, v in wanted.items())
        ]
        if cache_key is not None:
            self._matches[cache_key] = found
        return found

    # -- sessions ----------------------------------------------------------------------------

    def _period_sessions(self, period: int) -> list[tuple[datetime, datetime] | None]:
        spec = self.spec.sessions
        assert spec is not None
        found = self._sessions.get(period)
        if found is None:
            found = [self._session_of(spec, i, period) for i in range(self.count)]
            self._sessions[period] = found
        return found

    def _session_of(
        self, spec: SessionSpec, index: int, period: int
    ) -> tuple[datetime, datetime] | None:
        rng = random.Random(f"{self._population.seed}:session:{self.name}:{index}:{period}")
        if rng.random() >= spec.chance:
            return None
        begin = _EPOCH + spec.period * period
        start = begin + _uniform(rng, *spec.start)
        return start, start + _uniform(rng, *spec.duration)

    def _periods(self, timestamp: datetime) -> range:
        spec = self.spec.sessions
        assert spec is not None
        current = (timestamp - _EPOCH) // spec.period
        back = -(-(spec.start[1] + spec.duration[1]) // spec.period)
        return range(current, current - back - 1, -1)

    def session_at(self, index: int, timestamp: datetime) -> Session | None:
        if self.spec.sessions is None:
            raise AttributeError(f"{self.name} has no sessions (add sessions: to the kind)")
        for period in self._periods(timestamp):
            window = self._period_sessions(period)[index]
            if window is not None and window[0] <= timestamp < window[1]:
                return Session(self.entity(index), self._session_id(index, period), *window)
        return None

    def active(self, timestamp: datetime) -> list[int]:
        """Indices of the entities in a session at `timestamp`."""
        if self.spec.sessions is None:
            raise AttributeError(f"{self.name} has no sessions (add sessions: to the kind)")
        active: set[int] = set()
        for period in self._periods(timestamp):
            for i, window in enumerate(self._period_sessions(period)):
                if window is not None and window[0] <= timestamp < window[1]:
                    active.add(i)
        return sorted(active)

    def boundaries(self, begin: datetime, end: datetime) -> list[tuple[datetime, int, str]]:
        """Every session start and end in [begin, end): (time, entity index, 'start'|'end'),
        in time order."""
        spec = self.spec.sessions
        if spec is None:
            raise AttributeError(f"{self.name} has no sessions (add sessions: to the kind)")
        found = []
        first, last = self._periods(begin)[-1], (end - _EPOCH) // spec.period
        for period in range(first, last + 1):
            for index, window in enumerate(self._period_sessions(period)):
                if window is None:
                    continue
                for moment, phase in ((window[0], "start"), (window[1], "end")):
                    if begin <= moment < end:
                        found.append((moment, index, phase))
        found.sort(key=lambda item: (item[0], item[1], item[2]))
        return found

    def boundary_at(self, timestamp: datetime) -> tuple[Session, str] | None:
        """The session that starts or ends exactly at `timestamp`, and which it does."""
        for period in self._periods(timestamp):
            for index, window in enumerate(self._period_sessions(period)):
                if window is not None and timestamp in window:
                    phase = "start" if window[0] == timestamp else "end"
                    session = Session(self.entity(index), self._session_id(index, period), *window)
                    return session, phase
        return None

    def _session_id(self, index: int, period: int) -> str:
        rng = random.Random(f"{self._population.seed}:session-id:{self.name}:{index}:{period}")
        return f"{rng.getrandbits(64):016x}"


def _uniform(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    return low + (high - low) * rng.random()


def _maker(kind_name: str, field: str, spec: FieldSpec, population: Population) -> Any:
    """A function (stream, index, fields so far) -> value for one field; `stream()` is the
    field's own random stream, made when the field draws from it."""
    kind = spec.generator
    if kind == "value":
        value = spec.value
        return lambda stream, index, values: value
    if kind == "choice":
        choices, weights = spec.choice or [], spec.weights
        if weights is None:
            return lambda stream, index, values: stream().choice(choices)
        cumulative = list(accumulate(weights))
        return lambda stream, index, values: stream().choices(choices, cum_weights=cumulative)[0]
    if kind == "items":
        items = spec.items or []
        return lambda stream, index, values: items[index % len(items)]
    if kind == "integer":
        low, high = spec.integer or (0, 0)
        return lambda stream, index, values: stream().randint(low, high)
    if kind == "chance":
        p = spec.chance or 0.0
        return lambda stream, index, values: stream().random() < p
    if kind == "ref":
        name = spec.ref or ""

        def ref(stream: Stream, index: int, values: dict[str, Any]) -> Entity:
            other = population.kind(name)
            return other.entity(stream().randrange(other.count))

        return ref
    if kind == "ip":
        network = ipaddress.ip_network(spec.ip or "", strict=False)
        first, size = int(network.network_address), max(network.num_addresses - 2, 1)
        offset = 1 if network.num_addresses > 2 else 0
        make_address = ipaddress.ip_address
        return lambda stream, index, values: str(make_address(first + offset + index % size))
    if kind == "template":
        from jinja2 import Environment, StrictUndefined

        template = Environment(undefined=StrictUndefined).from_string(spec.template or "")
        return lambda stream, index, values: template.render(values, index=index)
    # faker
    provider, locale, args = spec.faker or "", spec.locale, spec.args
    kept = KeptValues.for_field(population.seed, kind_name, field, spec)
    population.kept.append(kept)

    def fake(stream: Stream, index: int, values: dict[str, Any]) -> Any:
        value = kept.get(index)
        if value is MISSING:
            faker = population.faker(locale)
            faker.seed_instance(stream().getrandbits(64))
            value = getattr(faker, provider)(**args)
            kept.put(index, value)
        return value

    return fake


class Population:
    """Every kind of one world for one seed."""

    def __init__(self, spec: WorldSpec, seed: int) -> None:
        self.spec = spec
        self.seed = seed
        self.lock = threading.RLock()
        self._fakers: dict[str, Any] = {}
        self.kept: list[KeptValues] = []  # the Faker fields', filled as the kinds are built
        self.kinds = {name: Kind(name, kind, self) for name, kind in spec.entities.items()}

    def kind(self, name: str) -> Kind:
        try:
            return self.kinds[name]
        except KeyError:
            raise KeyError(f"no entity kind {name!r} (kinds: {', '.join(self.kinds)})") from None

    def faker(self, locale: str) -> Any:
        found = self._fakers.get(locale)
        if found is None:
            from faker import Faker

            found = self._fakers[locale] = Faker(locale)
        return found

    def save_kept(self) -> None:
        """Keep the Faker values made so far for the next run (each kind's once it is whole,
        the rest when the world is closed)."""
        with self.lock:
            for kept in self.kept:
                kept.save()


class KindView:
    """What templates see as `entities.users`: pick, weighted, filtered, by key, by index.

    Picks draw from the generator's own random stream; the entities are the population's.
    """

    __slots__ = ("_indices", "_kind", "_rng", "_weights")

    def __init__(self, kind: Kind, rng: random.Random, indices: list[int] | None = None) -> None:
        self._kind = kind
        self._rng = rng
        self._indices = indices
        self._weights: dict[str, list[float]] = {}

    def __len__(self) -> int:
        return self._kind.count if self._indices is None else len(self._indices)

    def _index(self, position: int) -> int:
        return position if self._indices is None else self._indices[position]

    def __getitem__(self, position: int) -> Entity:
        return self._kind.entity(self._index(position))

    def __iter__(self) -> Iterator[Entity]:
        return (self[i] for i in range(len(self)))

    def get(self, key: Any, default: Any = None) -> Any:
        """The entity whose key is `key` (compared as text), else `default`."""
        found = self._kind.by_key(key)
        if found is None or (self._indices is not None and found.index not in self._indices):
            return default
        return found

    def pick(self, default: Any = None, **where: Any) -> Any:
        if not where and self._indices is None:  # the common case, kept short
            kind = self._kind
            index = int(self._rng.random() * kind.count)
            found = kind.made.get(index)
            return found if found is not None else kind.entity(index)
        view = self.where(**where) if where else self
        size = len(view)
        if not size:
            if default is not None:
                return default
            raise LookupError(f"{self._kind.name}: no entity to pick")
        return view[int(self._rng.random() * size)]

    def pick_n(self, n: int) -> list[Entity]:
        return [self[i] for i in self._rng.sample(range(len(self)), min(n, len(self)))]

    def weighted_pick(self, field: str) -> Entity:
        cumulative = self._weights.get(field)
        if cumulative is None:
            weights = [float(entity[field]) for entity in self]
            cumulative = self._weights[field] = list(accumulate(weights))
        if not cumulative or cumulative[-1] <= 0:
            raise LookupError(f"{self._kind.name}: no weight in {field!r} to pick by")
        return self[bisect_right(cumulative, self._rng.random() * cumulative[-1])]

    def where(self, **criteria: Any) -> KindView:
        indices = self._kind.matching(criteria)
        if self._indices is not None:
            allowed = set(self._indices)
            indices = [i for i in indices if i in allowed]
        return KindView(self._kind, self._rng, indices)

    def boundary(self, timestamp: datetime) -> Any:
        """At a timestamp of the `sessions` input: the session starting or ending then, with
        `.phase` ('start' or 'end'), `.entity`, `.id`, `.start`, `.end`; else None."""
        found = self._kind.boundary_at(timestamp)
        if found is None:
            return None
        session, phase = found
        return SessionBoundary(session.entity, session.id, session.start, session.end, phase)

    def active(self, timestamp: datetime) -> KindView:
        """The entities in a session at `timestamp`."""
        indices = self._kind.active(timestamp)
        if self._indices is not None:
            allowed = set(self._indices)
            indices = [i for i in indices if i in allowed]
        return KindView(self._kind, self._rng, indices)

    def __repr__(self) -> str:
        return f"<{self._kind.name}: {len(self)}>"


class Entities:
    """The `entities` name in templates: `entities.users`, `entities['users']`."""

    def __init__(self, population: Population, rng: random.Random) -> None:
        self._views = {name: KindView(kind, rng) for name, kind in population.kinds.items()}
        # As attributes, `entities.users` is a plain lookup: a miss that reaches `__getattr__`
        # costs an AttributeError first (about a microsecond an event).
        self.__dict__.update(self._views)

    def __getattr__(self, name: str) -> KindView:  # only for names that are not kinds
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._views[name]
        except KeyError:
            raise AttributeError(
                f"no entity kind {name!r} (kinds: {', '.join(self._views)})"
            ) from None

    def __getitem__(self, name: str) -> KindView:
        return getattr(self, name)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return iter(self._views)


_populations: dict[tuple[int, int], Population] = {}
_populations_lock = threading.Lock()


def population_of(spec: WorldSpec, seed: int) -> Population:
    """One population per world and seed in the process, shared by its generators."""
    key = (id(spec), seed)
    with _populations_lock:
        found = _populations.get(key)
        if found is None:
            found = _populations[key] = Population(spec, seed)
        return found
