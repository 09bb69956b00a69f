"""The repositories service as eventum-mcp's repository tools take it: the same `Repositories`
the REST API's `/api/repositories` uses (one per app: clones, last checks and searches are
shared), with JSON-ready answers and its failures as `UserError`s carrying the REST API's
`detail` (reason and hint, never a password)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from pydantic_core import to_jsonable_python

from eventum_core.errors import UserError
from eventum_server import discovery
from eventum_server.repositories import DiscoveryLimited, Repositories, RepositoryError

T = TypeVar("T")


@contextmanager
def _said() -> Iterator[None]:
    try:
        yield
    except DiscoveryLimited as error:
        wait = f" Try again in {error.seconds} s." if error.seconds is not None else ""
        raise UserError(error.detail() + wait) from None
    except RepositoryError as error:
        raise UserError(error.detail()) from None


def _json(work: Callable[[], T]) -> Any:
    with _said():
        return to_jsonable_python(work())


class RepositoriesForMCP:
    def __init__(self, service: Repositories) -> None:
        self.service = service

    def connected(self) -> list[dict[str, Any]]:
        return _json(self.service.connected)  # type: ignore[no-any-return]

    def catalog(self, name: str, *, refresh: bool) -> dict[str, Any]:
        return _json(lambda: self.service.catalog(name, refresh=refresh))  # type: ignore[no-any-return]

    def discover(self, query: str | None, page: int) -> dict[str, Any]:
        if page > discovery.MAX_PAGE:
            raise UserError(f"page: GitHub answers the first {discovery.MAX_PAGE} pages only")
        return _json(lambda: self.service.discover(query, page))  # type: ignore[no-any-return]

    def install(self, name: str, entry: str, destination: Path) -> int:
        with _said():
            return self.service.install(name, entry, destination)
