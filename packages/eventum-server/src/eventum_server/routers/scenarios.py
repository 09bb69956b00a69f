"""`/api/scenarios` (Eventum 2.4): named groups of startup.yml generators, and their `globals`.

Membership is each startup.yml entry's `scenarios` list, so changes take effect on the file at
once and never stop or start a generator. `globals` are the template plugin's process-wide store,
as in Eventum: the same for every scenario and for generators in none, so editing them here
affects every running generator that reads them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field

from eventum_core.app.application import Application
from eventum_core.app.confinement import generator_folder
from eventum_core.app.shared_state import process_state_owner
from eventum_core.app.startup import (
    delete_scenario,
    join_scenario,
    leave_scenario,
    rename_scenario,
    scenario_members,
    scenario_names,
)
from eventum_core.preview import json_safe
from eventum_core.protocols import StateStore
from eventum_server.routers.common import application

router = APIRouter()
App = Annotated[Application, Depends(application)]
Name = Annotated[str, Path(min_length=1, description="Scenario name")]


class Scenario(BaseModel):
    name: str
    generator_ids: list[str] = Field(description="startup.yml ids of its generators, in order")


class Rename(BaseModel):
    new_name: str = Field(min_length=1)


def _members(app: Application, name: str) -> list[str]:
    """The scenario's generator ids; 404 when no startup.yml entry names it."""
    ids = scenario_members(app.settings, name)
    if not ids:
        raise HTTPException(404, f"scenario '{name}' not found")
    return ids


def existing(name: Name, app: App) -> str:
    _members(app, name)
    return name


Existing = Annotated[str, Depends(existing)]


def _globals(app: Application) -> StateStore:
    """The process-wide store (400 when no installed event plugin keeps one)."""
    return process_state_owner(app.registry).process_state


@router.get("/")
def list_scenarios(app: App) -> list[str]:
    return scenario_names(app.settings)


@router.get("/{name}")
def read_scenario(name: Name, app: App) -> Scenario:
    return Scenario(name=name, generator_ids=_members(app, name))


@router.delete("/{name}")
def delete(name: Name, app: App) -> Scenario:
    """Take every generator out of the scenario; they stay registered. Answers who was in it."""
    return Scenario(name=name, generator_ids=delete_scenario(app.settings, name))


@router.post("/{name}/rename")
def rename(name: Name, app: App, body: Rename) -> Scenario:
    return Scenario(
        name=body.new_name, generator_ids=rename_scenario(app.settings, name, body.new_name)
    )


@router.post("/{name}/generators/{generator_id}", status_code=201)
def add_generator(name: Name, generator_id: str, app: App) -> Scenario:
    """Add a startup.yml generator; a scenario that did not exist starts with it."""
    join_scenario(app.settings, name, generator_id)
    return read_scenario(name, app)


@router.delete("/{name}/generators/{generator_id}")
def remove_generator(name: Name, generator_id: str, app: App) -> Scenario:
    """The generator leaves the scenario (it stays registered); the last one out ends it."""
    leave_scenario(app.settings, name, generator_id)
    return Scenario(name=name, generator_ids=scenario_members(app.settings, name))


@router.get("/{name}/generators/{generator_name}/globals-usage")
def globals_usage(name: Existing, generator_name: str, app: App) -> dict[str, Any]:
    """The `globals` keys the templates of a generator folder (its name under generators_dir,
    not a startup id) write and read, from their syntax: `writes`, `reads`, `warnings`."""
    folder = generator_folder(app.settings.path.generators_dir, generator_name)
    if not folder.is_dir():
        raise HTTPException(404, f"generator configuration '{generator_name}' not found")
    return process_state_owner(app.registry).process_state_usage(folder)


@router.get("/{name}/globals")
def read_globals(name: Existing, app: App) -> dict[str, Any]:
    state: dict[str, Any] = json_safe(_globals(app).as_dict())
    return state


@router.patch("/{name}/globals")
def update_globals(
    name: Existing, body: Annotated[dict[str, Any], Body()], app: App
) -> dict[str, Any]:
    state = _globals(app)
    state.update(body)
    updated: dict[str, Any] = json_safe(state.as_dict())
    return updated


@router.delete("/{name}/globals")
def clear_globals(name: Existing, app: App) -> dict[str, bool]:
    _globals(app).clear()
    return {"ok": True}


@router.get("/{name}/globals/{key}")
def read_global(name: Existing, key: str, app: App) -> Any:
    state = _globals(app)
    if key not in state:
        raise HTTPException(404, f"key '{key}' not found in globals")
    return json_safe(state.get(key))


@router.delete("/{name}/globals/{key}")
def delete_global(name: Existing, key: str, app: App) -> dict[str, bool]:
    _globals(app).pop(key, None)
    return {"ok": True}


def _running_worlds() -> Any:
    """eventum-entities' record of the worlds in use (404 when it is not installed)."""
    try:
        from eventum_entities import running
    except ImportError:
        raise HTTPException(404, "no worlds: eventum-entities is not installed") from None
    return running


@router.get("/{name}/worlds")
def read_worlds(name: Existing, app: App) -> list[dict[str, Any]]:
    """The worlds (eventum-entities) the scenario's started generators use: file, seed,
    generators, entity kinds and their counts, and the episodes as placed."""
    found: list[dict[str, Any]] = json_safe(_running_worlds().worlds(_members(app, name)))
    return found


@router.get("/{name}/worlds/entities/{kind}")
def read_entities(
    name: Existing,
    kind: str,
    app: App,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Entities of one kind of the scenario's world, `offset` to `offset + limit`."""
    found = _running_worlds().entities(_members(app, name), kind, offset, limit)
    if found is None:
        raise HTTPException(404, f"no entity kind '{kind}' in the worlds of scenario '{name}'")
    entities: list[dict[str, Any]] = json_safe(found)
    return entities
