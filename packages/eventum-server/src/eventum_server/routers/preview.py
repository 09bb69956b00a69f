"""`/api/preview`: try a generator's parts without running it (what the Studio's editors use).

Timestamps are aggregated for a chart; the event plugin of a generator is kept between calls
(initialise, produce, inspect or edit template state, release) so that state carries over, as
in Eventum's debugger.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import numpy as np
from fastapi import APIRouter, Body, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from eventum_core import resolve
from eventum_core.app.application import Application
from eventum_core.app.confinement import folder_name, generator_folder
from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import GeneratorPlan, load_plan
from eventum_core.config.plugin_config import ValidationContext
from eventum_core.context import PluginContext
from eventum_core.logging import get_logger
from eventum_core.preview import (
    Recorder,
    histogram,
    isoformat,
    json_safe,
    sample_timestamps,
    timestamp_batch,
)
from eventum_core.preview import (
    open_event_plugin as build_event_plugin,
)
from eventum_core.protocols import InstanceState, ProcessState, StateStore
from eventum_server.locations import relative
from eventum_server.routers.common import application

router = APIRouter()
App = Annotated[Application, Depends(application)]
MAX_PREVIEW = 1_000_000
SPANS = 100


class EventRequest(BaseModel):
    timestamps: list[datetime] = Field(default_factory=list, max_length=10_000)
    size: int = Field(default=1, ge=1, le=10_000)
    params: dict[str, Any] = {}


class FormatRequest(BaseModel):
    format: str = "plain"
    options: dict[str, Any] = {}
    events: list[str] = Field(max_length=10_000)


class NormalizeRequest(BaseModel):
    value: str
    timezone: str = "UTC"
    relative_base: datetime | None = None


def plan_for(
    app: Application, name: str, *, params: dict[str, Any], skip_past: bool = False
) -> GeneratorPlan:
    folder = generator_folder(app.settings.path.generators_dir, name)
    parameters = GeneratorParameters.model_validate(
        {
            **app.settings.generation.model_dump(),
            "id": f"preview-{name}",
            "path": folder / app.settings.path.generator_config_filename,
            "live_mode": False,
            "skip_past": skip_past,
            "params": params,
        }
    )
    if not parameters.path.is_file():
        raise HTTPException(404, f"generator config '{name}' not found")
    return load_plan(parameters, registry=app.registry, secrets=app.keyring.resolver())


@router.post("/{name}/input-plugins/generate")
def generate_timestamps(
    name: str,
    app: App,
    size: Annotated[int, Query(ge=1, le=MAX_PREVIEW)] = 1000,
    skip_past: bool = False,
    params: Annotated[dict[str, Any] | None, Body()] = None,
) -> dict[str, Any]:
    """Up to `size` timestamps of the generator's inputs, counted in spans for a chart."""
    plan = plan_for(app, name, params=params or {}, skip_past=skip_past)
    stamps, _ = sample_timestamps(plan, size)
    if not len(stamps):
        return {"total": 0, "first": None, "last": None, "span_edges": [], "span_counts": []}
    zone = plan.parameters.zone
    edges, counts = histogram(stamps, zone, SPANS)
    return {
        "total": len(stamps),
        "first": isoformat(stamps[0], zone),
        "last": isoformat(stamps[-1], zone),
        "span_edges": edges,
        "span_counts": counts,
    }


class _Debugger:
    """Event plugins kept between calls, one per generator name."""

    def __init__(self) -> None:
        self.plugins: dict[str, tuple[Any, GeneratorPlan, Recorder]] = {}
        self.lock = threading.Lock()

    def open(
        self, app: Application, name: str, params: dict[str, Any]
    ) -> tuple[Any, Any, Recorder]:
        self.close(name)
        plan = plan_for(app, name, params=params)
        recorder = Recorder(get_logger(generator=f"preview-{name}"))
        plugin = build_event_plugin(plan, recorder)
        with self.lock:
            self.plugins[name] = (plugin, plan, recorder)
        return plugin, plan, recorder

    def get(self, app: Application, name: str, params: dict[str, Any]) -> tuple[Any, Any, Recorder]:
        with self.lock:
            found = self.plugins.get(name)
        return found or self.open(app, name, params)

    def close(self, name: str) -> bool:
        with self.lock:
            found = self.plugins.pop(name, None)
        if found is not None:
            found[0].close()
        return found is not None


_debugger = _Debugger()


@router.post("/{name}/event-plugin")
def open_event_plugin(
    name: str, app: App, params: Annotated[dict[str, Any] | None, Body()] = None
) -> dict[str, str]:
    _, plan, _ = _debugger.open(app, name, params or {})
    return {"plugin": plan.event.name}


@router.delete("/{name}/event-plugin")
def release_event_plugin(name: str) -> dict[str, bool]:
    return {"released": _debugger.close(folder_name(name))}


@router.post("/{name}/event-plugin/produce")
def produce(name: str, app: App, body: EventRequest) -> dict[str, Any]:
    plugin, plan, recorder = _debugger.get(app, folder_name(name), body.params)
    zone = plan.parameters.zone
    moments = body.timestamps or [datetime.now(zone)] * body.size
    stamps = [np.datetime64(m.astimezone(UTC).replace(tzinfo=None), "us") for m in moments]
    batch = timestamp_batch(plan, stamps)
    before = _snapshot(plugin)
    recorder.records.clear()
    produced = plugin.produce(batch)
    folder = plan.base_path
    return {
        "events": produced.events,
        "failed": produced.failed,
        "dropped": produced.dropped,
        "exhausted": produced.exhausted,
        "errors": [
            {**r, "file": relative(r.get("file"), folder)} if "file" in r else r
            for r in recorder.records
        ],
        "state": {"before": before, "after": _snapshot(plugin)},
    }


def _process_state(plugin: Any) -> StateStore | None:
    owner = type(plugin)
    return owner.process_state if isinstance(owner, ProcessState) else None


def _snapshot(plugin: Any) -> dict[str, Any] | None:
    """The plugin's state (locals per alias, shared, globals), or None when it keeps none."""
    if not isinstance(plugin, InstanceState):
        return None
    shared = _process_state(plugin)
    snapshot: dict[str, Any] = json_safe(
        {
            "locals": {alias: state.as_dict() for alias, state in plugin.local_states.items()},
            "shared": plugin.shared.as_dict(),
            "globals": shared.as_dict() if shared is not None else {},
        }
    )
    return snapshot


def _states(plugin: Any, scope: str, alias: str | None) -> StateStore:
    if not isinstance(plugin, InstanceState):
        raise HTTPException(400, "this event plugin has no template state")
    if scope == "local":
        states = plugin.local_states
        if alias is None or alias not in states:
            raise HTTPException(404, f"template alias '{alias}' not found")
        return states[alias]
    if scope == "shared":
        return plugin.shared
    state = _process_state(plugin)
    if state is None:
        raise HTTPException(400, "this event plugin has no template state")
    return state


def _state_routes(path: str, scope: str) -> None:
    def plugin_state(name: str, app: Application, alias: str | None) -> Any:
        plugin, _, _ = _debugger.get(app, folder_name(name), {})
        return _states(plugin, scope, alias)

    @router.get(path, name=f"read_{scope}_state")
    def read_state(name: str, app: App, alias: str | None = None) -> dict[str, Any]:
        return dict(plugin_state(name, app, alias).as_dict())

    @router.patch(path, name=f"update_{scope}_state")
    def update_state(
        name: str, app: App, body: Annotated[dict[str, Any], Body()], alias: str | None = None
    ) -> dict[str, Any]:
        state = plugin_state(name, app, alias)
        state.update(body)
        return dict(state.as_dict())

    @router.delete(path, name=f"clear_{scope}_state")
    def clear_state(name: str, app: App, alias: str | None = None) -> dict[str, bool]:
        plugin_state(name, app, alias).clear()
        return {"ok": True}

    @router.delete(path + "/{key}", name=f"delete_{scope}_state_key")
    def delete_key(name: str, key: str, app: App, alias: str | None = None) -> dict[str, bool]:
        plugin_state(name, app, alias).pop(key, None)
        return {"ok": True}


_state_routes("/{name}/event-plugin/template/state/local/{alias}", "local")
_state_routes("/{name}/event-plugin/template/state/shared", "shared")
_state_routes("/{name}/event-plugin/template/state/global", "global")


@router.post("/{name}/formatter/format")
def format_events(name: str, app: App, body: FormatRequest) -> dict[str, Any]:
    folder = generator_folder(app.settings.path.generators_dir, name)
    cls = app.registry.load("formatter", body.format)
    zone = ZoneInfo(app.settings.generation.timezone)
    now = datetime.now(zone)
    config = cls.Config.model_validate(
        body.options, context=ValidationContext(base_path=folder, timezone=zone, now=now)
    )
    context = PluginContext(
        generator_id=f"preview-{name}",
        kind="formatter",
        name=body.format,
        index=0,
        base_path=folder,
        timezone=zone,
        started_at=now,
    )
    formatted = cls(config, context).format(body.events)
    return {
        "items": formatted.items,
        "events": formatted.events,
        "failed": getattr(formatted, "failed", 0),
    }


@router.post("/{name}/versatile-datetime/normalize")
def normalize(name: str, body: NormalizeRequest) -> dict[str, str | None]:
    folder_name(name)
    try:
        zone = ZoneInfo(body.timezone)
    except Exception:
        raise HTTPException(422, f"unknown timezone {body.timezone!r}") from None
    now = datetime.now(zone)
    try:
        value = resolve(body.value, tz=zone, now=now, base=body.relative_base)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    return {"value": value.isoformat() if value is not None else None}
