"""`server.ssl`: the API over TLS with a certificate made here, and client certificates when
`verify_mode: required`."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .conftest import PASSWORD, USER, free_port, launch, make_instance


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write(
    path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path.with_suffix(".crt"), path.with_suffix(".key")


def _issue(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pki")
    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eventum test CA")])
    ca = _issue("eventum test CA", ca_key, ca_name, ca_key, ca=True)
    ca_crt, _ = _write(root / "ca", ca, ca_key)
    server_key, client_key = _key(), _key()
    server_crt, server_key_path = _write(
        root / "server", _issue("server", server_key, ca_name, ca_key), server_key
    )
    client_crt, client_key_path = _write(
        root / "client", _issue("client", client_key, ca_name, ca_key), client_key
    )
    return {
        "ca": ca_crt,
        "cert": server_crt,
        "key": server_key_path,
        "client_cert": client_crt,
        "client_key": client_key_path,
    }


def _tls_instance(root: Path, pki: dict[str, Path], verify_mode: str) -> Path:
    config = make_instance(root, free_port())
    text = config.read_text().replace(
        "  max_body_bytes: 65536\n",
        "  max_body_bytes: 65536\n"
        f"  ssl: {{enabled: true, cert: {pki['cert']}, cert_key: {pki['key']}, "
        f"ca_cert: {pki['ca']}, verify_mode: {verify_mode}}}\n",
    )
    config.write_text(text)
    return config


def _started(root: Path, config: Path):
    # launch() polls plain http; over TLS it must be told to look at https instead.
    return launch(root, config, scheme="https")


def test_api_over_tls_with_a_ca(tmp_path: Path, pki: dict[str, Path]) -> None:
    config = _tls_instance(tmp_path, pki, "none")
    context = ssl.create_default_context(cafile=str(pki["ca"]))
    for server in _started(tmp_path, config):
        response = httpx.get(f"{server.url}/api/generators/", auth=(USER, PASSWORD), verify=context)
        assert response.status_code == 200
        with pytest.raises(httpx.ConnectError):  # a client that does not trust the CA
            httpx.get(f"{server.url}/api/healthz", verify=True)
        plain = server.url.replace("https://", "http://")
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{plain}/api/healthz")


def test_client_certificate_required(tmp_path: Path, pki: dict[str, Path]) -> None:
    config = _tls_instance(tmp_path, pki, "required")
    with_cert = ssl.create_default_context(cafile=str(pki["ca"]))
    with_cert.load_cert_chain(str(pki["client_cert"]), str(pki["client_key"]))
    for server in _started(tmp_path, config):
        ok = httpx.get(f"{server.url}/api/healthz", verify=with_cert)
        assert ok.status_code == 200
        without = ssl.create_default_context(cafile=str(pki["ca"]))
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{server.url}/api/healthz", verify=without).raise_for_status()
