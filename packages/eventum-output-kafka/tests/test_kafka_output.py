from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import anyio
import pytest
from kafka_broker import Broker, consume
from pydantic import ValidationError

from eventum_core import PluginContext, Segment, WriteError
from eventum_core.testing import OutputPluginContract, run_generator, validation_context
from eventum_core.testing.net import free_port
from eventum_output_kafka import KafkaOutput, KafkaOutputConfig

NOW = datetime(2025, 1, 2, tzinfo=UTC)

if TYPE_CHECKING:
    from collections.abc import Callable

    MakeBroker = Callable[[], Broker]


def validate(tmp_path: Path, data: dict[str, Any]) -> KafkaOutputConfig:
    return KafkaOutputConfig.model_validate(data, context=validation_context(tmp_path, now=NOW))


def make(
    tmp_path: Path, broker: Broker, segment: Segment | None = None, run_id: str = "", **data: Any
) -> KafkaOutput:
    data.setdefault("bootstrap_servers", [broker.address])
    data.setdefault("topic", f"t-{uuid.uuid4().hex[:10]}")
    context = PluginContext(
        generator_id="t",
        kind="output",
        name="kafka",
        index=0,
        base_path=tmp_path,
        timezone=UTC,
        started_at=NOW,
        segment=segment or Segment(),
        run_id=run_id,
    )
    return KafkaOutput(validate(tmp_path, data), context)


def test_defaults_match_eventum(tmp_path: Path) -> None:
    config = validate(tmp_path, {"bootstrap_servers": ["k:9092"], "topic": "t"})
    assert config.formatter.format == "json"
    assert (config.key, config.encoding, config.client_id, config.acks) == (None, "utf-8", None, 1)
    assert config.compression_type is None
    assert config.security_protocol == "PLAINTEXT"
    assert config.sasl_mechanism is None
    assert config.sasl_kerberos_service_name == "kafka"
    assert (
        config.metadata_max_age_ms,
        config.request_timeout_ms,
        config.connections_max_idle_ms,
        config.max_batch_size,
        config.max_request_size,
        config.linger_ms,
        config.retry_backoff_ms,
        config.enable_idempotence,
        config.transactional_id,
        config.transaction_timeout_ms,
    ) == (300000, 40000, 540000, 16384, 1048576, 0, 100, False, None, 60000)


@pytest.mark.parametrize(
    "data",
    [
        {"bootstrap_servers": []},
        {"topic": ""},
        {"acks": 2},
        {"compression_type": "brotli"},
        {"sasl_plain_username": "u"},
        {"security_protocol": "SASL_PLAINTEXT"},
        {"sasl_plain_username": "u", "sasl_plain_password": "p"},
        {"security_protocol": "SSL", "ssl_certfile": "cert.pem"},
        {"ssl_cafile": "ca.pem"},
        {"enable_idempotence": True},
        {"transactional_id": "tx"},
        {"encoding": "nope"},
    ],
)
def test_invalid_config(tmp_path: Path, data: dict[str, Any]) -> None:
    for name in ("cert.pem", "ca.pem"):
        (tmp_path / name).write_text("x")
    with pytest.raises(ValidationError):
        validate(tmp_path, {"bootstrap_servers": ["k:9092"], "topic": "t", **data})


def test_sasl_and_ssl_settings_accepted(tmp_path: Path) -> None:
    for name in ("ca.pem", "c.pem", "k.pem"):
        (tmp_path / name).write_text("x")
    config = validate(
        tmp_path,
        {
            "bootstrap_servers": ["k:9093"],
            "topic": "t",
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": "u",
            "sasl_plain_password": "p",
            "ssl_cafile": "ca.pem",
            "ssl_certfile": "c.pem",
            "ssl_keyfile": "k.pem",
        },
    )
    assert config.ssl_cafile == tmp_path / "ca.pem"


@pytest.mark.anyio
@pytest.mark.parametrize("codec", [None, "gzip", "snappy", "lz4", "zstd"])
async def test_produces_every_event_with_key_and_codec(
    tmp_path: Path, broker: Broker, codec: str | None
) -> None:
    out = make(tmp_path, broker, key="host-1", compression_type=codec, linger_ms=5)
    await out.open()
    events = [json.dumps({"n": i, "text": "é" * (i % 7)}) for i in range(3000)]
    for start in range(0, 3000, 1000):
        await out.write(events[start : start + 1000])
    await out.close()
    records = await consume(broker.address, out._config.topic, 3000)
    assert [r.value.decode() for r in records] == events
    assert {r.key for r in records} == {b"host-1"}


@pytest.mark.anyio
async def test_without_key_in_small_batches(tmp_path: Path, broker: Broker) -> None:
    out = make(tmp_path, broker, max_batch_size=512)
    await out.open()
    await out.write([f"e{i}" for i in range(500)])
    await out.close()
    records = await consume(broker.address, out._config.topic, 500)
    assert [r.value.decode() for r in records] == [f"e{i}" for i in range(500)]
    assert {r.key for r in records} == {None}


@pytest.mark.anyio
async def test_acks_zero_does_not_wait_for_the_broker(tmp_path: Path, broker: Broker) -> None:
    out = make(tmp_path, broker, acks=0)
    await out.open()
    await out.write([f"e{i}" for i in range(100)])
    await anyio.sleep(0.3)  # acks=0 is fire-and-forget: give the broker time before closing
    await out.close()
    records = await consume(broker.address, out._config.topic, 100)
    assert [r.value.decode() for r in records] == [f"e{i}" for i in range(100)]


@pytest.mark.anyio
async def test_transactional_writes_are_committed(tmp_path: Path, broker: Broker) -> None:
    out = make(tmp_path, broker, transactional_id=f"tx-{uuid.uuid4().hex}", acks=-1)
    await out.open()
    await out.write(["a", "b"])
    await out.write(["c"])
    await out.close()
    records = await consume(broker.address, out._config.topic, 3)
    assert [r.value for r in records] == [b"a", b"b", b"c"]


@pytest.mark.anyio
async def test_oversize_and_unencodable_records_fail_alone_for_good(
    tmp_path: Path, broker: Broker
) -> None:
    out = make(tmp_path, broker, encoding="ascii", max_request_size=2000)
    await out.open()
    with pytest.raises(WriteError) as caught:
        await out.write(["ok 1", "x" * 5000, "caf\u00e9", "ok 2"])
    assert caught.value.retryable is False
    assert caught.value.failed == [1, 2]
    assert "exceeds max_request_size" in caught.value.reason or "encode" in caught.value.reason
    await out.close()
    records = await consume(broker.address, out._config.topic, 2)
    assert [r.value for r in records] == [b"ok 1", b"ok 2"]


@pytest.mark.anyio
async def test_unreachable_broker_fails_at_open(tmp_path: Path) -> None:
    out = KafkaOutput(
        validate(
            tmp_path,
            {
                "bootstrap_servers": [f"127.0.0.1:{free_port()}"],
                "topic": "t",
                "request_timeout_ms": 2000,
            },
        ),
        PluginContext(
            generator_id="t",
            kind="output",
            name="kafka",
            index=0,
            base_path=tmp_path,
            timezone=UTC,
            started_at=NOW,
        ),
    )
    with pytest.raises(Exception, match=r"bootstrap|Connect"):
        await out.open()


@pytest.mark.anyio
async def test_write_before_open_or_after_close_is_a_permanent_error(
    tmp_path: Path, broker: Broker
) -> None:
    out = make(tmp_path, broker)
    with pytest.raises(WriteError) as caught:
        await out.write(["x"])
    assert caught.value.retryable is False
    await out.open()
    await out.close()
    with pytest.raises(WriteError) as caught:
        await out.write(["x"])
    assert caught.value.retryable is False


@pytest.mark.anyio
async def test_broker_down_is_a_retryable_failure(tmp_path: Path, make_broker: MakeBroker) -> None:
    own = make_broker()
    out = make(tmp_path, own, request_timeout_ms=1500, retry_backoff_ms=50)
    await out.open()
    await out.write(["before"])
    own.stop()
    with pytest.raises(WriteError) as caught:
        await out.write(["during 1", "during 2"])
    assert caught.value.retryable is True
    assert caught.value.failed is None
    own.start()
    await out.write(["after"])
    await out.close()
    records = await consume(own.address, out._config.topic, 2)
    assert [r.value for r in records] == [b"before", b"after"]


def test_broker_outage_mid_run_loses_nothing(tmp_path: Path, make_broker: MakeBroker) -> None:
    """The broker stops mid-run and comes back: every event is in Kafka, counters add up."""
    own = make_broker()
    count = 1500
    (tmp_path / "lines.txt").write_text("".join(f"event {i}\n" for i in range(count)))
    start = datetime.now(UTC) + timedelta(seconds=0.5)
    config = {
        "input": [
            {
                "linspace": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(seconds=3)).isoformat(),
                    "count": count,
                }
            }
        ],
        "event": {"replay": {"path": "lines.txt"}},
        "output": [
            {
                "kafka": {
                    "bootstrap_servers": [own.address],
                    "topic": "outage",
                    "formatter": {"format": "plain"},
                    "request_timeout_ms": 1500,
                    "retry_backoff_ms": 50,
                    "retry": {"attempts": 30, "initial_delay": 0.1, "max_delay": 0.5},
                    "dead_letter": "dead.jsonl",
                }
            }
        ],
    }

    def outage() -> None:
        time.sleep(1.5)
        own.stop()
        time.sleep(1.5)
        own.start()

    thread = threading.Thread(target=outage)
    thread.start()
    try:
        run = run_generator(
            config,
            base_path=tmp_path,
            live_mode=True,
            write_timeout=2,
            batch={"size": 50},
            collect=False,
        )
    finally:
        thread.join()
    counters = run.counters.outputs[0]
    produced = run.counters.event.produced
    assert produced == count
    assert counters.written + counters.write_failed == produced
    assert counters.write_failed == 0, counters
    records = anyio.run(consume, own.address, "outage", count)
    values = {r.value.decode() for r in records}
    assert values == {f"event {i}" for i in range(count)}  # at least once each
    assert not (tmp_path / "dead.jsonl").exists()


def test_broker_gone_for_good_dead_letters_the_rest(
    tmp_path: Path, make_broker: MakeBroker
) -> None:
    own = make_broker()
    count = 600
    (tmp_path / "lines.txt").write_text("".join(f"event {i}\n" for i in range(count)))
    start = datetime.now(UTC) + timedelta(seconds=0.5)
    config = {
        "input": [
            {
                "linspace": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(seconds=2)).isoformat(),
                    "count": count,
                }
            }
        ],
        "event": {"replay": {"path": "lines.txt"}},
        "output": [
            {
                "kafka": {
                    "bootstrap_servers": [own.address],
                    "topic": "gone",
                    "formatter": {"format": "plain"},
                    "request_timeout_ms": 800,
                    "retry_backoff_ms": 50,
                    "retry": {"attempts": 2, "initial_delay": 0.05, "max_delay": 0.1},
                    "dead_letter": "dead.jsonl",
                }
            }
        ],
    }
    down = threading.Timer(1.2, own.stop)
    down.start()
    try:
        run = run_generator(
            config,
            base_path=tmp_path,
            live_mode=True,
            write_timeout=1,
            batch={"size": 50},
            collect=False,
        )
    finally:
        down.join()
    counters = run.counters.outputs[0]
    assert run.counters.event.produced == count
    assert counters.written + counters.write_failed == count
    assert counters.write_failed > 0
    dead = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert len(dead) == counters.write_failed == counters.dead_lettered
    own.start()
    records = anyio.run(consume, own.address, "gone", counters.written, 5)
    written = {r.value.decode() for r in records}
    assert written | {d["event"] for d in dead} == {f"event {i}" for i in range(count)}


class TestKafkaContract(OutputPluginContract):
    plugin_class = KafkaOutput
    entry_point = "kafka"
    valid_config: ClassVar[dict[str, Any]] = {"bootstrap_servers": ["x:1"], "topic": "t"}

    @pytest.fixture(autouse=True)
    def _use_broker(self, broker: Broker) -> None:
        self.broker = broker
        self.valid_config = {
            "bootstrap_servers": [broker.address],
            "topic": f"c-{uuid.uuid4().hex[:10]}",
        }

    def read_back(self, base_path: Path) -> Sequence[str]:
        topic = self.valid_config["topic"]
        records = anyio.run(consume, self.broker.address, topic, 10)
        return [r.value.decode() for r in records]


def transactional_generator(tmp_path: Path, broker: Broker, topic: str, count: int) -> dict:
    """`count` numbered lines replayed in sample mode into one transactional output."""
    (tmp_path / "lines.txt").write_text("".join(f"line {i}\n" for i in range(count)))
    linspace = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z", "count": count}
    kafka = {
        "bootstrap_servers": [broker.address],
        "topic": topic,
        "acks": -1,
        "transactional_id": "eventum-test",
        "formatter": {"format": "plain"},
    }
    return {
        "input": [{"linspace": linspace}],
        "event": {"replay": {"path": "lines.txt"}},
        "output": [{"kafka": kafka}],
    }


def committed_lines(broker: Broker, topic: str, count: int) -> list[str]:
    records = anyio.run(consume, broker.address, topic, count, 10, "read_committed")
    return sorted(r.value.decode() for r in records)


def test_a_rerun_of_the_same_run_writes_only_what_the_first_did_not_commit(
    tmp_path: Path, broker: Broker
) -> None:
    """The first attempt stops after 4 of 10 batches (as if its machine died); the rerun of the
    same run id writes the other 6, so the topic holds every line once. A new run writes all."""
    topic = f"t-{uuid.uuid4().hex[:10]}"
    config = transactional_generator(tmp_path, broker, topic, 500)
    first = run_generator(config, base_path=tmp_path, run_id="r1", max_events=200,
                          batch={"size": 50}, collect=False)  # fmt: skip
    assert first.counters.outputs[0].written == 200
    again = run_generator(config, base_path=tmp_path, run_id="r1", batch={"size": 50},
                          collect=False)  # fmt: skip
    assert again.result.ok and again.counters.outputs[0].written == 500  # 200 of them were there
    assert committed_lines(broker, topic, 500) == sorted(f"line {i}" for i in range(500))
    other = run_generator(config, base_path=tmp_path, run_id="r2", batch={"size": 50},
                          collect=False)  # fmt: skip
    assert other.counters.outputs[0].written == 500
    assert len(committed_lines(broker, topic, 1000)) == 1000  # another run is another stream


def test_segments_of_a_split_run_commit_side_by_side_and_rerun_to_nothing(
    tmp_path: Path, broker: Broker
) -> None:
    """Each segment gets its own transactional id (they would fence each other otherwise) and
    its own watermark: two segments at once write their shares; a rerun of one writes nothing."""
    topic = f"t-{uuid.uuid4().hex[:10]}"
    config = transactional_generator(tmp_path, broker, topic, 400)
    runs: dict[int, Any] = {}

    def segment(index: int) -> None:  # each run writes its generator.yml to its own folder
        folder = tmp_path / f"s{index}"
        folder.mkdir(exist_ok=True)
        (folder / "lines.txt").write_text((tmp_path / "lines.txt").read_text())
        runs[index] = run_generator(config, base_path=folder, run_id="split",
                                    segment=f"{index}/2", now=NOW, workers=1,
                                    batch={"size": 40})  # fmt: skip

    threads = [threading.Thread(target=segment, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(run.result.ok for run in runs.values()), runs
    made = sorted(runs[0].events + runs[1].events)
    assert len(made) == 400 and committed_lines(broker, topic, 400) == made
    segment(1)  # again: the same run's segment 1, its batches all committed
    assert runs[1].result.ok and runs[1].counters.outputs[0].written > 0
    assert len(committed_lines(broker, topic, 400)) == 400


@pytest.mark.anyio
async def test_a_rerun_fences_the_attempt_it_replaces(tmp_path: Path, broker: Broker) -> None:
    """An attempt cut off from the cluster but still running cannot write once its segment's
    rerun has opened: same run and segment, same transactional id."""
    topic = f"t-{uuid.uuid4().hex[:10]}"
    options = {"topic": topic, "transactional_id": "fence", "acks": -1}
    old = make(tmp_path, broker, Segment(1, 2), "run", **options)
    new = make(tmp_path, broker, Segment(1, 2), "run", **options)
    await old.open()
    await old.write(["before"])
    await new.open()
    with pytest.raises(WriteError) as raised:
        await old.write(["zombie"])
    assert not raised.value.retryable
    await new.write(["after"])
    await new.close()
    with contextlib.suppress(Exception):
        await old.close()
    assert [r.value for r in await consume(broker.address, topic, 2, 5, "read_committed")] == [
        b"before",
        b"after",
    ]
