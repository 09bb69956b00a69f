"""startup.yml: which generators application mode knows, each merged over eventum.yml's
`generation:` defaults.

An entry is Eventum's `GeneratorParameters` plus `autostart` (and 2.4's `scenarios`, kept but not
used). Merging is key by key on the flattened forms, so an entry's `batch.size: 50000` keeps the
default `batch.delay`. `path` is relative to `path.generators_dir` and may name the generator
folder or its generator.yml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from eventum_core.app.settings import Settings
from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.locations import LineIndex, describe
from eventum_core.config.yaml_source import expand_dotted_keys, load_yaml_file
from eventum_core.errors import ConfigError

STARTUP_ONLY = ("autostart", "scenarios")


@dataclass(frozen=True, slots=True)
class StartupEntry:
    """One startup.yml item: the parameters to run with, and the item as written."""

    parameters: GeneratorParameters
    autostart: bool
    raw: dict[str, Any]

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
    try:
        parameters = GeneratorParameters.model_validate(data)
    except ValidationError as error:
        raise ConfigError("\n".join(describe(error, source=Path(label)))) from None
    return StartupEntry(parameters, autostart, item)


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
