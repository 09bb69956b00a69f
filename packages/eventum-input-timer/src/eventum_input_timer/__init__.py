"""Eventum input plugin `timer`: `count` timestamps every `seconds`, optionally `repeat` times."""

from eventum_input_timer.__about__ import __version__
from eventum_input_timer.config import TimerConfig
from eventum_input_timer.plugin import TimerInput

__all__ = ["TimerConfig", "TimerInput", "__version__"]
