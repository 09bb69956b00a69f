"""The state every generator of the process shares (Eventum's `globals`), for the REST API and
MCP: kept by whichever installed event plugin declares `ProcessState` (the template plugin does),
so a host never names the plugin that keeps it."""

from __future__ import annotations

from typing import cast

from eventum_core.discovery import Registry
from eventum_core.errors import PluginLoadError, UserError
from eventum_core.protocols import ProcessState


class NoProcessState(UserError):
    """No installed event plugin keeps state shared across generators."""


def process_state_owner(registry: Registry) -> ProcessState:
    """The first event plugin class, by name, that declares `ProcessState`; one that fails to
    import is left out (`eventum plugins --check` reports it)."""
    for name in registry.names("event"):
        try:
            cls = registry.load("event", name)
        except (PluginLoadError, UserError):
            continue
        if isinstance(cls, ProcessState):
            return cast(ProcessState, cls)
    raise NoProcessState("no installed event plugin keeps state shared by generators (globals)")
