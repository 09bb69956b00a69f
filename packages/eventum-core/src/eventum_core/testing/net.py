"""Ports for the servers a test starts (brokers, proxies, collectors, `eventum run`)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from typing import Any


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that is free now, for TCP (or UDP with `socket.SOCK_DGRAM`): the
    system picks it, so tests running at once do not collide."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 10) -> bool:
    """Whether `process` takes TCP connections on 127.0.0.1:`port` within `timeout` seconds;
    False as soon as it exits, so a server that fails to start is reported at once."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def stop_server(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if `process` has not exited within `timeout` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
