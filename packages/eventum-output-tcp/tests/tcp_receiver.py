"""A real TCP (and TLS) receiver in a thread: for this package's tests and for other packages'
(eventum-ray's cluster tests import it)."""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import threading
import time


class Receiver:
    """Accepts connections on a fixed port and keeps every byte received, per connection.

    `go_away()` closes the listener and every connection gracefully (as a restarting server
    does: it reads what it was sent, then closes); `come_back()` listens again on the same port.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.port = 0
        self.connections: list[bytearray] = []
        self.peer_certs: list[dict[str, object] | None] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.come_back()

    def come_back(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
        self._thread.start()

    def go_away(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    @property
    def data(self) -> bytes:
        with self._lock:
            return b"".join(bytes(c) for c in self.connections)

    def lines(self) -> list[str]:
        return self.data.decode().splitlines()

    def wait_for(self, size: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.data) < size and time.monotonic() < deadline:
            time.sleep(0.01)

    def _serve(self, listener: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        listener.setblocking(False)
        selector.register(listener, selectors.EVENT_READ)
        open_sockets: dict[socket.socket, bytearray] = {}
        while not self._stop.is_set():
            for key, _ in selector.select(0.05):
                sock = key.fileobj
                if sock is listener:
                    self._accept(listener, selector, open_sockets)
                    continue
                assert isinstance(sock, socket.socket)
                self._read(sock, selector, open_sockets)
        # Connections the kernel completed but the loop had not accepted yet hold acknowledged
        # data too: take them before the listener closes (closing would reset them).
        while self._accept(listener, selector, open_sockets):
            pass
        selector.unregister(listener)
        listener.close()
        for sock in list(open_sockets):  # graceful: FIN, then read until the client's FIN
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + 5
        while open_sockets and time.monotonic() < deadline:
            for key, _ in selector.select(0.05):
                assert isinstance(key.fileobj, socket.socket)
                self._read(key.fileobj, selector, open_sockets)
        for sock in open_sockets:
            sock.close()
        selector.close()

    def _accept(
        self,
        listener: socket.socket,
        selector: selectors.BaseSelector,
        open_sockets: dict[socket.socket, bytearray],
    ) -> bool:
        """Take one pending connection; False when none is waiting."""
        try:
            sock, _ = listener.accept()
        except OSError:
            return False
        if self.tls is not None:
            sock.settimeout(5)
            try:
                sock = self.tls.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError):
                sock.close()
                return True
            self.peer_certs.append(sock.getpeercert())
        sock.setblocking(False)
        buffer = bytearray()
        with self._lock:
            self.connections.append(buffer)
        open_sockets[sock] = buffer
        selector.register(sock, selectors.EVENT_READ)
        return True

    def _read(
        self,
        sock: socket.socket,
        selector: selectors.BaseSelector,
        open_sockets: dict[socket.socket, bytearray],
    ) -> None:
        try:
            chunk = sock.recv(1 << 20)
        except (BlockingIOError, ssl.SSLWantReadError):
            return
        except OSError:
            chunk = b""
        if chunk:
            while isinstance(sock, ssl.SSLSocket) and sock.pending():
                chunk += sock.recv(sock.pending())
            with self._lock:
                open_sockets[sock] += chunk
            return
        selector.unregister(sock)
        del open_sockets[sock]
        sock.close()
