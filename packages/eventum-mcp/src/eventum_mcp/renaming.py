"""Eventum 2.8's rename tools, served over HTTP only: a generator folder, a generator's id and
a secret's name all belong to the running instance (its generators, startup.yml, keyring).

The rules are core's (`eventum_core.app.renaming`, `Keyring.rename`), the ones the REST API's
folder rename applies. Every rename is a write: refused unless `server.mcp.allow_write`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventum_core.app.renaming import FolderInUse, rename_folder, rename_generator
from eventum_mcp.errors import ToolFailure
from eventum_mcp.live import LiveOps

if TYPE_CHECKING:
    from eventum_mcp.tools import ToolMaker


def rename_config(live: LiveOps, name: str, new_name: str) -> dict[str, Any]:
    """As `POST /api/generator-configs/{name}/rename`: refused while a generator uses it."""
    workspace = live.workspace
    workspace.refuse_if_read_only()
    folder = workspace.config_file(name).parent
    destination = workspace.generator_dir(new_name, exists=False)
    try:
        rename_folder(live.application, folder, destination)
    except FolderInUse as error:
        raise ToolFailure(
            f"{error}: unregister them first (unregister_generator), rename, then register "
            "the new name"
        ) from None
    return {"name": name, "new_name": new_name, "renamed": True, "generator_ids": []}


def rename_id(live: LiveOps, generator_id: str, new_id: str) -> dict[str, Any]:
    live.workspace.refuse_if_read_only()
    rename_generator(live.application, generator_id, new_id)
    return {"id": generator_id, "new_id": new_id, "renamed": True}


def rename_secret_name(live: LiveOps, secret: str, new_name: str) -> dict[str, Any]:
    live.workspace.refuse_if_read_only()
    try:
        live.application.keyring.rename(secret, new_name)
    except KeyError:
        raise ToolFailure(f"secret {secret!r} not found") from None
    return {"name": secret, "new_name": new_name, "renamed": True}


def register(tool: ToolMaker, live: LiveOps) -> None:
    """Registers the tools with `tool`, the server's guarded-tool decorator."""

    @tool(read_only=False)
    def rename_generator_config(name: str, new_name: str) -> dict[str, Any]:
        """Rename a generator folder (`name` as `list_generators` gives it) to `new_name`, a
        free folder name. Refused while a generator registered here or in startup.yml uses
        it: unregister those first (their files stay), rename, register the new name. Answers
        `name`, `new_name`, `renamed` and `generator_ids` (always empty: nothing is
        repointed)."""
        return rename_config(live, name, new_name)

    @tool(read_only=False)
    def rename_generator(generator_id: str, new_id: str) -> dict[str, Any]:
        """Give a generator of this instance a new id, in the instance and in startup.yml;
        its folder, parameters and scenarios stay. It must be stopped (`stop_generator`), and
        `new_id` must be free. Lines already logged stay in the old id's log file."""
        return rename_id(live, generator_id, new_id)

    @tool(read_only=False)
    def rename_secret(secret: str, new_name: str) -> dict[str, Any]:
        """Move a keyring secret's value to `new_name` (which must be free) without showing
        it. Configs are not rewritten: a `${secrets.<old name>}` left in one fails to load
        until it is edited."""
        return rename_secret_name(live, secret, new_name)
