"""Reading generator.yml the way Eventum does: `${params.x}` / `${secrets.x}` substitution,
YAML parsing with line-numbered errors, and dotted keys expanded at any depth.

Substitution is textual, before YAML parsing, so a value like `${params.count}` is re-typed by YAML
(`5` becomes an int), as in Eventum. Unlike Eventum, the file is not rendered as a whole Jinja
template: `{% ... %}` and `{# ... #}` in a generator.yml are left as written (Eventum executed them
at load, which broke inline templates of the `template` formatter).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from eventum_core.errors import ConfigError
from eventum_core.secrets import SecretResolver

_TOKEN = re.compile(
    r"\$\{\s*(?P<scope>params|secrets)\.(?P<name>[\w.\-]+)"
    r"\s*(?:\|\s*default\((?P<default>.*?)\))?\s*\}"
)
_COMMENT_LINE = re.compile(r"^\s*#")
_LIBYAML = getattr(yaml, "CSafeLoader", None)  # None when PyYAML was built without libyaml


def read_text(path: Path, what: str = "file") -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a {what}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read {what}: {error}") from None


def _render_value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value)  # JSON is YAML flow syntax: the structure survives
    return str(value)


def _default_value(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip()


def substitute(
    text: str,
    *,
    source: Path,
    params: Mapping[str, Any],
    secrets: SecretResolver | None,
) -> str:
    """Replace `${params.x}` and `${secrets.x}` tokens (full-line comments are left alone)."""
    missing: list[str] = []

    def lookup(match: re.Match[str], line_no: int) -> str:
        scope, name, default = match["scope"], match["name"], match["default"]
        if scope == "params":
            value: Any = params
            for part in name.split("."):
                if isinstance(value, Mapping) and part in value:
                    value = value[part]
                else:
                    if default is not None:
                        return _render_value(_default_value(default))
                    missing.append(
                        f"{source}:{line_no}: parameter '{name}' is not set "
                        f"(pass it with --params '{{\"{name}\": ...}}')"
                    )
                    return ""
            return _render_value(value)
        if secrets is None:
            if default is not None:
                return _render_value(_default_value(default))
            raise ConfigError(
                f"{source}:{line_no}: secret '{name}' is used but no keyring is configured "
                "(pass --cryptfile or run under `eventum run`)"
            )
        try:
            return secrets(name)
        except KeyError:
            if default is not None:
                return _render_value(_default_value(default))
            raise ConfigError(
                f"{source}:{line_no}: secret '{name}' is not in the keyring"
            ) from None

    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        if "${" in line and not _COMMENT_LINE.match(line):
            lines[number - 1] = _TOKEN.sub(partial(lookup, line_no=number), line)
    if missing:
        raise ConfigError(
            missing[0] + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
        )
    return "".join(lines)


def parse_yaml(text: str, *, source: Path) -> Any:
    if _LIBYAML is not None:  # PyYAML's C parser, several times faster, with the same constructor
        try:
            return yaml.load(text, Loader=_LIBYAML)
        except yaml.YAMLError:
            pass  # the Python parser below says what is wrong, in the words it always has
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else str(source)
        reason = error.problem or error.context or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {reason}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: YAML syntax error: {error}") from None


def expand_dotted_keys(value: Any, *, source: Path, path: str = "") -> Any:
    """`{"a.b": 1, "a": {"c": 2}}` -> `{"a": {"b": 1, "c": 2}}`, at any depth."""
    if isinstance(value, list):
        return [
            expand_dotted_keys(v, source=source, path=f"{path}[{i}]") for i, v in enumerate(value)
        ]
    if not isinstance(value, dict):
        return value
    result: dict[Any, Any] = {}
    for key, raw in value.items():
        item = expand_dotted_keys(raw, source=source, path=f"{path}.{key}" if path else str(key))
        parts = key.split(".") if isinstance(key, str) and "." in key else [key]
        *parents, leaf = parts
        target = result
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(f"{source}: key '{key}' conflicts with a value at '{part}'")
        if leaf in target and isinstance(target[leaf], dict) and isinstance(item, dict):
            _deep_merge(target[leaf], item, source=source, key=str(key))
        elif leaf in target:
            raise ConfigError(f"{source}: key '{key}' is given twice")
        else:
            target[leaf] = item
    return result


def _deep_merge(into: dict[Any, Any], other: dict[Any, Any], *, source: Path, key: str) -> None:
    for k, v in other.items():
        if k in into and isinstance(into[k], dict) and isinstance(v, dict):
            _deep_merge(into[k], v, source=source, key=f"{key}.{k}")
        elif k in into:
            raise ConfigError(f"{source}: key '{key}.{k}' is given twice")
        else:
            into[k] = v


def load_yaml_file(
    path: Path,
    *,
    params: Mapping[str, Any] | None = None,
    secrets: SecretResolver | None = None,
    what: str = "file",
) -> tuple[Any, str]:
    """The parsed, substituted, dot-expanded content of a YAML file, and the text it came from."""
    text = substitute(read_text(path, what), source=path, params=params or {}, secrets=secrets)
    try:
        return expand_dotted_keys(parse_yaml(text, source=path), source=path), text
    except RecursionError:  # thousands of nested brackets, or `a: &x [*x]`
        raise ConfigError(
            f"{path}: nested too deeply, or an anchor (&name) used inside itself"
        ) from None
