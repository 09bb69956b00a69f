"""Eventum 2.6's MCP server over Streamable HTTP, at `server.mcp.path` of this server's root.

The server is eventum-mcp's (the same tools as `eventum mcp`), bound to the running application,
with the live-operations tools. Callers authenticate as for the API (Basic with `server.auth`, or
the session cookie of `POST /api/auth/login`); a non-empty `server.mcp.allowed_hosts` turns on the
SDK's DNS-rebinding protection (Host and Origin checked); tools that write are refused unless
`server.mcp.allow_write`. Imported only when `server.mcp.enabled`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from eventum_core.app.application import Application
from eventum_server.security import require_user

INSTALL_HINT = "pip install 'eventum-server[mcp]'"


class MCPEndpoint:
    """The MCP routes and the lifespan that runs the SDK's session manager."""

    def __init__(self, application: Application) -> None:
        try:
            from mcp.server.fastmcp.server import StreamableHTTPASGIApp
            from mcp.server.transport_security import TransportSecuritySettings

            from eventum_core.discovery import Registry
            from eventum_mcp.live import LiveOps
            from eventum_mcp.server import build_server
            from eventum_mcp.workspace import Workspace
        except ModuleNotFoundError as error:
            if (error.name or "").partition(".")[0] not in ("eventum_mcp", "mcp"):
                raise
            raise RuntimeError(
                f"server.mcp.enabled needs the eventum-mcp package: {INSTALL_HINT}"
            ) from None

        settings = application.settings
        options = settings.server.mcp
        workspace = Workspace(
            settings.path.generators_dir,
            str(settings.path.generator_config_filename),
            read_only=not options.allow_write,
            read_only_because="server.mcp.allow_write is false",
        )
        server = build_server(
            workspace,
            keyring=application.keyring,
            registry=Registry(),
            live=LiveOps(application, workspace),
        )
        hosts = list(options.allowed_hosts)
        server.settings.transport_security = TransportSecuritySettings(
            enable_dns_rebinding_protection=bool(hosts),
            allowed_hosts=hosts,
            # Browsers send Origin: allow the same hosts (a `:*` port wildcard works here too).
            allowed_origins=[
                f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")
            ],
        )
        server.streamable_http_app()  # creates the session manager with those settings
        self._session_manager = server.session_manager
        self.path = options.path
        self._handler = _Authenticated(StreamableHTTPASGIApp(self._session_manager))

    def mount(self, app: FastAPI) -> None:
        """At the path, with and without a trailing slash (clients are configured both ways);
        before Studio's catch-all route, which would take it otherwise."""
        paths = [self.path] if self.path == "/" else [self.path, f"{self.path}/"]
        for path in paths:
            app.router.routes.append(Route(path, self._handler, include_in_schema=False))

    def lifespan(self) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
        @asynccontextmanager
        async def run(_app: FastAPI) -> AsyncIterator[None]:
            async with self._session_manager.run():
                yield

        return run


class _Authenticated:
    """An ASGI app answering 401 (with a Basic challenge) unless the caller is the API's user."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            require_user(Request(scope))
        except HTTPException as refusal:
            response = JSONResponse(
                {"detail": refusal.detail}, refusal.status_code, headers=refusal.headers
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
