"""Parsing CLI values the way Eventum's options read them (booleans take a value)."""

from __future__ import annotations

import json
import re
from typing import Any

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}
_DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?$")


class BadValue(ValueError):
    """A CLI value that cannot be read; the message names the option."""


def boolean(option: str, value: str) -> bool:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise BadValue(f"{option}: expected true or false (got {value!r})")


def integer(option: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadValue(f"{option}: expected a whole number (got {value!r})") from None


def json_object(option: str, value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise BadValue(f"{option}: not valid JSON: {error.msg} at character {error.pos}") from None
    if not isinstance(data, dict):
        raise BadValue(f'{option}: expected a JSON object like \'{{"name": "value"}}\'')
    return data


def duration(option: str, value: str | None) -> float | None:
    """Seconds from `90`, `90s`, `5m`, `1h30m`."""
    if value is None:
        return None
    match = _DURATION.match(value.strip())
    if not match or not any(match.groupdict().values()):
        raise BadValue(f"{option}: expected a duration like 30s, 5m or 1h30m (got {value!r})")
    seconds = int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + float(match["s"] or 0)
    if seconds <= 0:
        raise BadValue(f"{option}: must be more than zero (got {value!r})")
    return seconds
