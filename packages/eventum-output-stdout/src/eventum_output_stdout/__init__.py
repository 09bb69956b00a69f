"""Eventum output plugin `stdout`: events to the terminal (standard output or error)."""

from eventum_output_stdout.__about__ import __version__
from eventum_output_stdout.config import StdoutOutputConfig
from eventum_output_stdout.plugin import StdoutOutput

__all__ = ["StdoutOutput", "StdoutOutputConfig", "__version__"]
