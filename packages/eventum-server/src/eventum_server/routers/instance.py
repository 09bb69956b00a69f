"""`/api/instance`: about this process, its settings (eventum.yml), stop, restart, main log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, WebSocket

from eventum_core.app import logs
from eventum_core.app import settings as settings_file
from eventum_core.app.application import Application
from eventum_core.app.settings import validate_settings
from eventum_server.routers.common import application, stream_file
from eventum_server.security import websocket_user

router = APIRouter()
websockets = APIRouter()
App = Annotated[Application, Depends(application)]
HIDDEN = "********"  # the auth password is never sent back


@router.get("/info")
def info(app: App) -> dict[str, Any]:
    return app.instance_info()


@router.get("/settings")
def read_settings(app: App) -> dict[str, Any]:
    data = app.settings.model_dump(mode="json")
    data["server"]["auth"]["password"] = HIDDEN
    return data


@router.put("/settings")
def write_settings(app: App, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Validate and write eventum.yml; it takes effect on restart, as in Eventum."""
    auth = body.get("server", {}).get("auth", {}) if isinstance(body.get("server"), dict) else {}
    if isinstance(auth, dict) and auth.get("password") == HIDDEN:
        auth["password"] = app.settings.server.auth.password
    settings_file.write_settings(app.config_path, validate_settings(body, source=app.config_path))
    return {"restart_required": True}


@router.post("/stop")
def stop(app: App) -> dict[str, bool]:
    app.request_shutdown()
    return {"ok": True}


@router.post("/restart")
def restart(app: App) -> dict[str, bool]:
    app.request_restart()
    return {"ok": True}


@websockets.websocket("/logs/main")
async def main_log(websocket: WebSocket) -> None:
    if await websocket_user(websocket) is None:
        return
    await websocket.accept()
    app: Application = websocket.app.state.application
    log = app.settings.log
    await stream_file(websocket, logs.main_log_path(app.settings.path.logs, log.format))
