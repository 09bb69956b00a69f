"""Key-value stores that templates use to remember things between renders.

`locals` belong to one template alias, `shared` to one plugin instance (one generator) and
`globals` to the whole process: every generator running in the process sees the same store.
"""

from __future__ import annotations

from threading import RLock
from typing import Any


class State:
    """A template-facing dict: `get`, `set`, `update`, `pop`, `clear`, `as_dict`, `[key]`."""

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._data[key] = value

    def update(self, values: dict[str, Any], /) -> None:
        self._data.update(values)

    def pop(self, key: str, default: Any = None) -> Any:
        return self._data.pop(key, default)

    def clear(self) -> None:
        self._data.clear()

    def as_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __getitem__(self, key: str) -> Any:
        # Like Eventum: a missing key reads as None, not an error.
        return self._data.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


class GlobalState(State):
    """The process-wide store: every call holds the lock; `acquire`/`release` span several."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        super().__init__()
        self._lock = RLock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value

    def update(self, values: dict[str, Any], /) -> None:
        with self._lock:
            self._data.update(values)

    def pop(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._data.pop(key, default)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._data)

    def __getitem__(self, key: str) -> Any:
        with self._lock:
            return self._data.get(key)

    def acquire(self) -> None:
        self._lock.acquire()

    def release(self) -> None:
        self._lock.release()


GLOBAL_STATE = GlobalState()
"""The `globals` of every template plugin in this process."""
