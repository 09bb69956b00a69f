"""Eventum input plugin `linspace`: `count` timestamps evenly spaced from `start` to `end`."""

from eventum_input_linspace.__about__ import __version__
from eventum_input_linspace.config import LinspaceConfig
from eventum_input_linspace.plugin import LinspaceInput

__all__ = ["LinspaceConfig", "LinspaceInput", "__version__"]
