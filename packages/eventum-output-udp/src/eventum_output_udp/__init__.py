"""Eventum output plugin `udp`: one datagram per event."""

from eventum_output_udp.__about__ import __version__
from eventum_output_udp.config import UdpOutputConfig
from eventum_output_udp.plugin import UdpOutput

__all__ = ["UdpOutput", "UdpOutputConfig", "__version__"]
