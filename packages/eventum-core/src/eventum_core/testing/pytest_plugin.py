"""Fixtures every package's tests share, loaded by the repository's root conftest.py
(`pytest_plugins`); a third-party plugin's tests can load them the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from eventum_core.testing.tls import Pki


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only: anyio's own fixture would also run each test on trio when it is installed."""
    return "asyncio"


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1 / localhost it signed, a client certificate,
    and another CA (eventum_core.testing.tls; needs `cryptography`)."""
    from eventum_core.testing.tls import make_pki

    return make_pki(tmp_path_factory.mktemp("tls"))
