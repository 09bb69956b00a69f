"""Eventum input plugin `time_patterns`: realistic traffic shapes from time-pattern files."""

from eventum_input_time_patterns.__about__ import __version__
from eventum_input_time_patterns.config import TimePatternsConfig
from eventum_input_time_patterns.pattern import TimePattern
from eventum_input_time_patterns.plugin import TimePatternsInput

__all__ = ["TimePattern", "TimePatternsConfig", "TimePatternsInput", "__version__"]
