"""`/api/repositories` (Eventum 2.8): connect git repositories of generators, read their
catalogs, install a generator from one into `path.generators_dir`, and discover repositories
published under the GitHub topic `eventum-generators`. The work is in
`eventum_server.repositories`; these are plain functions, run in the thread pool (git and
the keyring block)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field, ValidationError

from eventum_core.app.confinement import generator_folder
from eventum_server import discovery
from eventum_server.repositories import (
    Catalog,
    DiscoveryLimited,
    EntryNotFound,
    InstallConflict,
    Repositories,
    Repository,
    RepositoryConflict,
    RepositoryError,
    RepositoryNotFound,
    RepositoryStatus,
    RepositoryUnreachable,
    SecretMissing,
)

router = APIRouter()
_CREATING = threading.Lock()
T = TypeVar("T")


def repositories(request: Request) -> Repositories:
    """One service per app: it holds the fetched clones, the last checks and the searches."""
    state = request.app.state
    with _CREATING:
        service = getattr(state, "repositories", None)
        if service is None:
            service = state.repositories = Repositories(state.application)
    return service


Service = Annotated[Repositories, Depends(repositories)]


_STATUS: list[tuple[type[RepositoryError], int]] = [
    (RepositoryNotFound, 404),
    (EntryNotFound, 404),
    (RepositoryConflict, 409),
    (InstallConflict, 409),
    (SecretMissing, 424),  # this instance's keyring must change, not the request
    (DiscoveryLimited, 429),
    (RepositoryUnreachable, 502),
]


@contextmanager
def _answered() -> Iterator[None]:
    try:
        yield
    except DiscoveryLimited as error:
        delay = {"Retry-After": str(error.seconds)} if error.seconds is not None else None
        raise HTTPException(429, error.detail(), delay) from None
    except RepositoryError as error:
        code = next((code for kind, code in _STATUS if isinstance(error, kind)), 500)
        raise HTTPException(code, error.detail()) from None


def _call(work: Callable[[], T]) -> T:
    with _answered():
        return work()


class InstallRequest(BaseModel):
    name: str = Field(min_length=1, max_length=255, description="Generator folder to create")


class Installed(BaseModel):
    name: str
    file_count: int


_REPOSITORY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Repository.model_json_schema()}},
    }
}


@router.get("/")
def list_repositories(service: Service) -> list[dict[str, Any]]:
    """Connected repositories, each with the last check made in this process (`status`);
    a password typed in place comes back masked, `${secrets.x}` as written."""
    return _call(service.connected)


@router.post("/", status_code=201, openapi_extra=_REPOSITORY_BODY)
def add_repository(
    service: Service,
    body: Annotated[dict[str, Any], Body()],
    verify: Annotated[bool, Query(description="Check that it answers first")] = True,
) -> None:
    """Connect a repository: `{name, url, ref?, username?, password?}`. 409 if the name, or
    the same remote at the same ref, is connected; 502 if it does not answer or lacks `ref`."""
    try:
        repository = Repository.model_validate(body)
    except ValidationError as error:  # without the rejected input: it may be the password
        problems = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()
        ]
        raise HTTPException(422, problems) from None
    _call(lambda: service.add(repository, verify=verify))


@router.get("/discover")
def discover_repositories(
    service: Service,
    query: Annotated[str | None, Query(max_length=discovery.MAX_QUERY)] = None,
    page: Annotated[int, Query(ge=1, le=discovery.MAX_PAGE)] = 1,
) -> dict[str, Any]:
    """Repositories carrying the GitHub topic `eventum-generators` (not reviewed), Eventum's
    own first, then by stars; `connected` marks those connected here. 429 while GitHub's
    quota is spent (with `Retry-After`), 502 when GitHub cannot be reached."""
    return _call(lambda: service.discover(query, page))


@router.post("/{name}/check")
def check_repository(name: str, service: Service) -> RepositoryStatus:
    """Whether the repository answers and publishes its ref now (recorded for the list)."""
    return _call(lambda: service.check(name))


@router.delete("/{name}")
def remove_repository(name: str, service: Service) -> None:
    """Disconnect; generators installed from it stay."""
    _call(lambda: service.remove(name))


@router.get("/{name}/catalog")
def get_catalog(name: str, service: Service) -> Catalog:
    """The generators it publishes (fetched on the first request), each with the folders it
    is installed as here and whether the repository has changed it since."""
    return _call(lambda: service.catalog(name))


@router.post("/{name}/refresh")
def refresh_catalog(name: str, service: Service) -> Catalog:
    """Fetch the repository's ref again (a new commit) and read its catalog anew."""
    return _call(lambda: service.catalog(name, refresh=True))


@router.post("/{name}/catalog/{entry}/install", status_code=201)
def install_generator(name: str, entry: str, body: InstallRequest, service: Service) -> Installed:
    """Write a published generator as a new folder of `path.generators_dir` (409 if it
    exists); only its regular files, under the limits of an imported archive."""
    destination = generator_folder(service.generators_dir, body.name)
    count = _call(lambda: service.install(name, entry, destination))
    return Installed(name=body.name, file_count=count)
