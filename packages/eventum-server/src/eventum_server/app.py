"""The FastAPI app: Eventum's routers under `/api`, `/metrics`, docs at `/api/swagger|redoc`,
Eventum Studio at `/` when `server.ui_enabled`, and MCP at `server.mcp.path` when
`server.mcp.enabled`. Studio uses only the API, so the API is served whenever Studio is, even
with `server.api_enabled: false`; MCP alone serves no API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from eventum_core.app.application import (
    Application,
    GeneratorBusy,
    GeneratorExists,
    GeneratorNotFound,
)
from eventum_core.app.startup import ScenarioConflict, ScenarioNotFound, StartupEntryNotFound
from eventum_core.errors import ConfigError, UserError
from eventum_core.keyring_secrets import KeyringError
from eventum_server.__about__ import __version__
from eventum_server.limits import BodyLimit
from eventum_server.locations import locate
from eventum_server.security import Sessions, require_user

_STATUS: list[tuple[type[Exception], int]] = [
    (GeneratorNotFound, 404),
    (GeneratorExists, 409),
    (GeneratorBusy, 409),
    (StartupEntryNotFound, 404),
    (ScenarioNotFound, 404),
    (ScenarioConflict, 409),
    (KeyringError, 503),
    (ConfigError, 422),
    (UserError, 400),
    (FileExistsError, 409),
    (ValidationError, 422),  # options a plugin's config model refuses (previews)
]


def _generator_folder(request: Request, application: Application) -> Path | None:
    name = request.path_params.get("name")
    return application.settings.path.generators_dir / name if isinstance(name, str) else None


_DOCS = {"docs_url": "/api/swagger", "redoc_url": "/api/redoc", "openapi_url": "/api/openapi.json"}


def create_app(application: Application) -> FastAPI:
    server = application.settings.server
    api = server.api_enabled or server.ui_enabled  # Studio uses only the API
    mcp = None
    if server.mcp.enabled:
        from eventum_server.mcp import MCPEndpoint  # the MCP SDK loads only when it is enabled

        mcp = MCPEndpoint(application)
    app = FastAPI(
        title="Eventum API",
        version=__version__,
        **(_DOCS if api else dict.fromkeys(_DOCS)),
        lifespan=mcp.lifespan() if mcp is not None else None,
    )
    app.state.application = application
    app.state.sessions = Sessions()
    if api:
        _include_api(app)

    async def user_error(request: Request, error: Exception) -> JSONResponse:
        code = next(code for kind, code in _STATUS if isinstance(error, kind))
        detail = str(error)
        if isinstance(error, FileExistsError):
            detail = "it already exists"
        body: dict[str, Any] = {"detail": detail}
        if isinstance(error, ConfigError):  # where, for Studio to mark the line
            body["errors"] = locate(str(error), _generator_folder(request, application))
        return JSONResponse(body, status_code=code)

    for kind, _ in _STATUS:
        app.add_exception_handler(kind, user_error)
    app.state.mcp = mcp
    if mcp is not None:
        app.state.repositories = mcp.repositories  # one service for MCP and the REST API
        mcp.mount(app)
    if server.ui_enabled:
        from eventum_server.studio import mount_studio

        mount_studio(app)
    app.add_middleware(BodyLimit, max_bytes=server.max_body_bytes)
    return app


def _include_api(app: FastAPI) -> None:
    from eventum_server.routers import (
        auth,
        docs,
        generator_configs,
        generators,
        instance,
        observability,
        preview,
        repositories,
        scenarios,
        secrets,
        startup,
    )

    protected: Any = [Depends(require_user)]
    app.include_router(auth.router, prefix="/api/auth", tags=["auth"])
    app.include_router(observability.public, prefix="/api", tags=["health"])
    app.include_router(docs.router, prefix="/api", include_in_schema=False)
    app.include_router(observability.router, dependencies=protected, tags=["metrics"])
    for module, prefix, tag in (
        (instance, "/api/instance", "instance"),
        (generator_configs, "/api/generator-configs", "generator-configs"),
        (preview, "/api/preview", "preview"),
        (generators, "/api/generators", "generators"),
        (startup, "/api/startup", "startup"),
        (scenarios, "/api/scenarios", "scenarios"),
        (secrets, "/api/secrets", "secrets"),
        (repositories, "/api/repositories", "repositories"),
    ):
        app.include_router(module.router, prefix=prefix, tags=[tag], dependencies=protected)
        ws = getattr(module, "websockets", None)
        if ws is not None:  # WebSockets check credentials themselves (no 401 on a handshake)
            app.include_router(ws, prefix=prefix, tags=[tag])
