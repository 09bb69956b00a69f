"""Finding plugins: one cached scan of entry points, import only what a config names.

Each kind has an entry-point group; the entry-point name is the name written in YAML. Listing
imports nothing; a distribution's name and version are read when shown. Loading imports one
plugin and checks it meets its Protocol (`protocols.protocol_problem`), registered classes as
well as entry points. A plugin that is missing gets an install hint; one that fails to import is
reported with its distribution and version; neither breaks listing. Set EVENTUM_STRICT_PLUGINS=1
to re-raise import errors.
"""

from __future__ import annotations

import difflib
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from eventum_core.context import PluginKind
from eventum_core.errors import PluginLoadError, PluginNotFoundError
from eventum_core.protocols import protocol_problem

GROUPS: dict[PluginKind, str] = {
    "input": "eventum.inputs",
    "event": "eventum.events",
    "output": "eventum.outputs",
    "formatter": "eventum.formatters",
}
# Formatters shipped inside another kind's distribution, for install hints; any other
# formatter `x` is expected in `eventum-formatter-x`.
_FORMATTER_HOMES = {
    "template": "eventum-event-template",
    "template-batch": "eventum-event-template",
}


@dataclass(frozen=True, slots=True)
class PluginInfo:
    kind: PluginKind
    name: str
    target: str
    registered: bool = False  # a class given to `Registry.register`, not an entry point
    entry_point: EntryPoint | None = None

    # A distribution's name and version come from parsing its METADATA (and importing the email
    # package to do it): only a listing or an error message asks, never a run.
    @property
    def distribution(self) -> str:
        return "(registered)" if self.registered else self._metadata("name")

    @property
    def version(self) -> str:
        return "-" if self.registered else self._metadata("version")

    def _metadata(self, field: str) -> str:
        dist = self.entry_point.dist if self.entry_point else None
        return str(getattr(dist, field)) if dist else "?"


def distribution_for(kind: PluginKind, name: str) -> str:
    """The first-party distribution that would provide a plugin of this kind and name."""
    if kind == "formatter" and name in _FORMATTER_HOMES:
        return _FORMATTER_HOMES[name]
    return f"eventum-{kind}-{name.replace('_', '-')}"


@cache
def _scan() -> tuple[PluginInfo, ...]:
    found = []
    installed = entry_points()  # one pass over the distributions, not one per group
    for kind, group in GROUPS.items():
        for ep in installed.select(group=group):
            found.append(PluginInfo(kind=kind, name=ep.name, target=ep.value, entry_point=ep))
    return tuple(found)


class Registry:
    """The plugins one application sees: installed entry points plus explicit registrations.

    Tests and embedding applications register classes directly with `register`; those win over
    entry points of the same name.
    """

    def __init__(self, *, scan: bool = True) -> None:
        self._scan = scan
        self._registered: dict[tuple[PluginKind, str], type[Any]] = {}
        self._loaded: dict[tuple[PluginKind, str], type[Any]] = {}

    def register(self, kind: PluginKind, name: str, cls: type[Any]) -> None:
        self._registered[(kind, name)] = cls

    def infos(self, kind: PluginKind | None = None) -> list[PluginInfo]:
        """Installed and registered plugins, sorted, without importing any of them."""
        items = [i for i in (_scan() if self._scan else ()) if kind in (None, i.kind)]
        for (k, name), cls in self._registered.items():
            if kind in (None, k):
                items.append(
                    PluginInfo(k, name, f"{cls.__module__}:{cls.__qualname__}", registered=True)
                )
        return sorted(items, key=lambda i: (list(GROUPS).index(i.kind), i.name, i.target))

    def names(self, kind: PluginKind) -> list[str]:
        return sorted({i.name for i in self.infos(kind)})

    def load(self, kind: PluginKind, name: str) -> type[Any]:
        """The plugin class, imported on first use; errors name what to install or fix."""
        key = (kind, name)
        if key in self._registered:
            cls = self._registered[key]
            problem = protocol_problem(kind, cls)
            if problem:
                raise PluginLoadError(f"{kind} plugin '{name}' (registered) {problem}")
            return cls
        if key in self._loaded:
            return self._loaded[key]
        candidates = [i for i in self.infos(kind) if i.name == name and i.entry_point is not None]
        if not candidates:
            raise PluginNotFoundError(self._missing_message(kind, name))
        if len({c.target for c in candidates}) > 1:
            both = ", ".join(f"{c.target} ({c.distribution})" for c in candidates)
            raise PluginLoadError(f"{kind} plugin '{name}' is provided twice: {both}")
        info = candidates[0]
        cls = load_entry_point(info)
        self._loaded[key] = cls
        return cls

    def _missing_message(self, kind: PluginKind, name: str) -> str:
        dist = distribution_for(kind, name)
        message = f"{kind} plugin '{name}' is not installed: pip install {dist}"
        close = difflib.get_close_matches(name, self.names(kind), n=1)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        return message

    def check(self) -> list[tuple[PluginInfo, str | None]]:
        """Import every plugin; each with None or the reason it is broken."""
        results: list[tuple[PluginInfo, str | None]] = []
        for info in self.infos():
            if info.entry_point is None:
                results.append((info, None))
                continue
            try:
                load_entry_point(info)
            except PluginLoadError as error:
                results.append((info, str(error)))
            else:
                results.append((info, None))
        return results


def load_entry_point(info: PluginInfo) -> type[Any]:
    assert info.entry_point is not None
    try:
        cls = info.entry_point.load()
    except Exception as error:
        if os.environ.get("EVENTUM_STRICT_PLUGINS"):
            raise
        raise PluginLoadError(
            f"{info.kind} plugin '{info.name}' from {info.distribution} {info.version} "
            f"failed to import: {type(error).__name__}: {error}"
        ) from error
    problem = protocol_problem(info.kind, cls)
    if problem:
        raise PluginLoadError(
            f"{info.kind} plugin '{info.name}' from {info.distribution} {info.version} {problem}"
        )
    return cls  # type: ignore[no-any-return]


def group_by_kind(infos: Iterable[PluginInfo]) -> dict[PluginKind, list[PluginInfo]]:
    grouped: dict[PluginKind, list[PluginInfo]] = defaultdict(list)
    for info in infos:
        grouped[info.kind].append(info)
    return grouped
