"""startup.yml: which generators application mode knows, each merged over eventum.yml's
`generation:` defaults.

An entry is Eventum's `GeneratorParameters` plus `autostart` and 2.4's `scenarios`. Merging is
key by key on the flattened forms, so an entry's `batch.size: 50000` keeps the default
`batch.delay`. `path` is relative to `path.generators_dir` and may name the generator folder or
its generator.yml.

Scenarios are Eventum's: names an entry lists under `scenarios`, nothing else. A scenario exists
while an entry names it, there is no scenario file, and membership changes nothing in a run
(`globals` are shared by every generator of the process, in a scenario or not).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from eventum_core.app.settings import Settings
from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.locations import LineIndex, describe
from eventum_core.config.yaml_source import expand_dotted_keys, load_yaml_file
from eventum_core.errors import ConfigError, UserError

STARTUP_ONLY = ("autostart", "scenarios")
_EDITING = threading.Lock()  # one read-modify-write of startup.yml at a time


class StartupEntryNotFound(UserError):
    pass


class ScenarioNotFound(UserError):
    pass


class ScenarioConflict(UserError):
    """The generator is already in the scenario, or the new name is taken."""


@dataclass(frozen=True, slots=True)
class StartupEntry:
    """One startup.yml item: the parameters to run with, and the item as written."""

    parameters: GeneratorParameters
    autostart: bool
    raw: dict[str, Any]
    scenarios: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.parameters.id


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` -> `{"a.b": 1}`; `params` stays whole (it is one value, not settings)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and name != "params":
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def resolve_generator_path(path: Path, settings: Settings) -> Path:
    """Relative paths are joined to generators_dir; a folder means its generator.yml."""
    path = Path(path).expanduser()
    if not path.is_absolute():
        path = settings.path.generators_dir / path
    if path.is_dir() or path.suffix not in (".yml", ".yaml"):
        path = path / settings.path.generator_config_filename
    return path


def entry_from(item: Any, settings: Settings, *, source: Path, where: str = "") -> StartupEntry:
    """Validate one startup item merged over the generation defaults."""
    label = f"{source}{where}"
    if not isinstance(item, dict):
        raise ConfigError(f"{label}: expected a mapping with at least `id` and `path`")
    item = expand_dotted_keys(item, source=source)
    own = {k: v for k, v in item.items() if k not in STARTUP_ONLY}
    merged = flatten(settings.generation.model_dump(mode="python")) | flatten(own)
    data = expand_dotted_keys(merged, source=source)
    if "path" in data and data["path"] is not None:
        data["path"] = resolve_generator_path(Path(str(data["path"])), settings)
    autostart = item.get("autostart", True)
    if not isinstance(autostart, bool):
        raise ConfigError(f"{label}: autostart: expected true or false")
    scenarios = item.get("scenarios")
    scenarios = [] if scenarios is None else scenarios
    if not isinstance(scenarios, list) or not all(isinstance(s, str) and s for s in scenarios):
        raise ConfigError(f"{label}: scenarios: expected a list of scenario names")
    try:
        parameters = GeneratorParameters.model_validate(data)
    except ValidationError as error:
        raise ConfigError("\n".join(describe(error, source=Path(label)))) from None
    return StartupEntry(parameters, autostart, item, tuple(dict.fromkeys(scenarios)))


def load_startup(settings: Settings) -> list[StartupEntry]:
    """All entries of startup.yml; duplicate ids and invalid entries are `ConfigError`s."""
    source = settings.path.startup
    data, text = load_yaml_file(source, what="startup file")
    if data is None:
        data = []
    if not isinstance(data, list):
        raise ConfigError(f"{source}: expected a list of generators")
    lines = LineIndex(text)
    entries: list[StartupEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        line = lines.line_of([index])
        entry = entry_from(item, settings, source=source, where=f":{line}" if line else "")
        if entry.id in seen:
            raise ConfigError(f"{source}:{line}: generator id '{entry.id}' is used twice")
        seen.add(entry.id)
        entries.append(entry)
    return entries


def read_raw_startup(settings: Settings) -> list[dict[str, Any]]:
    """startup.yml items as written (for editing through the API); a missing file is empty."""
    if not settings.path.startup.exists():
        return []
    data, _ = load_yaml_file(settings.path.startup, what="startup file")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError(f"{settings.path.startup}: expected a list of generators")
    return [dict(item) for item in data if isinstance(item, dict)]


def write_raw_startup(settings: Settings, items: list[dict[str, Any]]) -> None:
    """Replace startup.yml atomically (a temporary file renamed over it)."""
    target = settings.path.startup
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(yaml.safe_dump(items, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(target)


# -- scenarios: membership lives in startup.yml ----------------------------------------------


def _entries(settings: Settings) -> list[StartupEntry]:
    return load_startup(settings) if settings.path.startup.exists() else []


def scenario_names(settings: Settings) -> list[str]:
    """Every scenario some entry names, sorted."""
    return sorted({name for entry in _entries(settings) for name in entry.scenarios})


def scenario_members(settings: Settings, name: str) -> list[str]:
    """The ids of the entries in the scenario, in file order (none: no such scenario)."""
    return [entry.id for entry in _entries(settings) if name in entry.scenarios]


@contextmanager
def _editing(settings: Settings) -> Iterator[list[dict[str, Any]]]:
    """startup.yml's items to change in place, written back when the block ends without error.

    Loading first refuses to edit a file that is not valid.
    """
    with _EDITING:
        _entries(settings)
        items = read_raw_startup(settings)
        yield items
        write_raw_startup(settings, items)


def _names_of(item: dict[str, Any]) -> list[str]:
    return list(item.get("scenarios") or [])


def _set_names(item: dict[str, Any], names: list[str]) -> None:
    """Eventum's way: an entry in no scenario has no `scenarios` key."""
    if names:
        item["scenarios"] = names
    else:
        item.pop("scenarios", None)


def join_scenario(settings: Settings, name: str, generator_id: str) -> None:
    """Add the entry to the scenario (which exists from then on)."""
    with _editing(settings) as items:
        item = next((i for i in items if str(i.get("id")) == generator_id), None)
        if item is None:
            raise StartupEntryNotFound(f"startup entry '{generator_id}' not found")
        names = _names_of(item)
        if name in names:
            raise ScenarioConflict(f"generator '{generator_id}' is already in scenario '{name}'")
        _set_names(item, [*names, name])


def leave_scenario(settings: Settings, name: str, generator_id: str) -> None:
    """Take the entry out of the scenario; the last one out ends the scenario."""
    with _editing(settings) as items:
        item = next(
            (i for i in items if str(i.get("id")) == generator_id and name in _names_of(i)), None
        )
        if item is None:
            raise ScenarioNotFound(f"generator '{generator_id}' is not in scenario '{name}'")
        _set_names(item, [n for n in _names_of(item) if n != name])


def delete_scenario(settings: Settings, name: str) -> list[str]:
    """Take every entry out of the scenario (the generators stay); the ids it had."""
    with _editing(settings) as items:
        members = [i for i in items if name in _names_of(i)]
        if not members:
            raise ScenarioNotFound(f"scenario '{name}' not found")
        for item in members:
            _set_names(item, [n for n in _names_of(item) if n != name])
        return [str(i.get("id")) for i in members]


def rename_scenario(settings: Settings, name: str, new_name: str) -> list[str]:
    """Rename the scenario in every entry, in place in each list; the ids it has."""
    with _editing(settings) as items:
        members = [i for i in items if name in _names_of(i)]
        if not members:
            raise ScenarioNotFound(f"scenario '{name}' not found")
        if new_name == name or any(new_name in _names_of(i) for i in items):
            raise ScenarioConflict(f"scenario '{new_name}' already exists")
        for item in members:
            _set_names(item, [new_name if n == name else n for n in _names_of(item)])
        return [str(i.get("id")) for i in members]
