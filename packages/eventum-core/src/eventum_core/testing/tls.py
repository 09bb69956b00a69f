"""Certificates for TLS tests: a CA, a server certificate for localhost / 127.0.0.1, a client
certificate, and a second CA that trusts none of them. Needs the `cryptography` package.

    pki = make_pki(tmp_path)
    server = pki.server_context(require_client=True)
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path  # the server's, for localhost and 127.0.0.1
    key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path

    def server_context(self, *, require_client: bool = False) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=self.ca)
        context.load_cert_chain(self.cert, self.key)
        context.verify_mode = ssl.CERT_REQUIRED if require_client else ssl.CERT_NONE
        return context

    def client_context(self, *, with_cert: bool = False) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca)
        if with_cert:
            context.load_cert_chain(self.client_cert, self.client_key)
        return context


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
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
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path) -> Pki:
    """Write a fresh set of keys and certificates into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = {
        name: ec.generate_private_key(ec.SECP256R1())
        for name in ("ca", "other", "server", "client")
    }
    ca = _certificate("eventum test CA", keys["ca"], None, keys["ca"], ca=True)
    other = _certificate("other CA", keys["other"], None, keys["other"], ca=True)
    server = _certificate("localhost", keys["server"], ca.subject, keys["ca"], server=True)
    client = _certificate("eventum client", keys["client"], ca.subject, keys["ca"])

    def cert(value: x509.Certificate, name: str) -> Path:
        (folder / name).write_bytes(value.public_bytes(serialization.Encoding.PEM))
        return folder / name

    def key(name: str) -> Path:
        (folder / f"{name}.key").write_bytes(
            keys[name].private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return folder / f"{name}.key"

    return Pki(
        ca=cert(ca, "ca.pem"),
        cert=cert(server, "server.pem"),
        key=key("server"),
        client_cert=cert(client, "client.pem"),
        client_key=key("client"),
        other_ca=cert(other, "other-ca.pem"),
    )
