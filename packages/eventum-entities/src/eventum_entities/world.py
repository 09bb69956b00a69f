"""Loading a world file: one clear `file:line: field: reason` for any mistake in it."""

from __future__ import annotations

import threading
from pathlib import Path

import yaml
from pydantic import ValidationError

from eventum_core import ConfigError, validation_messages
from eventum_entities.config import WorldSpec, _Located

_cache: dict[tuple[Path, int, int], WorldSpec] = {}
_lock = threading.Lock()


def _line_of(text: str, loc: tuple[str | int, ...]) -> int | None:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            node = None
        if node is None:
            return line
        line = node.start_mark.line + 1
    return line


def located(path: Path, loc: tuple[str | int, ...]) -> str:
    """`file:line` of the field at `loc` in a world file (`file` when the line is unknown)."""
    path = path.resolve()
    try:
        line = _line_of(path.read_text(encoding="utf-8"), loc)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        line = None
    return f"{path}:{line}" if line else str(path)


def read_world(path: Path) -> WorldSpec:
    """The world file at `path`, validated; cached per file version, so every generator of a
    process that names it shares one parse."""
    path = path.resolve()
    try:
        stat = path.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the world file: {error.strerror}") from None
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the world file: {error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(
            f"{where}: YAML syntax error: {error.problem or 'invalid YAML'}"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a world file is a mapping (seed, entities, episodes)")
    try:
        spec = WorldSpec.model_validate(data)
    except ValidationError as error:
        located = _located(error)
        if located is not None:
            line = _line_of(text, located.loc)
            where = f"{path}:{line}" if line else str(path)
            dotted = ".".join(str(p) for p in located.loc)
            raise ConfigError(f"{where}: {dotted}: {located}") from None
        messages = validation_messages(error, source=path, text=text)
        more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
        raise ConfigError(messages[0] + more) from None
    with _lock:
        _cache[key] = spec
    return spec


def _located(error: ValidationError) -> _Located | None:
    for item in error.errors():
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, _Located):
            return cause
    return None
