"""One TCP (or TLS) connection that can tell when the receiver's kernel has acknowledged data.

A successful `write()` on a socket only means the local kernel took the bytes: if the receiver
has gone, they are lost without an error. On Linux, TCP_INFO's `tcpi_bytes_acked` counts the
bytes the peer acknowledged, so a batch can wait for its own last byte to be acknowledged and
fail (to be retried) when the connection dies first.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import socket
import struct
from typing import Any

try:
    import fcntl
    import termios
except ImportError:  # not on Windows: writes are then confirmed by the local kernel only
    fcntl = None  # type: ignore[assignment]

_TCP_INFO = getattr(socket, "TCP_INFO", None)
_BYTES_ACKED = struct.Struct("=Q")
_BYTES_ACKED_OFFSET = 120  # struct tcp_info.tcpi_bytes_acked (Linux >= 4.1)
_TCP_INFO_SIZE = _BYTES_ACKED_OFFSET + _BYTES_ACKED.size


class Connection:
    """A stream plus a reader task that notices when the receiver closes or resets it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.lost = False
        self._watcher = asyncio.create_task(self._watch(reader))

    async def _watch(self, reader: asyncio.StreamReader) -> None:
        # Receivers do not talk back; reading only serves to see EOF or a reset.
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while await reader.read(65536):
                pass
        self.lost = True
        self.writer.close()  # our FIN comes after whatever is still buffered

    @property
    def usable(self) -> bool:
        return not self.lost and not self.writer.is_closing()

    def _buffered(self) -> int:
        """Bytes still in asyncio's buffers, not yet handed to the kernel."""
        transport: Any = self.writer.transport
        size = int(transport.get_write_buffer_size())
        # A TLS transport keeps ciphertext in the plain transport beneath it.
        inner = getattr(getattr(transport, "_ssl_protocol", None), "_transport", None)
        if inner is not None:
            size += int(inner.get_write_buffer_size())
        return size

    def _read_acked(self) -> int | None:
        sock = self.writer.get_extra_info("socket")
        try:
            raw = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _TCP_INFO_SIZE)
        except OSError:
            return None
        if len(raw) < _TCP_INFO_SIZE:
            return None
        return int(_BYTES_ACKED.unpack_from(raw, _BYTES_ACKED_OFFSET)[0])

    async def send(self, data: bytes | bytearray) -> int | None:
        """Write `data`; return the acknowledgement count that covers its last byte.

        None where the platform cannot tell (then success means the kernel took the data).
        """
        self.writer.write(data)
        await self.writer.drain()
        delay = 0.0002
        while self._buffered():
            if not self.usable:
                raise ConnectionResetError("the connection was closed while writing")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.01)
        sock = self.writer.get_extra_info("socket")
        try:
            raw = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _TCP_INFO_SIZE)
            queued = _outq(sock)
        except (OSError, TypeError):
            return None
        if len(raw) < _TCP_INFO_SIZE or queued is None:
            return None
        return int(_BYTES_ACKED.unpack_from(raw, _BYTES_ACKED_OFFSET)[0]) + queued

    async def confirm(self, target: int | None) -> None:
        """Wait until the receiver acknowledged everything up to `target`, or fail."""
        if target is None:
            return
        delay = 0.0002
        while True:
            acked = self._read_acked()
            if acked is None or acked >= target:
                return
            if not self.usable:
                raise ConnectionResetError(
                    "the connection was lost before the receiver acknowledged the data"
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.02)

    async def close(self, timeout: float = 5) -> None:
        self._watcher.cancel()
        self.writer.close()
        with contextlib.suppress(OSError, TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self.writer.wait_closed(), timeout)

    def release(self) -> None:
        """Close without waiting. Never a reset: the receiver keeps what it has acknowledged
        but not yet read, which a reset would make it throw away."""
        self._watcher.cancel()
        self.writer.close()


def _outq(sock: Any) -> int | None:
    """Bytes in the kernel's send queue not yet acknowledged (SIOCOUTQ)."""
    if fcntl is None:
        return None
    buffer = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, buffer)
    return int(buffer[0])
