"""Keeping secret values and the host's absolute paths out of what tools return.

Secret values are the ones actually substituted into the generator being looked at: the keyring
lookups go through a `RecordingSecrets`, which remembers each value it hands out. Messages (errors,
plugin warnings) also lose absolute paths: the generators folder becomes relative and any other
absolute path is cut to its last part. Events keep their paths (a log line's `/api/users` is
data) and lose only secret values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

REDACTED = "[redacted]"
# An absolute path after a boundary: start, space, quote, `=`, `(`, `,` or `:`.
_ABSOLUTE_PATH = re.compile(r"(^|[\s'\"=(,:])/(?:[^\s'\"/:,()]+/)*([^\s'\"/:,()]+)")


class RecordingSecrets:
    """A `SecretResolver` over another one that remembers the values it returned."""

    def __init__(self, lookup: Callable[[str], str]) -> None:
        self._lookup = lookup
        self.values: list[str] = []

    def __call__(self, name: str) -> str:
        value = self._lookup(name)
        self.values.append(value)
        return value


class Redactor:
    def __init__(self, generators_dir: Path, secrets: list[str] | None = None) -> None:
        self._folders = sorted({str(generators_dir), str(generators_dir.resolve())}, key=len)
        self._secrets = sorted({s for s in secrets or [] if s}, key=len, reverse=True)

    def secrets(self, text: str) -> str:
        """`text` with every secret value replaced (the longest first, so none is left half)."""
        for value in self._secrets:
            text = text.replace(value, REDACTED)
        return text

    def message(self, text: str) -> str:
        """`text` without secret values, with paths relative to the generators folder and every
        other absolute path cut to its last part."""
        text = self.secrets(text)
        for folder in reversed(self._folders):
            text = text.replace(folder + "/", "")
            text = re.sub(re.escape(folder) + r"(?=[\s'\"),:]|$)", ".", text)
        return _ABSOLUTE_PATH.sub(r"\1\2", text)

    def value(self, value: Any) -> Any:
        """A JSON value with `message` applied to every string in it."""
        if isinstance(value, str):
            return self.message(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value
