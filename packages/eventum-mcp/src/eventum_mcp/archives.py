"""Eventum 2.8's archive tools: a generator folder as a ZIP archive, carried inline in base64.

The archive is the one `GET /api/generator-configs/{name}/export` answers, made and read by
`eventum_core.archives`. Archives travel through the assistant's context, so they are capped at
`MAX_INLINE_BYTES`; a larger one goes through the REST API, which moves it as a file.
"""

from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventum_core.archives import pack, unpack
from eventum_mcp.errors import ToolFailure
from eventum_mcp.workspace import Workspace

if TYPE_CHECKING:
    from eventum_mcp.tools import ToolMaker

MAX_INLINE_BYTES = 128 * 1024  # Eventum's limit: its published generators pack well below it


def _too_large(size: int) -> ToolFailure:
    return ToolFailure(
        f"the archive is {size} bytes, more than the {MAX_INLINE_BYTES} a tool carries: "
        "move it through the REST API (/api/generator-configs/{name}/export and /import)"
    )


def export(workspace: Workspace, name: str, exclude: list[str] | None) -> dict[str, Any]:
    folder = workspace.config_file(name).parent
    left_out = frozenset(exclude or [])
    for entry in sorted(left_out):
        if not entry or entry in (".", "..") or entry != Path(entry).name or "\\" in entry:
            raise ToolFailure(f"exclude: {entry!r} is not the name of a top-level entry")
    if workspace.config_filename in left_out:
        raise ToolFailure(
            f"exclude: {workspace.config_filename} cannot be left out: the archive would not "
            "import without it"
        )
    buffer = io.BytesIO()
    pack(folder, buffer, exclude=left_out)
    content = buffer.getvalue()
    if len(content) > MAX_INLINE_BYTES:
        raise _too_large(len(content))
    return {
        "filename": f"{name}.zip",
        "size_in_bytes": len(content),
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def import_(workspace: Workspace, name: str, content_base64: str) -> dict[str, Any]:
    workspace.refuse_if_read_only()
    folder = workspace.generator_dir(name, exists=False)
    if folder.exists():
        raise ToolFailure(f"generator {name!r} already exists")
    try:
        content = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ToolFailure("content_base64 is not valid base64") from None
    if len(content) > MAX_INLINE_BYTES:
        raise _too_large(len(content))
    files = unpack(content, folder, Path(workspace.config_filename))
    return {"imported": name, "files": files}


def register(tool: ToolMaker, workspace: Workspace) -> None:
    """Registers the tools with `tool`, the server's guarded-tool decorator."""

    @tool()
    def export_generator(name: str, exclude: list[str] | None = None) -> dict[str, Any]:
        """A generator folder as a ZIP archive in `content_base64` (with `filename` and
        `size_in_bytes`), to share it or import it elsewhere. Files are named
        `<name>/<path>`; symbolic links are left out. `exclude` names top-level entries to
        leave out with all under them (e.g. `["output"]`; never the config file). The archive
        lands in the conversation, so one over 128 KiB is refused: a client that can make HTTP
        requests takes it from `GET /api/generator-configs/{name}/export` instead."""
        return export(workspace, name, exclude)

    @tool(read_only=False)
    def import_generator(name: str, content_base64: str) -> dict[str, Any]:
        """Create the generator `name` from a base64 ZIP archive (as `export_generator` gives),
        holding the config file at its top or in one top folder. An existing generator is
        never overwritten; an archive with links, paths leading outside or no config file is
        refused and nothing is written. 128 KiB at most (`POST
        /api/generator-configs/{name}/import` takes larger ones). Answers `imported` and the
        number of `files`."""
        return import_(workspace, name, content_base64)
