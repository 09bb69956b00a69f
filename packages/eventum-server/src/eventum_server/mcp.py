"""Eventum 2.6's MCP server over Streamable HTTP, at `server.mcp.path` of this server's root.

The server is eventum-mcp's (the same tools as `eventum mcp`), bound to the running application,
with the live-operations tools. Callers authenticate as for the API (Basic with `server.auth`, or
the session cookie of `POST /api/auth/login`); a non-empty `server.mcp.allowed_hosts` turns on the
SDK's DNS-rebinding protection (Host and Origin checked); tools that write are refused unless
`server.mcp.allow_write`. Imported only when `server.mcp.enabled`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventum_core.app.application import Application
from eventum_server.repositories import Repositories
from eventum_server.security import require_user

INSTALL_HINT = "pip install 'eventum-server[mcp]'"


class MCPEndpoint:
    """The MCP routes and the lifespan that runs the SDK's session manager."""

    def __init__(self, application: Application) -> None:
        try:
            from mcp.server.fastmcp.server import StreamableHTTPASGIApp
            from mcp.server.transport_security import TransportSecuritySettings

            from eventum_mcp.live import LiveOps
            from eventum_mcp.server import build_server
            from eventum_mcp.workspace import Workspace
            from eventum_server.mcp_repositories import RepositoriesForMCP
        except ModuleNotFoundError as error:
            if (error.name or "").partition(".")[0] not in ("eventum_mcp", "mcp"):
                raise
            raise RuntimeError(
                f"server.mcp.enabled needs the eventum-mcp package: {INSTALL_HINT}"
            ) from None

        settings = application.settings
        options = settings.server.mcp
        # The SDK logs every request at INFO: keep it to log.third_party_level, as uvicorn's.
        quiet = max(
            logging.getLevelName(settings.log.third_party_level.upper()),
            logging.getLevelName(settings.log.level.upper()),
        )
        logging.getLogger("mcp").setLevel(quiet)
        workspace = Workspace(
            settings.path.generators_dir,
            str(settings.path.generator_config_filename),
            read_only=not options.allow_write,
            read_only_because="server.mcp.allow_write is false",
        )
        self.repositories = Repositories(application)  # the REST API's too (see create_app)
        server = build_server(
            workspace,
            keyring=application.keyring,
            registry=application.registry,
            live=LiveOps(application, workspace),
            repositories=RepositoriesForMCP(self.repositories),
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
        self._streams = _Streams(StreamableHTTPASGIApp(self._session_manager))
        self._handler = _Authenticated(self._streams)

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

    def end_streams(self) -> None:
        """End the event streams clients hold open (call it in the server's loop as it shuts
        down): the server then stops at once instead of waiting for them, then cutting them."""
        self._streams.end()


class _Streams:
    """The transport, with each open GET (a client's event stream) ended cleanly on request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._open: set[anyio.CancelScope] = set()

    def end(self) -> None:
        for stream in list(self._open):
            stream.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        response = {"started": False, "ended": False}

        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                response["ended"] = True
            await send(message)

        with anyio.CancelScope() as stream:
            self._open.add(stream)
            try:
                await self.app(scope, receive, tracked)
            finally:
                self._open.discard(stream)
        if stream.cancelled_caught and response["started"] and not response["ended"]:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


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
