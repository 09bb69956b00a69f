"""Eventum event plugin `replay`: the lines of a recorded log, with fresh timestamps."""

from eventum_event_replay.__about__ import __version__
from eventum_event_replay.config import ReplayEventConfig
from eventum_event_replay.plugin import ReplayEvent

__all__ = ["ReplayEvent", "ReplayEventConfig", "__version__"]
