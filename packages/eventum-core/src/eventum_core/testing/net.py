"""Ports for the servers a test starts (brokers, proxies, collectors, `eventum run`)."""

from __future__ import annotations

import socket


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that is free now, for TCP (or UDP with `socket.SOCK_DGRAM`): the
    system picks it, so tests running at once do not collide."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
