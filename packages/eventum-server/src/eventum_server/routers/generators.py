"""`/api/generators`: the generators running in this process (not startup.yml).

A body is Eventum's `GeneratorParameters` (the path's id wins), merged over eventum.yml's
`generation:` defaults like a startup.yml entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, WebSocket

from eventum_core.app import logs
from eventum_core.app.application import Application
from eventum_core.app.startup import entry_from
from eventum_server.routers.common import application, stream_file
from eventum_server.security import websocket_user

router = APIRouter()
websockets = APIRouter()
App = Annotated[Application, Depends(application)]
Ids = Annotated[list[str], Body()]


def _parameters(app: Application, generator_id: str, body: dict[str, Any]) -> Any:
    entry = entry_from({**body, "id": generator_id}, app.settings, source=Path("<request>"))
    return entry.parameters


def _view(app: Application, generator_id: str) -> dict[str, Any]:
    generator = app.get(generator_id)
    return {**generator.parameters.model_dump(mode="json"), **generator.describe()}


@router.get("/")
def list_generators(app: App) -> list[dict[str, Any]]:
    return [{**g.describe(), "path": str(g.parameters.path)} for g in app.generators()]


@router.get("/group-actions/stats-running")
def stats_running(app: App) -> list[dict[str, Any]]:
    return [s for g in app.generators() if g.status.value == "running" and (s := g.stats())]


@router.post("/group-actions/bulk-start")
def bulk_start(app: App, ids: Ids) -> dict[str, list[str]]:
    return {"started": [i for i in ids if app.start(i)]}


@router.post("/group-actions/bulk-stop")
def bulk_stop(app: App, ids: Ids) -> dict[str, list[str]]:
    generators = [app.get(i) for i in ids]
    for generator in generators:
        generator.request_stop()
    return {"stopped": [g.id for g in generators if g.join(60)]}


@router.post("/group-actions/bulk-delete")
def bulk_delete(app: App, ids: Ids) -> dict[str, list[str]]:
    for i in ids:
        app.remove(i)
    return {"deleted": ids}


@router.get("/{id}")
def read_generator(id: str, app: App) -> dict[str, Any]:
    return _view(app, id)


@router.post("/{id}", status_code=201)
def add_generator(id: str, app: App, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    app.add(_parameters(app, id, body))
    return _view(app, id)


@router.put("/{id}")
def replace_generator(id: str, app: App, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    app.replace(_parameters(app, id, body))
    return _view(app, id)


@router.delete("/{id}")
def delete_generator(id: str, app: App) -> dict[str, bool]:
    app.remove(id)
    return {"ok": True}


@router.get("/{id}/status")
def status(id: str, app: App) -> dict[str, Any]:
    return app.get(id).describe()


@router.post("/{id}/start")
def start(id: str, app: App) -> dict[str, Any]:
    started = app.start(id)
    return {**app.get(id).describe(), "started": started}


@router.post("/{id}/stop")
def stop(id: str, app: App) -> dict[str, Any]:
    """Stop gracefully: returns once everything generated has been written."""
    app.stop(id)
    return app.get(id).describe()


@router.get("/{id}/stats")
def stats(id: str, app: App) -> dict[str, Any]:
    return app.get(id).stats() or {"id": id, "status": app.get(id).status.value}


@websockets.websocket("/{id}/logs")
async def generator_logs(websocket: WebSocket, id: str) -> None:
    if await websocket_user(websocket) is None:
        return
    await websocket.accept()
    app: Application = websocket.app.state.application
    path = logs.generator_log_path(app.settings.path.logs, app.settings.log.format, id)
    await stream_file(websocket, path)
