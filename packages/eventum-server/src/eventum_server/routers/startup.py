"""`/api/startup`: edit startup.yml entries (takes effect on restart or reload)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException

from eventum_core.app.application import Application
from eventum_core.app.startup import entry_from, read_raw_startup, write_raw_startup
from eventum_server.routers.common import application

router = APIRouter()
App = Annotated[Application, Depends(application)]
Entry = Annotated[dict[str, Any], Body()]


def _index(items: list[dict[str, Any]], generator_id: str) -> int:
    for index, item in enumerate(items):
        if str(item.get("id")) == generator_id:
            return index
    raise HTTPException(404, f"startup entry '{generator_id}' not found")


def _checked(app: Application, generator_id: str, body: dict[str, Any]) -> dict[str, Any]:
    item = {**body, "id": generator_id}
    entry_from(item, app.settings, source=Path("<request>"))
    return item


@router.get("/")
def list_entries(app: App) -> list[dict[str, Any]]:
    return read_raw_startup(app.settings)


@router.post("/group-actions/bulk-delete")
def bulk_delete(app: App, ids: Annotated[list[str], Body()]) -> dict[str, list[str]]:
    items = read_raw_startup(app.settings)
    kept = [item for item in items if str(item.get("id")) not in set(ids)]
    write_raw_startup(app.settings, kept)
    return {"deleted": [str(i.get("id")) for i in items if i not in kept]}


@router.get("/{id}")
def read_entry(id: str, app: App) -> dict[str, Any]:
    items = read_raw_startup(app.settings)
    return items[_index(items, id)]


@router.post("/{id}", status_code=201)
def add_entry(id: str, app: App, body: Entry) -> dict[str, Any]:
    items = read_raw_startup(app.settings)
    if any(str(item.get("id")) == id for item in items):
        raise HTTPException(409, f"startup entry '{id}' already exists")
    item = _checked(app, id, body)
    write_raw_startup(app.settings, [*items, item])
    return item


@router.put("/{id}")
def replace_entry(id: str, app: App, body: Entry) -> dict[str, Any]:
    items = read_raw_startup(app.settings)
    items[_index(items, id)] = item = _checked(app, id, body)
    write_raw_startup(app.settings, items)
    return item


@router.delete("/{id}")
def delete_entry(id: str, app: App) -> dict[str, bool]:
    items = read_raw_startup(app.settings)
    del items[_index(items, id)]
    write_raw_startup(app.settings, items)
    return {"ok": True}
