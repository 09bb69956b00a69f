"""Eventum input plugin `static`: a fixed number of timestamps at the start of generation."""

from eventum_input_static.__about__ import __version__
from eventum_input_static.config import StaticConfig
from eventum_input_static.plugin import StaticInput

__all__ = ["StaticConfig", "StaticInput", "__version__"]
