"""The `udp` output plugin: one datagram per event, sent from a worker thread."""

from __future__ import annotations

import errno
import socket
from collections.abc import Sequence
from typing import ClassVar

import anyio.to_thread

from eventum_core import PluginContext, WriteError
from eventum_output_udp.config import UdpOutputConfig

# Failures that may pass: the receiver's port was closed (ICMP unreachable, reported on a
# later send), the local queue is full, the network is down for a moment.
_TRANSIENT = {
    errno.ECONNREFUSED,
    errno.ENOBUFS,
    errno.EAGAIN,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ENETDOWN,
    errno.EINTR,
}


class UdpOutput:
    """Sends each event (with `separator`) as one datagram on a connected UDP socket.

    UDP confirms nothing: a write succeeds when the kernel took every datagram. An event too
    large for one datagram (or not encodable) fails for good, alone; a refused port or a full
    queue fails the event as retryable. A write sends every datagram it can, and reports the
    failed events by index.
    """

    Config: ClassVar[type[UdpOutputConfig]] = UdpOutputConfig

    def __init__(self, config: UdpOutputConfig, context: PluginContext) -> None:
        self._config = config
        self._socket: socket.socket | None = None

    async def open(self) -> None:
        self._socket = await anyio.to_thread.run_sync(self._connect)

    def _connect(self) -> socket.socket:
        c = self._config
        family, kind, proto, _, address = socket.getaddrinfo(
            c.host, c.port, type=socket.SOCK_DGRAM
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.connect(address)  # the kernel then reports ICMP errors for this receiver
        except OSError:
            sock.close()
            raise
        return sock

    async def write(self, items: Sequence[str]) -> None:
        if not items:
            return
        sock = self._socket
        if sock is None:
            raise WriteError("the udp output is not open", retryable=False)
        failures = await anyio.to_thread.run_sync(self._send_all, sock, items)
        if not failures:
            return
        retryable = [reason for transient, reason in failures.values() if transient]
        first = retryable[0] if retryable else next(iter(failures.values()))[1]
        raise WriteError(
            f"{len(failures)} of {len(items)} datagrams not sent: {first}",
            retryable=bool(retryable),
            failed=None if len(failures) == len(items) else sorted(failures),
        )

    def _send_all(self, sock: socket.socket, items: Sequence[str]) -> dict[int, tuple[bool, str]]:
        c = self._config
        separator, encoding, send = c.separator, c.encoding, sock.send
        failures: dict[int, tuple[bool, str]] = {}
        for index, item in enumerate(items):
            try:
                send((item + separator).encode(encoding))
            except UnicodeEncodeError as error:
                failures[index] = (False, f"cannot encode as {encoding}: {error.reason}")
            except OSError as error:
                transient = error.errno in _TRANSIENT
                if error.errno == errno.EMSGSIZE:
                    failures[index] = (False, "event too large for one datagram")
                else:
                    failures[index] = (transient, f"{type(error).__name__}: {error}")
        return failures

    async def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()
