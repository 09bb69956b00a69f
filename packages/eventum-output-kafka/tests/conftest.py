"""Kafka brokers for the tests: one for the session, and per-test ones to stop and start."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from kafka_broker import Broker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    server = Broker(tmp_path_factory.mktemp("noida"))
    server.start()
    yield server
    server.shutdown()


@pytest.fixture
def make_broker(tmp_path: Path) -> Iterator[Callable[[], Broker]]:
    """Start a broker of the test's own (to stop and start); all are stopped at the end."""
    started: list[Broker] = []

    def make() -> Broker:
        folder = tmp_path / f"noida-{len(started)}"
        folder.mkdir()
        server = Broker(folder)
        started.append(server)
        server.start()
        return server

    yield make
    for server in started:
        server.shutdown()
