"""Eventum output plugin `tcp`: events streamed over one persistent TCP (or TLS) connection."""

from eventum_output_tcp.__about__ import __version__
from eventum_output_tcp.config import TcpOutputConfig
from eventum_output_tcp.plugin import TcpOutput

__all__ = ["TcpOutput", "TcpOutputConfig", "__version__"]
