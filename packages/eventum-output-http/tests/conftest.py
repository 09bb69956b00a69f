from __future__ import annotations

import pytest

from eventum_core.testing.tls import Pki, make_pki


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA and a server certificate for 127.0.0.1 / localhost that it signed."""
    return make_pki(tmp_path_factory.mktemp("tls"))
