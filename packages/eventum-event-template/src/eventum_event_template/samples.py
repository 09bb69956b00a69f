"""Samples: tables of rows loaded once (inline items, CSV, JSON) that templates pick from."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from pathlib import Path
from random import Random
from typing import Any

from eventum_core import ConfigError

_MISSING: Any = object()


class Row(tuple):  # type: ignore[type-arg]
    """A sample row: a tuple whose values are also readable by column name (`row.host`)."""

    __slots__ = ()
    _index: Mapping[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self._index[name]]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        pairs = ", ".join(f"{name}={self[i]!r}" for name, i in self._index.items())
        return f"Row({pairs})"


def _row_type(columns: list[str]) -> type[Row]:
    """A Row class for these columns: a column whose name is an identifier that tuples do not
    already have (`count`, `index` stay tuple methods) is a C-level property."""
    index = {name: i for i, name in enumerate(columns)}
    namespace: dict[str, Any] = {"__slots__": (), "_index": index}
    for name, i in index.items():
        if name.isidentifier() and not hasattr(Row, name):
            namespace[name] = property(itemgetter(i))
    return type("Row", (Row,), namespace)


class Sample:
    """Rows with `len`, `[i]`, iteration, `pick`, `pick_n`, `weighted_pick(_n)`, `where`."""

    __slots__ = ("_columns", "_cum_weights", "_rng", "_row_type", "_rows", "_where")

    def __init__(
        self, rows: Iterable[Iterable[Any]], columns: list[str] | None, width: int, rng: Random
    ) -> None:
        self._columns = columns if columns is not None else [f"_{i}" for i in range(width)]
        self._row_type: type[Row] = _row_type(self._columns)
        self._rows: tuple[Row, ...] = tuple(self._row_type(r) for r in rows)
        self._rng = rng
        self._cum_weights: dict[str, list[float]] = {}
        self._where: dict[Any, Sample] = {}

    def _subset(self, rows: tuple[Row, ...]) -> Sample:
        subset = object.__new__(Sample)
        subset._columns, subset._row_type, subset._rows = self._columns, self._row_type, rows
        subset._rng, subset._cum_weights, subset._where = self._rng, {}, {}
        return subset

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            i = self._row_type._index.get(key)
            if i is None:
                raise KeyError(f"no column {key!r} in sample (columns: {self._columns})")
            return [row[i] for row in self._rows]
        return self._rows[key]

    def __repr__(self) -> str:
        return f"Sample(rows={len(self._rows)}, columns={self._columns})"

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def where(self, **conditions: Any) -> Sample:
        """The rows whose columns equal all the given values (an unknown column is an error)."""
        if not conditions:
            return self
        index = self._row_type._index
        unknown = sorted(set(conditions) - set(index))
        if unknown:
            raise KeyError(f"unknown column(s) {unknown} in where(); columns: {self._columns}")
        try:  # the rows never change: the same conditions give the same subset
            key: Any = tuple(conditions.items())
            found = self._where.get(key)
        except TypeError:  # an unhashable value
            key = found = None
        if found is None:
            checks = [(index[col], value) for col, value in conditions.items()]
            found = self._subset(
                tuple(row for row in self._rows if all(row[i] == v for i, v in checks))
            )
            if key is not None and len(self._where) < 4096:
                self._where[key] = found
        return found

    def pick(self, default: Any = _MISSING) -> Any:
        """A uniformly random row; `default` (if given) when the sample is empty."""
        if not self._rows:
            if default is _MISSING:
                raise IndexError("cannot pick from an empty sample")
            return default
        return self._rng.choice(self._rows)

    def pick_n(self, n: int) -> list[Row]:
        """`n` random rows with replacement; [] when empty."""
        if not self._rows or n <= 0:
            return []
        return self._rng.choices(self._rows, k=n)

    def weighted_pick(self, weight: str, default: Any = _MISSING) -> Any:
        """A random row weighted by the numeric column `weight`."""
        if not self._rows:
            if default is _MISSING:
                raise IndexError("cannot pick from an empty sample")
            return default
        return self._rng.choices(self._rows, cum_weights=self._weights(weight))[0]

    def weighted_pick_n(self, weight: str, n: int) -> list[Row]:
        if not self._rows or n <= 0:
            return []
        return self._rng.choices(self._rows, cum_weights=self._weights(weight), k=n)

    def _weights(self, column: str) -> list[float]:
        cached = self._cum_weights.get(column)
        if cached is not None:
            return cached
        i = self._row_type._index.get(column)
        if i is None:
            raise KeyError(f"weight column {column!r} not in sample (columns: {self._columns})")
        total = 0.0
        cumulative: list[float] = []
        for n, row in enumerate(self._rows):
            try:
                value = float(row[i])
            except (TypeError, ValueError):
                raise ValueError(
                    f"weight column {column!r} row {n}: {row[i]!r} is not a number"
                ) from None
            if value < 0:
                raise ValueError(f"weight column {column!r} row {n}: {row[i]!r} is negative")
            total += value
            cumulative.append(total)
        if total == 0:
            raise ValueError(f"weight column {column!r}: all weights are zero")
        self._cum_weights[column] = cumulative
        return cumulative


def _uniform_width(rows: list[tuple[Any, ...]], what: str) -> int:
    width = len(rows[0]) if rows else 0
    for n, row in enumerate(rows):
        if len(row) != width:
            raise ConfigError(f"{what}: row {n} has {len(row)} values, the first has {width}")
    return width


def items_sample(source: tuple[Any, ...], rng: Random, name: str) -> Sample:
    """Scalars become one-column rows; lists become rows."""
    first = source[0] if source else None
    if isinstance(first, Iterable) and not isinstance(first, str | bytes | Mapping):
        rows = [tuple(item) for item in source]
    else:
        rows = [(item,) for item in source]
    return Sample(rows, None, _uniform_width(rows, f"sample {name!r}"), rng)


def csv_sample(
    path: Path, *, header: bool, delimiter: str, quotechar: str, rng: Random, name: str
) -> Sample:
    """CSV values stay strings; empty lines are skipped, short rows padded with ''."""
    where = f"sample {name!r} ({path})"
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            records = list(csv.reader(file, delimiter=delimiter, quotechar=quotechar))
    except (OSError, csv.Error, UnicodeDecodeError) as error:
        raise ConfigError(f"{where}: cannot read: {error}") from None
    records = [r for r in records if r]
    columns = records.pop(0) if header and records else None
    width = len(columns) if columns is not None else max((len(r) for r in records), default=0)
    rows = []
    for n, record in enumerate(records, start=2 if header else 1):
        if len(record) > width:
            raise ConfigError(
                f"{where}: record {n} has {len(record)} values, expected {width}; "
                "quote values that contain the delimiter"
            )
        rows.append(tuple(record) + ("",) * (width - len(record)))
    return Sample(rows, columns, width, rng)


def json_sample(path: Path, *, rng: Random, name: str) -> Sample:
    """A JSON array of objects (keys of the first one are the columns) or of arrays/scalars."""
    where = f"sample {name!r} ({path})"
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"{where}: cannot read: {error}") from None
    if not isinstance(data, list):
        raise ConfigError(f"{where}: expected a JSON array")
    if data and isinstance(data[0], dict):
        columns = list(data[0])
        rows = []
        for n, obj in enumerate(data):
            if not isinstance(obj, dict) or obj.keys() != data[0].keys():
                raise ConfigError(f"{where}: item {n} does not have the keys {columns}")
            rows.append(tuple(obj[c] for c in columns))
        return Sample(rows, columns, len(columns), rng)
    rows = [tuple(v) if isinstance(v, list) else (v,) for v in data]
    return Sample(rows, None, _uniform_width(rows, where), rng)
