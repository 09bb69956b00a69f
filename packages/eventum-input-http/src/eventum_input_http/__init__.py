"""Eventum input plugin `http`: timestamps on demand, requested over HTTP."""

from eventum_input_http.__about__ import __version__
from eventum_input_http.config import HttpConfig
from eventum_input_http.plugin import HttpInput

__all__ = ["HttpConfig", "HttpInput", "__version__"]
