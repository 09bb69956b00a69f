"""Eventum input plugin `timestamps`: timestamps listed inline or in a file."""

from eventum_input_timestamps.__about__ import __version__
from eventum_input_timestamps.config import TimestampsConfig
from eventum_input_timestamps.plugin import TimestampsInput

__all__ = ["TimestampsConfig", "TimestampsInput", "__version__"]
