"""Config of the `udp` output plugin."""

from __future__ import annotations

from pydantic import Field

from eventum_core import Encoding, OutputConfig


class UdpOutputConfig(OutputConfig):
    """Send every event, followed by `separator`, as one datagram to `host:port`."""

    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    encoding: Encoding = "utf_8"
    separator: str = "\n"
