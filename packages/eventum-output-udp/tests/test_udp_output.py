from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
import pytest
from pydantic import ValidationError

from eventum_core import PluginContext, WriteError
from eventum_core.testing import OutputPluginContract, run_generator, validation_context
from eventum_output_udp import UdpOutput, UdpOutputConfig

if TYPE_CHECKING:
    from conftest import Receiver  # the fixture's type only

NOW = datetime(2025, 1, 2, tzinfo=UTC)


def validate(tmp_path: Path, data: dict[str, Any]) -> UdpOutputConfig:
    return UdpOutputConfig.model_validate(data, context=validation_context(tmp_path, now=NOW))


def make(tmp_path: Path, port: int, **data: Any) -> UdpOutput:
    context = PluginContext(
        generator_id="t",
        kind="output",
        name="udp",
        index=0,
        base_path=tmp_path,
        timezone=UTC,
        started_at=NOW,
    )
    return UdpOutput(validate(tmp_path, {"host": "127.0.0.1", "port": port, **data}), context)


def test_defaults_match_eventum(tmp_path: Path) -> None:
    config = validate(tmp_path, {"host": "h", "port": 514})
    assert (config.encoding, config.separator, config.formatter.format) == ("utf_8", "\n", "plain")


@pytest.mark.parametrize("data", [{"port": 0}, {"port": 65536}, {"host": ""}, {"ssl": True}])
def test_invalid_config(tmp_path: Path, data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate(tmp_path, {"host": "h", "port": 514, **data})


@pytest.mark.anyio
async def test_one_datagram_per_event(tmp_path: Path, receiver: Receiver) -> None:
    out = make(tmp_path, receiver.port)
    await out.open()
    await out.write([f"event {i}" for i in range(300)])
    await out.write([])
    await out.write(["\u00e9t\u00e9"])
    await out.close()
    got = receiver.datagrams(301)
    assert got == [f"event {i}\n".encode() for i in range(300)] + ["\u00e9t\u00e9\n".encode()]


@pytest.mark.anyio
async def test_oversize_and_unencodable_events_fail_alone_for_good(
    tmp_path: Path, receiver: Receiver
) -> None:
    out = make(tmp_path, receiver.port, encoding="ascii", separator="")
    await out.open()
    with pytest.raises(WriteError) as caught:
        await out.write(["a", "x" * 70_000, "b", "caf\u00e9", "c"])
    assert (caught.value.failed, caught.value.retryable) == ([1, 3], False)
    await out.close()
    assert receiver.datagrams(3) == [b"a", b"b", b"c"]


@pytest.mark.anyio
async def test_closed_port_is_a_retryable_failure(tmp_path: Path, receiver: Receiver) -> None:
    receiver.sock.close()
    out = make(tmp_path, receiver.port)
    await out.open()
    await out.write(["first"])  # the kernel learns from ICMP that nobody listens
    await anyio.sleep(0.1)
    with pytest.raises(WriteError) as caught:
        await out.write(["second"])
    assert caught.value.retryable is True
    await out.close()


@pytest.mark.anyio
async def test_write_when_not_open_is_a_permanent_error(tmp_path: Path) -> None:
    out = make(tmp_path, 9)
    with pytest.raises(WriteError) as caught:
        await out.write(["x"])
    assert caught.value.retryable is False


def test_generator_sends_every_event(tmp_path: Path, receiver: Receiver) -> None:
    (tmp_path / "lines.txt").write_text("".join(f"event {i}\n" for i in range(2000)))
    run = run_generator(
        {
            "input": [{"static": {"count": 2000}}],
            "event": {"replay": {"path": "lines.txt"}},
            "output": [{"udp": {"host": "127.0.0.1", "port": receiver.port}}],
        },
        base_path=tmp_path,
        collect=False,
    )
    assert run.counters.outputs[0].written == 2000
    got = receiver.datagrams(2000)
    assert got == [f"event {i}\n".encode() for i in range(2000)]


class TestUdpContract(OutputPluginContract):
    plugin_class = UdpOutput
    entry_point = "udp"
    valid_config: ClassVar[dict[str, Any]] = {"host": "127.0.0.1", "port": 9}

    @pytest.fixture(autouse=True)
    def _use_receiver(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.valid_config = {"host": "127.0.0.1", "port": receiver.port}

    def read_back(self, base_path: Path) -> Sequence[str]:
        return [d.decode().rstrip("\n") for d in self.receiver.datagrams(10)]
