from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventum_core.testing.tls import Pki, make_pki

sys.path.insert(0, str(Path(__file__).parent))

from ch_helpers import ENGINE_DIR


@pytest.fixture(scope="session", autouse=True)
def _remove_engine() -> Iterator[None]:
    yield
    shutil.rmtree(ENGINE_DIR, ignore_errors=True)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA and a server certificate for 127.0.0.1 / localhost that it signed."""
    return make_pki(tmp_path_factory.mktemp("tls"))
