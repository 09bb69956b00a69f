"""Where `${secrets.name}` values come from: a resolver that application mode provides."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class SecretResolver(Protocol):
    """Protocol: returns the value of a named secret; raises KeyError when it does not exist."""

    def __call__(self, name: str) -> str: ...
