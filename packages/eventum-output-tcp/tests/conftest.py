"""A real TCP (and TLS) receiver in a thread, and certificates made for the test."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


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
    ) -> None:
        try:
            sock, _ = listener.accept()
        except OSError:
            return
        if self.tls is not None:
            sock.settimeout(5)
            try:
                sock = self.tls.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError):
                sock.close()
                return
            self.peer_certs.append(sock.getpeercert())
        sock.setblocking(False)
        buffer = bytearray()
        with self._lock:
            self.connections.append(buffer)
        open_sockets[sock] = buffer
        selector.register(sock, selectors.EVENT_READ)

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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.go_away()


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    server: bool = False,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write_cert(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, other_key = _key(), _key()
    ca = _cert("test ca", ca_key, None, ca_key, ca=True)
    other = _cert("other ca", other_key, None, other_key, ca=True)
    server_key, client_key = _key(), _key()
    server = _cert("localhost", server_key, ca.subject, ca_key, ca=False, server=True)
    client = _cert("eventum client", client_key, ca.subject, ca_key, ca=False)
    return Pki(
        ca=_write_cert(ca, folder / "ca.pem"),
        server_cert=_write_cert(server, folder / "server.pem"),
        server_key=_write_key(server_key, folder / "server.key"),
        client_cert=_write_cert(client, folder / "client.pem"),
        client_key=_write_key(client_key, folder / "client.key"),
        other_ca=_write_cert(other, folder / "other-ca.pem"),
    )


@pytest.fixture
def tls_receiver(pki: Pki) -> Iterator[Receiver]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki.ca)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    context.verify_mode = ssl.CERT_REQUIRED
    server = Receiver(context)
    yield server
    server.go_away()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
