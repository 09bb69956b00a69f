"""Eventum output plugin `http`: events sent to an HTTP endpoint."""

from eventum_output_http.__about__ import __version__
from eventum_output_http.config import HttpOutputConfig
from eventum_output_http.plugin import HttpOutput

__all__ = ["HttpOutput", "HttpOutputConfig", "__version__"]
