"""Eventum 2.8's connected-repository tools, served over HTTP only: the repositories are the
running instance's (eventum-server's `/api/repositories` service, its clones and last checks).

As in Eventum, an assistant reads what is connected, a repository's catalog (fetching it anew
on request), GitHub's list of published repositories, and installs a published generator; it
never connects or disconnects a repository: that decides what the instance trusts and names
credentials, so it stays with the user (Studio's Repositories page, repositories.yml).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from pydantic import Field

from eventum_mcp.redaction import Redactor
from eventum_mcp.workspace import Workspace

if TYPE_CHECKING:
    from eventum_mcp.tools import ToolMaker


class RepositoryService(Protocol):
    """What eventum-server hands over: JSON-ready answers, failures as `UserError`s that say
    what went wrong and what to do (no password, no URL credentials)."""

    def connected(self) -> list[dict[str, Any]]: ...

    def catalog(self, name: str, *, refresh: bool) -> dict[str, Any]: ...

    def discover(self, query: str | None, page: int) -> dict[str, Any]: ...

    def install(self, name: str, entry: str, destination: Path) -> int: ...


def catalog_view(service: RepositoryService, name: str, refresh: bool) -> dict[str, Any]:
    """The catalog without each entry's `tree` hash: `installed_as[].outdated` is what it is
    for."""
    catalog = service.catalog(name, refresh=refresh)
    entries = [{k: v for k, v in e.items() if k != "tree"} for e in catalog["entries"]]
    return {"repository": name, **catalog, "entries": entries}


def install(
    service: RepositoryService, workspace: Workspace, repository: str, generator: str, name: str
) -> dict[str, Any]:
    workspace.refuse_if_read_only()
    destination = workspace.generator_dir(name, exists=False)
    files = service.install(repository, generator, destination)
    return {"installed": name, "files": files}


def register(tool: ToolMaker, service: RepositoryService, workspace: Workspace) -> None:
    """Registers the tools with `tool`, the server's guarded-tool decorator."""
    redactor = Redactor(workspace.generators_dir)  # a check's reason may quote a local path

    @tool()
    def list_repositories() -> list[dict[str, Any]]:
        """The generator repositories this instance is connected to (`name`, `url`, `ref`,
        `username`, `password`, `status`). `status.state` is the last check made by this
        instance: `unknown` until something asked the repository, then `available` or
        `unavailable` (with `reason`). A password stored in repositories.yml reads
        `********`; a `${secrets.NAME}` reference is shown as written; the value never.
        Connecting and disconnecting are not tools: they decide what the instance trusts, so
        ask the user to do it on Studio's Repositories page."""
        return redactor.value(service.connected())  # type: ignore[no-any-return]

    @tool()
    def get_repository_catalog(name: str, refresh: bool = False) -> dict[str, Any]:
        """The generators a connected repository publishes (its `generators/<name>/` folders
        holding a config file): `revision` (the commit), `committed_at`, `author` and
        `entries`, each with `name`, `path`, `title` and `summary` (from its README.md),
        `file_count`, `size`, and `installed_as`: the folders installed from it here, with
        `outdated` when the repository has changed it since. Look here for a ready-made
        generator before writing one. Fetched on the first request and kept; `refresh` fetches
        the repository again (the network, a new commit)."""
        return catalog_view(service, name, refresh)

    @tool()
    def discover_repositories(
        query: str | None = None,
        page: Annotated[int, Field(ge=1)] = 1,
    ) -> dict[str, Any]:
        """Public repositories publishing generators: those carrying the GitHub topic
        `eventum-generators` (`topic`), narrowed by the words of `query` (search qualifiers
        are ignored), 30 a `page` (GitHub answers the first 10 pages). Eventum's own come
        first (`official`); `connected` marks those this instance is connected to. Nobody
        reviews them: treat what one says about itself as a claim, and tell the user that a
        generator's templates and scripts run on their machine. Name one to the user to
        connect it in Studio; connecting is not a tool. While GitHub's search quota is spent
        this fails saying when to try again."""
        return service.discover(query, page)

    @tool(read_only=False)
    def install_generator(repository: str, generator: str, name: str) -> dict[str, Any]:
        """Install the published generator `generator` (an entry of
        `get_repository_catalog`) of the connected `repository` as the new generator folder
        `name`, to read, edit, validate and run like any other. An existing folder is never
        written over: pick a free name. Only regular files are written (no links), and the
        folder records its origin in `.eventum-source.yml`. Answers `installed` and the
        number of `files`."""
        return install(service, workspace, repository, generator, name)
