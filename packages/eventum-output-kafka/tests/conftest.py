"""A real Kafka-protocol broker (noida-db) on a free port, with its own data folder."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path

import pytest

from eventum_core.testing.net import free_port, wait_listening


class Broker:
    """noida-db serving only Kafka; `stop()` and `start()` make an outage, data kept.

    An outage stops the Kafka service inside the running server (`noida-db stop kafka`): its
    port refuses connections and the open ones close. Ending the whole process instead loses
    a record now and then: noida-db 0.2.3 still acknowledges produce requests for a few
    milliseconds after SIGTERM, and those records are not in its log when it starts again.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        binary = files("noida_db").joinpath("noida-db")
        self.binary = str(binary)
        os.chmod(self.binary, 0o755)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _command(self, *args: str) -> None:
        subprocess.run(
            [self.binary, *args, "--data-dir", str(self.data_dir)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        if self.process is not None:
            self._command("start", "kafka")
            self._wait_listening()
            return
        log = (self.data_dir / "noida.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.binary,
                "start",
                "--data-dir",
                str(self.data_dir),
                "--only",
                "kafka",
                "--kafka-port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self._wait_listening()

    def _wait_listening(self) -> None:
        assert self.process is not None
        if not wait_listening(self.port, self.process, timeout=15):
            log = (self.data_dir / "noida.log").read_text()
            raise RuntimeError(f"noida-db did not start listening: {log}")

    def stop(self) -> None:
        """Take Kafka down; `start()` brings it back on the same port with its data."""
        self._command("stop", "kafka")

    def shutdown(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


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
