"""`server.ssl`: the API over TLS with a certificate made here, and client certificates when
`verify_mode: required`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from eventum_core.testing.tls import Pki

from .conftest import PASSWORD, USER, free_port, launch, make_instance


def _tls_instance(root: Path, pki: Pki, verify_mode: str) -> Path:
    config = make_instance(root, free_port())
    text = config.read_text().replace(
        "  max_body_bytes: 65536\n",
        "  max_body_bytes: 65536\n"
        f"  ssl: {{enabled: true, cert: {pki.cert}, cert_key: {pki.key}, "
        f"ca_cert: {pki.ca}, verify_mode: {verify_mode}}}\n",
    )
    config.write_text(text)
    return config


def _started(root: Path, config: Path):
    # launch() polls plain http; over TLS it must be told to look at https instead.
    return launch(root, config, scheme="https")


def test_api_over_tls_with_a_ca(tmp_path: Path, tls: Pki) -> None:
    config = _tls_instance(tmp_path, tls, "none")
    context = tls.client_context()
    for server in _started(tmp_path, config):
        response = httpx.get(f"{server.url}/api/generators/", auth=(USER, PASSWORD), verify=context)
        assert response.status_code == 200
        with pytest.raises(httpx.ConnectError):  # a client that does not trust the CA
            httpx.get(f"{server.url}/api/healthz", verify=True)
        plain = server.url.replace("https://", "http://")
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{plain}/api/healthz")


def test_client_certificate_required(tmp_path: Path, tls: Pki) -> None:
    config = _tls_instance(tmp_path, tls, "required")
    with_cert = tls.client_context(with_cert=True)
    for server in _started(tmp_path, config):
        ok = httpx.get(f"{server.url}/api/healthz", verify=with_cert)
        assert ok.status_code == 200
        without = tls.client_context()
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{server.url}/api/healthz", verify=without).raise_for_status()
