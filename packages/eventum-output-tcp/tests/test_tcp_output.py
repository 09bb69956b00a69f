from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
import pytest
from pydantic import ValidationError

from eventum_core import PluginContext, WriteError
from eventum_core.testing import OutputPluginContract, run_generator, validation_context
from eventum_output_tcp import TcpOutput, TcpOutputConfig

if TYPE_CHECKING:
    from tcp_receiver import Receiver  # fixture types only

    from eventum_core.testing.tls import Pki

NOW = datetime(2025, 1, 2, tzinfo=UTC)


def validate(tmp_path: Path, data: dict[str, Any]) -> TcpOutputConfig:
    return TcpOutputConfig.model_validate(data, context=validation_context(tmp_path, now=NOW))


def make(tmp_path: Path, port: int, **data: Any) -> TcpOutput:
    context = PluginContext(
        generator_id="t",
        kind="output",
        name="tcp",
        index=0,
        base_path=tmp_path,
        timezone=UTC,
        started_at=NOW,
    )
    return TcpOutput(validate(tmp_path, {"host": "127.0.0.1", "port": port, **data}), context)


def test_defaults_match_eventum(tmp_path: Path) -> None:
    config = validate(tmp_path, {"host": "h", "port": 514})
    assert (config.encoding, config.separator, config.connect_timeout) == ("utf_8", "\n", 10)
    assert (config.ssl, config.verify) == (False, True)
    assert (config.ca_cert, config.client_cert, config.client_cert_key) == (None, None, None)
    assert config.formatter.format == "plain"


@pytest.mark.parametrize(
    "data",
    [
        {"port": 0},
        {"port": 70000},
        {"host": ""},
        {"connect_timeout": 0},
        {"ca_cert": "ca.pem"},
        {"verify": False},
        {"ssl": True, "client_cert": "ca.pem"},
        {"ssl": True, "ca_cert": "missing.pem"},
    ],
)
def test_invalid_config(tmp_path: Path, data: dict[str, Any]) -> None:
    (tmp_path / "ca.pem").write_text("x")
    with pytest.raises(ValidationError):
        validate(tmp_path, {"host": "h", "port": 514, **data})


@pytest.mark.anyio
async def test_batches_are_joined_and_terminated(tmp_path: Path, receiver: Receiver) -> None:
    out = make(tmp_path, receiver.port, separator="\r\n")
    await out.open()
    await out.write(["a", "b"])
    await out.write([])
    await out.write(["\u00e9"])
    await out.close()
    receiver.wait_for(10)
    assert receiver.data == "a\r\nb\r\n\u00e9\r\n".encode()
    assert len(receiver.connections) == 1  # one persistent connection


@pytest.mark.anyio
async def test_concurrent_writes_never_interleave(tmp_path: Path, receiver: Receiver) -> None:
    out = make(tmp_path, receiver.port)
    await out.open()
    batches = [[f"{b}-{i}-{'x' * 100}" for i in range(2000)] for b in range(10)]
    async with anyio.create_task_group() as group:
        for batch in batches:
            group.start_soon(out.write, batch)
    await out.close()
    receiver.wait_for(sum(len(line) + 1 for batch in batches for line in batch))  # read it all
    lines = receiver.lines()
    assert len(lines) == 20_000
    for start in range(0, 20_000, 2000):
        chunk = lines[start : start + 2000]
        assert chunk in batches


@pytest.mark.anyio
async def test_unencodable_events_fail_alone(tmp_path: Path, receiver: Receiver) -> None:
    out = make(tmp_path, receiver.port, encoding="ascii")
    await out.open()
    with pytest.raises(WriteError) as caught:
        await out.write(["ok", "caf\u00e9", "fine"])
    assert (caught.value.failed, caught.value.retryable) == ([1], False)
    await out.close()
    receiver.wait_for(8)
    assert receiver.data == b"ok\nfine\n"


@pytest.mark.anyio
async def test_unreachable_receiver_fails_at_open(tmp_path: Path, receiver: Receiver) -> None:
    receiver.go_away()
    out = make(tmp_path, receiver.port)
    with pytest.raises(OSError, match=r"refused|Connect"):
        await out.open()


@pytest.mark.anyio
async def test_lost_connection_is_retryable_then_reconnects(
    tmp_path: Path, receiver: Receiver
) -> None:
    out = make(tmp_path, receiver.port, connect_timeout=1)
    await out.open()
    await out.write(["one"])
    await anyio.to_thread.run_sync(receiver.go_away)  # the loop must run to close our side
    with pytest.raises(WriteError) as caught:  # the receiver is gone: nothing is listening
        await out.write(["two"])
    assert caught.value.retryable is True
    assert caught.value.failed is None
    receiver.come_back()
    await out.write(["three"])
    await out.close()
    receiver.wait_for(10)
    assert "three" in receiver.lines()
    assert receiver.lines()[0] == "one"
    assert len(receiver.connections) == 2


@pytest.mark.anyio
async def test_write_after_close_is_a_permanent_error(tmp_path: Path, receiver: Receiver) -> None:
    out = make(tmp_path, receiver.port)
    await out.open()
    await out.close()
    with pytest.raises(WriteError) as caught:
        await out.write(["x"])
    assert caught.value.retryable is False


@pytest.mark.anyio
async def test_tls_with_client_certificate(
    tmp_path: Path, tls_receiver: Receiver, tls: Pki
) -> None:
    out = make(
        tmp_path,
        tls_receiver.port,
        ssl=True,
        ca_cert=str(tls.ca),
        client_cert=str(tls.client_cert),
        client_cert_key=str(tls.client_key),
    )
    await out.open()
    await out.write([f"secret {i}" for i in range(1000)])
    await out.close()
    tls_receiver.wait_for(1000 * 10)
    assert tls_receiver.lines() == [f"secret {i}" for i in range(1000)]
    subject = dict(x[0] for x in tls_receiver.peer_certs[0]["subject"])  # type: ignore[index]
    assert subject["commonName"] == "eventum client"


@pytest.mark.anyio
async def test_tls_rejects_an_unknown_server(
    tmp_path: Path, tls_receiver: Receiver, tls: Pki
) -> None:
    out = make(
        tmp_path,
        tls_receiver.port,
        ssl=True,
        ca_cert=str(tls.other_ca),
        client_cert=str(tls.client_cert),
        client_cert_key=str(tls.client_key),
    )
    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        await out.open()


@pytest.mark.anyio
async def test_tls_without_verification(tmp_path: Path, tls_receiver: Receiver, tls: Pki) -> None:
    out = make(
        tmp_path,
        tls_receiver.port,
        ssl=True,
        verify=False,
        client_cert=str(tls.client_cert),
        client_cert_key=str(tls.client_key),
    )
    await out.open()
    await out.write(["x"])
    await out.close()
    tls_receiver.wait_for(2)
    assert tls_receiver.lines() == ["x"]


def _generator(tmp_path: Path, port: int, count: int, **output: Any) -> dict[str, Any]:
    """Live mode: `count` events spread over 3 s, so that the receiver can fail mid-run."""
    (tmp_path / "lines.txt").write_text("".join(f"event {i}\n" for i in range(count)))
    start = datetime.now(UTC) + timedelta(seconds=0.3)
    end = start + timedelta(seconds=3)
    return {
        "input": [
            {"linspace": {"start": start.isoformat(), "end": end.isoformat(), "count": count}}
        ],
        "event": {"replay": {"path": "lines.txt"}},
        "output": [
            {
                "tcp": {
                    "host": "127.0.0.1",
                    "port": port,
                    "connect_timeout": 1,
                    "dead_letter": "dead.jsonl",
                    **output,
                }
            }
        ],
    }


def test_receiver_outage_mid_run_loses_nothing(tmp_path: Path, receiver: Receiver) -> None:
    count = 20_000
    config = _generator(
        tmp_path,
        receiver.port,
        count,
        retry={"attempts": 50, "initial_delay": 0.05, "max_delay": 0.2},
    )

    def outage() -> None:
        time.sleep(1.3)
        receiver.go_away()
        time.sleep(1)
        receiver.come_back()

    thread = threading.Thread(target=outage)
    thread.start()
    try:
        run = run_generator(
            config, base_path=tmp_path, live_mode=True, batch={"size": 200}, collect=False
        )
    finally:
        thread.join()
    counters = run.counters.outputs[0]
    assert run.counters.event.produced == count
    assert counters.written + counters.write_failed == count
    assert counters.write_failed == 0
    assert len(receiver.connections) >= 2, [len(c) for c in receiver.connections]
    assert counters.retries > 0
    assert set(receiver.lines()) >= {f"event {i}" for i in range(count)}  # at least once
    assert not (tmp_path / "dead.jsonl").exists()


def test_receiver_gone_for_good_dead_letters_the_rest(tmp_path: Path, receiver: Receiver) -> None:
    count = 5000
    config = _generator(
        tmp_path,
        receiver.port,
        count,
        retry={"attempts": 2, "initial_delay": 0.01, "max_delay": 0.02},
    )
    thread = threading.Timer(1.3, receiver.go_away)
    thread.start()
    try:
        run = run_generator(
            config, base_path=tmp_path, live_mode=True, batch={"size": 100}, collect=False
        )
    finally:
        thread.join()
    counters = run.counters.outputs[0]
    assert counters.written + counters.write_failed == count
    assert counters.write_failed > 0
    dead = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert len(dead) == counters.write_failed == counters.dead_lettered
    received = set(receiver.lines())
    assert received | {d["event"] for d in dead} >= {f"event {i}" for i in range(count)}
    assert counters.written <= len(received)


class TestTcpContract(OutputPluginContract):
    plugin_class = TcpOutput
    entry_point = "tcp"
    valid_config: ClassVar[dict[str, Any]] = {"host": "127.0.0.1", "port": 9}

    @pytest.fixture(autouse=True)
    def _use_receiver(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.valid_config = {"host": "127.0.0.1", "port": receiver.port}

    def read_back(self, base_path: Path) -> Sequence[str]:
        self.receiver.wait_for(len("event 0\n") * 10)
        return self.receiver.lines()
