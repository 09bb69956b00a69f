"""A world's Faker-made field values kept on disk between runs, as compiled templates are.

Faker is most of a world's start: importing it and building a locale takes 0.1 s, and a
weighted provider such as `first_name` 40 us a call, while the same seed, field and Faker give
the same values in every run. A field's values are found by a digest of everything that shapes
them (seed, kind, field, provider, locale, args, Faker's and Python's versions); a run that
finds them neither imports Faker nor calls it. A cache that cannot be read or written is simply
not used; a value marshal cannot write (a date) leaves its field uncached.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import marshal
import sys
from functools import cache
from pathlib import Path
from typing import Any

from eventum_core import cache_directory, write_whole

_FORMAT = "eventum-world-values 1"
MISSING: Any = object()


@cache
def _faker_version() -> str:
    try:
        return importlib.metadata.version("faker")
    except importlib.metadata.PackageNotFoundError:
        return ""


class KeptValues:
    """One Faker field's values by entity index: read from disk on first use, written back
    (merged with what another process wrote meanwhile) by `save` when new ones were made.
    Called under the population's lock."""

    def __init__(self, directory: Path | None, shape: tuple[Any, ...]) -> None:
        self._path = None
        if directory is not None:
            parts = (_FORMAT, _faker_version(), sys.version_info[:2], *shape)
            digest = hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()
            self._path = directory / f"{digest}.bin"
        self._values: dict[int, Any] | None = None
        self._new = False

    @classmethod
    def for_field(cls, seed: int, kind: str, field: str, spec: Any) -> KeptValues:
        shape = (seed, kind, field, spec.faker, spec.locale, sorted(spec.args.items()))
        return cls(cache_directory("world-values"), shape)

    def get(self, index: int) -> Any:
        """The kept value of entity `index`, else MISSING."""
        values = self._values
        if values is None:
            values = self._values = self._read()
        return values.get(index, MISSING)

    def put(self, index: int, value: Any) -> None:
        if self._path is not None:
            if self._values is None:
                self._values = self._read()
            self._values[index] = value
            self._new = True

    def save(self) -> None:
        if not self._new or self._path is None:
            return
        merged = {**self._read(), **(self._values or {})}
        self._new = False
        with contextlib.suppress(ValueError):
            write_whole(self._path, marshal.dumps(merged))

    def _read(self) -> dict[int, Any]:
        if self._path is None:
            return {}
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            found = marshal.loads(self._path.read_bytes())
            if isinstance(found, dict):
                return found
        return {}
