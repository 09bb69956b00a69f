"""Turning a pydantic error location into `file:line: field.path: reason`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Loc = Sequence[str | int]


class LineIndex:
    """Finds the line of a value in a YAML text by its key path (best effort). The text is
    parsed into nodes when a line is first asked for: only a config with a mistake needs it."""

    def __init__(self, text: str) -> None:
        self._text = text

    @cached_property
    def _root(self) -> yaml.Node | None:
        try:
            return yaml.compose(self._text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return None

    def line_of(self, loc: Loc) -> int | None:
        node = self._root
        line = None
        for index, part in enumerate(loc):
            if isinstance(node, yaml.MappingNode):
                keys = {k.value for k, _ in node.value}
                if str(part) not in keys and index + 1 < len(loc) and str(loc[index + 1]) in keys:
                    continue  # a union's tag (`mode: all` gives `all`), not a key written
                match = next((v for k, v in node.value if k.value == str(part)), None)
                if match is None:
                    key = next(
                        (k for k, _ in node.value if str(k.value).startswith(f"{part}.")), None
                    )
                    return key.start_mark.line + 1 if key is not None else line
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
            else:
                return line
            line = node.start_mark.line + 1
        return line


def dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def reason(error: dict[str, Any]) -> str:
    """The reason of one pydantic error, for a person: lower case, with the offending value."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    value = error.get("input")
    if kind not in ("missing",) and isinstance(value, str | int | float | bool) and value != "":
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...'"
        if not (isinstance(value, str) and shown in message):  # already quoted by the validator
            message += f" (got {shown})"
    return message[:1].lower() + message[1:]


def describe(
    error: ValidationError,
    *,
    source: Path,
    prefix: Loc = (),
    lines: LineIndex | None = None,
) -> list[str]:
    """One `file:line: field: reason` line per validation error."""
    messages = []
    for item in error.errors():
        loc = [*prefix, *(p for p in item["loc"] if isinstance(p, int | str))]
        line = lines.line_of(loc) if lines else None
        where = f"{source}:{line}" if line else str(source)
        field = dotted(loc)
        messages.append(
            f"{where}: {field}: {reason(dict(item))}" if field else f"{where}: {reason(dict(item))}"
        )
    return messages


def validation_messages(error: ValidationError, *, source: Path, text: str) -> list[str]:
    """`describe` for a YAML file's text: what other packages use for their own YAML files."""
    return describe(error, source=source, lines=LineIndex(text))
