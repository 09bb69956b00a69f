"""Network outputs: events/s of the `kafka` and `tcp` outputs for 1,000,000 W3-shaped events.

W3 (benchmarks/workloads/w3_minimal) makes ~50-byte lines, `<timestamp> INFO heartbeat ok`,
at a generation target of ~370,000 events/s; an output must write faster than that so as not to
be the bottleneck. Each output gets batches of 10,000 (core's default batch size) with up to
`CONCURRENCY` writes in flight, as core's writer does. Kafka runs against noida-db (started here
on a free port, own data folder, stopped at the end); TCP against a receiver thread that reads
and discards. Run: `uv run --group test python benchmarks/network.py [events]`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

from eventum_core import PluginContext
from eventum_output_kafka import KafkaOutput
from eventum_output_tcp import TcpOutput

BATCH, CONCURRENCY, W3_TARGET = 10_000, 4, 370_000


def w3_batches(total: int) -> list[list[str]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=1) / total
    events = [f"{(start + step * i).isoformat()} INFO heartbeat ok" for i in range(total)]
    return [events[i : i + BATCH] for i in range(0, total, BATCH)]


def context(name: str) -> PluginContext:
    return PluginContext(
        generator_id="bench",
        kind="output",
        name=name,
        index=0,
        base_path=Path(),
        timezone=UTC,
        started_at=datetime.now(UTC),
    )


async def drive(plugin: Any, batches: Sequence[list[str]]) -> float:
    """Write every batch with at most CONCURRENCY writes in flight; events/s."""
    await plugin.open()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(batch: list[str]) -> None:
        try:
            await plugin.write(batch)
        finally:
            gate.release()

    started = time.perf_counter()
    tasks = []
    for batch in batches:
        await gate.acquire()
        tasks.append(asyncio.create_task(one(batch)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    await plugin.close()
    return sum(map(len, batches)) / elapsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kafka(batches: Sequence[list[str]], codec: str | None, batch_size: int = 16_384) -> float:
    binary = str(files("noida_db").joinpath("noida-db"))
    os.chmod(binary, 0o755)
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        broker = subprocess.Popen(
            [binary, "start", "--data-dir", data, "--only", "kafka", "--kafka-port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            config = KafkaOutput.Config.model_validate(
                {
                    "bootstrap_servers": [f"127.0.0.1:{port}"],
                    "topic": "w3",
                    "compression_type": codec,
                    "max_batch_size": batch_size,
                    "formatter": {"format": "plain"},
                }
            )
            return asyncio.run(drive(KafkaOutput(config, context("kafka")), batches))
        finally:
            broker.send_signal(signal.SIGTERM)
            broker.wait(30)


def tcp(batches: Sequence[list[str]], tls: bool = False) -> float:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    received = [0]

    def drain() -> None:
        conn, _ = listener.accept()
        with conn:
            while chunk := conn.recv(1 << 20):
                received[0] += len(chunk)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    config = TcpOutput.Config.model_validate(
        {"host": "127.0.0.1", "port": listener.getsockname()[1]}
    )
    rate = asyncio.run(drive(TcpOutput(config, context("tcp")), batches))
    thread.join(30)
    listener.close()
    expected = sum(len(e) + 1 for b in batches for e in b)
    assert received[0] == expected, (received[0], expected)
    return rate


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    batches = w3_batches(total)
    print(
        f"{total:,} W3 events, batches of {BATCH:,}, {CONCURRENCY} writes in flight; "
        f"W3 generation target ~{W3_TARGET:,} events/s"
    )
    results = {"tcp": tcp(batches)}
    for codec in (None, "lz4", "zstd", "gzip"):
        results[f"kafka ({codec or 'no compression'})"] = kafka(batches, codec)
    # One batch per partition is in flight at a time: bigger batches, fewer round trips.
    results["kafka (none, 1 MiB batches)"] = kafka(batches, None, 1 << 20)
    results["kafka (lz4, 1 MiB batches)"] = kafka(batches, "lz4", 1 << 20)
    for name, rate in results.items():
        verdict = "ok" if rate > W3_TARGET else "BOTTLENECK"
        print(f"{name:<26} {rate:>12,.0f} events/s  {verdict}")


if __name__ == "__main__":
    main()
