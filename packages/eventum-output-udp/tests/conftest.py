"""A real UDP receiver socket on a free loopback port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


class Receiver:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2)
        self.port = self.sock.getsockname()[1]

    def datagrams(self, count: int) -> list[bytes]:
        """Up to `count` datagrams, fewer if none comes for 2 s."""
        got: list[bytes] = []
        try:
            while len(got) < count:
                got.append(self.sock.recv(70_000))
        except TimeoutError:
            pass
        return got


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.sock.close()
