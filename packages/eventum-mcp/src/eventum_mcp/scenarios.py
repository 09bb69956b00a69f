"""Eventum 2.8's scenario and `globals` tools, served over HTTP beside the live tools.

A scenario is a name startup.yml entries list under `scenarios`: the tools edit the file with
eventum_core's helpers, the ones the REST API's `/api/scenarios` uses, and never start or stop a
generator. `globals` is the template plugin's process-wide store, read and written by every
template of this `eventum run`, in a scenario or not; it is reached through the plugin registry
(`eventum_core.app.shared_state`), as the API reaches it. Edits are refused unless the workspace
is writable.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, JsonValue

from eventum_core.app import startup
from eventum_core.app.settings import Settings
from eventum_core.app.shared_state import process_state_owner
from eventum_core.discovery import Registry
from eventum_core.preview import json_safe
from eventum_core.protocols import StateStore
from eventum_mcp.errors import ToolFailure
from eventum_mcp.live import LiveOps
from eventum_mcp.tools import ToolMaker

ScenarioName = Annotated[str, Field(min_length=1, description="A scenario name.")]
GeneratorId = Annotated[str, Field(min_length=1, description="A startup.yml entry's id.")]


def register(tool: ToolMaker, live: LiveOps, registry: Registry) -> None:
    """The scenario and `globals` tools of the running instance `live`."""

    def settings() -> Settings:
        return live.application.settings  # re-read: SIGHUP may replace it

    def global_state() -> StateStore:
        return process_state_owner(registry).process_state

    @tool()
    def list_scenarios() -> list[str]:
        """The scenarios of startup.yml, sorted: every name an entry lists under `scenarios`."""
        return startup.scenario_names(settings())

    @tool()
    def get_scenario(scenario: ScenarioName) -> dict[str, Any]:
        """A scenario and the ids of its generators, in startup.yml's order."""
        members = startup.scenario_members(settings(), scenario)
        if not members:
            raise ToolFailure(f"scenario '{scenario}' not found")
        return {"name": scenario, "generator_ids": members}

    @tool(read_only=False)
    def add_generator_to_scenario(
        generator_id: GeneratorId, scenario: ScenarioName
    ) -> dict[str, Any]:
        """Add a startup.yml generator to a scenario (a new name makes a new scenario). Nothing
        is started or stopped."""
        live.workspace.refuse_if_read_only()
        startup.join_scenario(settings(), scenario, generator_id)
        return {"generator_id": generator_id, "scenario": scenario, "added": True}

    @tool(read_only=False, destructive=True)
    def remove_generator_from_scenario(
        generator_id: GeneratorId, scenario: ScenarioName
    ) -> dict[str, Any]:
        """Take a generator out of a scenario; it stays in startup.yml and keeps running. The
        last one out ends the scenario."""
        live.workspace.refuse_if_read_only()
        startup.leave_scenario(settings(), scenario, generator_id)
        return {"generator_id": generator_id, "scenario": scenario, "removed": True}

    @tool(read_only=False)
    def rename_scenario(scenario: ScenarioName, new_name: ScenarioName) -> dict[str, Any]:
        """Rename a scenario in every startup.yml entry listing it; refused when `new_name` is
        taken (two scenarios are never merged)."""
        live.workspace.refuse_if_read_only()
        members = startup.rename_scenario(settings(), scenario, new_name)
        return {
            "scenario": scenario,
            "new_name": new_name,
            "renamed": True,
            "generator_ids": members,
        }

    @tool(read_only=False, destructive=True)
    def delete_scenario(scenario: ScenarioName) -> dict[str, Any]:
        """End a scenario: every entry leaves it. The generators stay, running or not."""
        live.workspace.refuse_if_read_only()
        members = startup.delete_scenario(settings(), scenario)
        return {"scenario": scenario, "deleted": True, "generator_ids": members}

    @tool()
    def get_global_state() -> dict[str, Any]:
        """The template plugin's `globals`: the state every running generator of this instance
        shares (what JSON cannot say is shown as its repr)."""
        state: dict[str, Any] = json_safe(global_state().as_dict())
        return state

    @tool()
    def get_global_state_key(key: str) -> JsonValue:
        """One value of `globals`."""
        state = global_state()
        if key not in state:
            raise ToolFailure(f"key '{key}' not found in globals")
        value: JsonValue = json_safe(state.get(key))
        return value

    @tool(read_only=False)
    def set_global_state(content: dict[str, Any]) -> dict[str, Any]:
        """Set keys of `globals` (others are kept): every running template sees them at once."""
        live.workspace.refuse_if_read_only()
        global_state().update(content)
        return {"updated": sorted(content)}

    @tool(read_only=False, destructive=True)
    def delete_global_state_key(key: str) -> dict[str, Any]:
        """Remove one key of `globals` (nothing happens when it is not there)."""
        live.workspace.refuse_if_read_only()
        global_state().pop(key, None)
        return {"deleted": key}

    @tool(read_only=False, destructive=True)
    def clear_global_state() -> dict[str, Any]:
        """Remove every key of `globals`."""
        live.workspace.refuse_if_read_only()
        global_state().clear()
        return {"cleared": True}
