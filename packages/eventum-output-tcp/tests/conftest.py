"""The TCP (and TLS) receivers the tests write to, and certificates made for the test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventum_core.testing.tls import Pki

sys.path.insert(0, str(Path(__file__).parent))

from tcp_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.go_away()


@pytest.fixture
def tls_receiver(tls: Pki) -> Iterator[Receiver]:
    server = Receiver(tls.server_context(require_client=True))
    yield server
    server.go_away()
