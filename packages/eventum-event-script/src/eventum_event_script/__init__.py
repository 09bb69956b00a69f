"""Eventum event plugin `script`: events from a `produce(params)` function in a Python file."""

from eventum_event_script.__about__ import __version__
from eventum_event_script.config import ScriptEventConfig
from eventum_event_script.plugin import ScriptEvent

__all__ = ["ScriptEvent", "ScriptEventConfig", "__version__"]
