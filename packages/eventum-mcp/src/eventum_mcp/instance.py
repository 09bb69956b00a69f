"""Eventum 2.8's instance tools and resources, served over HTTP beside the live tools: the
running instance's info and settings, its main log, settings changes, stop and restart.

They go through the `Application` and eventum_core's settings file helpers, as the REST API's
`/api/instance` does. What they show never holds the auth credentials or the host's absolute
paths; settings changes never touch `server.auth` (a person changes the password, in
eventum.yml or Studio). Changes, stop and restart are refused unless the workspace is writable.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Annotated, Any, Literal

import anyio.to_thread
from mcp.server.fastmcp import FastMCP
from pydantic import Field

from eventum_core.app import logs
from eventum_core.app.settings import (
    AuthSettings,
    Settings,
    load_settings,
    validate_settings,
    write_settings,
)
from eventum_core.config.yaml_source import expand_dotted_keys
from eventum_mcp.errors import ToolFailure
from eventum_mcp.live import MAX_LOG_LINES, LiveOps, _tail
from eventum_mcp.redaction import REDACTED, Redactor
from eventum_mcp.tools import ToolMaker

SSL_FILES = ("ca_cert", "cert", "cert_key")


def register(tool: ToolMaker, mcp: FastMCP, live: LiveOps) -> None:
    """The instance tools and resources of the running instance `live`."""
    application = live.application

    def redactor() -> Redactor:
        """Paths cut, and the auth password (which the main log may quote) removed; Eventum's
        default password is no secret, and removing it would garble every "eventum" said."""
        password = application.settings.server.auth.password
        secret = [password] if password != AuthSettings().password else []
        return Redactor(live.workspace.generators_dir, secret)

    @mcp.resource(
        "eventum://instance/info",
        name="instance_info",
        description="The running instance: Eventum's version, Python, platform, host, pid.",
        mime_type="application/json",
    )
    async def instance_info() -> str:
        info = await anyio.to_thread.run_sync(application.instance_info)  # resolves the host
        return json.dumps(redactor().value(info), indent=2)

    @mcp.resource(
        "eventum://instance/settings",
        name="instance_settings",
        description="The settings the instance runs with (eventum.yml), the auth credentials "
        "redacted and paths cut to their last part.",
        mime_type="application/json",
    )
    def instance_settings() -> str:
        return json.dumps(settings_view(application.settings), indent=2, ensure_ascii=False)

    @tool()
    def get_instance_logs(
        channel: Annotated[
            Literal["main"],
            Field(description="`main`: this instance logs its server and MCP there too."),
        ] = "main",
        lines: Annotated[int, Field(ge=1, le=MAX_LOG_LINES)] = 200,
    ) -> dict[str, Any]:
        """The last `lines` lines of the instance's own log (start, stop, reloads, the server
        and MCP; each generator has its own, see get_generator_logs), absolute paths and the
        auth password removed."""
        settings = application.settings
        path = logs.main_log_path(settings.path.logs, settings.log.format)
        scrub = redactor()
        return {"channel": channel, "lines": [scrub.message(line) for line in _tail(path, lines)]}

    @tool(read_only=False)
    def update_settings(patch: dict[str, Any]) -> dict[str, Any]:
        """Change eventum.yml with a partial settings tree (only the keys to change, e.g.
        `{"generation": {"timezone": "UTC"}}`; dotted keys work too), merged over the file,
        checked whole, then written. It takes effect on restart (restart_instance).
        `server.auth` cannot be changed here."""
        live.workspace.refuse_if_read_only()
        source = application.config_path
        patch = expand_dotted_keys(patch, source=source)
        server = patch.get("server")
        if isinstance(server, dict) and "auth" in server:
            raise ToolFailure("server.auth: the credentials cannot be changed over MCP")
        current = load_settings(source).model_dump(mode="json")
        write_settings(source, validate_settings(_merged(current, patch), source=source))
        return {"updated": True, "restart_required": True}

    @tool(read_only=False, destructive=True)
    def restart_instance() -> dict[str, Any]:
        """Restart the instance: generators stop, eventum.yml and startup.yml are read again,
        generators and the server start anew. This MCP session ends: connect again."""
        live.workspace.refuse_if_read_only()
        application.request_restart()
        return {"restarting": True}

    @tool(read_only=False, destructive=True)
    def stop_instance() -> dict[str, Any]:
        """Stop the instance gracefully (generators write what they generated), this MCP server
        with it: nothing answers afterwards until someone starts it again."""
        live.workspace.refuse_if_read_only()
        application.request_shutdown()
        return {"stopping": True}


def settings_view(settings: Settings) -> dict[str, Any]:
    """Settings to show: the auth credentials redacted, paths cut to their last part (no
    credential and no layout of the host's file system)."""
    data = settings.model_dump(mode="json")
    server = data["server"]
    server["auth"] = dict.fromkeys(server["auth"], REDACTED)
    for key in SSL_FILES:
        server["ssl"][key] = _last_part(server["ssl"][key])
    data["path"] = {key: _last_part(value) for key, value in data["path"].items()}
    return data


def _last_part(value: Any) -> Any:
    return PurePath(value).name if isinstance(value, str) and value else value


def _merged(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`patch` over `base`, mappings merged key by key at any depth."""
    merged = dict(base)
    for key, value in patch.items():
        current = merged.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged[key] = _merged(current, value)
        else:
            merged[key] = value
    return merged
