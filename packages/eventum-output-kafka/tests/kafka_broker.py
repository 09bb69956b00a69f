"""A real Kafka-protocol broker (noida-db) on a free port, with its own data folder: for this
package's tests and for other packages' (eventum-ray's cluster tests import it)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from importlib.resources import files
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from eventum_core.testing.net import free_port, stop_server, wait_listening


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
        stop_server(self.process)
        self.process = None


async def consume(
    address: str, topic: str, count: int, wait: float = 10, isolation: str = "read_uncommitted"
) -> list[Any]:
    """Read `topic` from the start with a consumer group, up to the end offsets (all of the
    log, duplicates of at-least-once delivery included), or for at most `wait` s."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=address,
        group_id=f"g-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level=isolation,
    )
    await consumer.start()
    records: list[Any] = []
    ends: dict[Any, int] = {}
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
            assigned = consumer.assignment()
            if assigned and not ends:
                ends = await consumer.end_offsets(list(assigned))
            positions = [await consumer.position(tp) for tp in ends]
            done = all(p >= e for p, e in zip(positions, ends.values(), strict=True))
            if ends and len(records) >= count and done:
                break
    finally:
        await consumer.stop()
    return records
