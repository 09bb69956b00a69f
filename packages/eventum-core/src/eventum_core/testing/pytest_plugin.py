"""Fixtures every package's tests share, loaded by the repository's root conftest.py
(`pytest_plugins`); a third-party plugin's tests can load them the same way."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from eventum_core.testing.tls import Pki


@pytest.fixture(scope="session", autouse=True)
def _eventum_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Caches (compiled templates) in the session's temporary folder, for this process and the
    `eventum` processes tests start: tests neither read a user's cache nor fill it."""
    if "EVENTUM_CACHE_DIR" in os.environ:
        yield
        return
    os.environ["EVENTUM_CACHE_DIR"] = str(tmp_path_factory.mktemp("eventum-cache"))
    yield
    del os.environ["EVENTUM_CACHE_DIR"]


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
