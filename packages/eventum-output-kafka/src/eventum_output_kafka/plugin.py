"""The `kafka` output plugin: whole record batches handed to aiokafka, acks awaited together."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from typing import Any, ClassVar

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, KafkaTimeoutError
from aiokafka.helpers import create_ssl_context
from aiokafka.partitioner import DefaultPartitioner

from eventum_core import PluginContext, WriteError, batch_index
from eventum_output_kafka.config import KafkaOutputConfig
from eventum_output_kafka.watermark import Watermark

# Bytes a record adds to its key and value in a v2 record batch (varints, attributes,
# headers count) plus the batch header: an upper bound for the max_request_size check.
_RECORD_OVERHEAD = 128
_PROBE_INTERVAL = 1.0  # seconds between writes that test an unreachable broker


class _Aborted(Exception):
    """A record of a transaction failed: the whole transaction is aborted."""


def _retryable(error: BaseException) -> bool:
    if isinstance(error, KafkaTimeoutError):
        return True
    if isinstance(error, KafkaError):
        return bool(error.retriable)
    return isinstance(error, OSError | TimeoutError)


def _describe(error: BaseException) -> str:
    text = str(error)
    name = type(error).__name__
    return text if text.startswith(name) else f"{name}: {text}" if text else name


class KafkaOutput:
    """Produces each event as one record of `topic`, keyed by `key` when it is set.

    A write packs its events into record batches of `max_batch_size` bytes, hands them all to
    the producer, then awaits every acknowledgement: one `send()` per event would cost ten
    times more. With a key, every record goes to the key's partition (murmur2, as Kafka's own
    clients do); without one, whole batches go to the topic's partitions in turn.

    A failed batch fails its events alone (`WriteError.failed`), retryable when Kafka says the
    error is (a broker down, a leader moving, a timeout). A record larger than
    `max_request_size`, or not encodable, fails for good. With `transactional_id` every write
    is one transaction: all its events are committed or none. Each transaction also records
    its batch in the segment's watermark (see `watermark`), so a rerun of the same run and
    segment skips what is already committed: exactly once (`idempotent_writes`). The segments
    of a split run get their own transactional ids (`ID-RUN-SEGMENT`); a rerun's fences its
    predecessor before reading the watermark, so a cut-off attempt can commit nothing more.

    After a retryable failure, one write a second probes the broker and the others fail at once
    as retryable, until a write succeeds. Delivery is at-least-once: a batch still in the
    producer's queue when core gives up on a write (`write_timeout`) may reach Kafka later,
    besides the retried copy.
    """

    Config: ClassVar[type[KafkaOutputConfig]] = KafkaOutputConfig

    def __init__(self, config: KafkaOutputConfig, context: PluginContext) -> None:
        self._config = config
        self._log = context.logger
        self._key = None if config.key is None else config.key.encode(config.encoding)
        self._size_limit = config.max_request_size - _RECORD_OVERHEAD - len(self._key or b"")
        self._producer: AIOKafkaProducer | None = None
        self._next_partition = 0
        self._transaction_lock = asyncio.Lock()
        self._probe = asyncio.Lock()
        self._degraded = False
        self._next_probe = 0.0
        tid, segment = config.transactional_id, context.segment
        self._transactional_id = (
            tid if tid is None or segment.count == 1 else f"{tid}-{context.run_id}-{segment.index}"
        )
        self._group = None if tid is None else f"eventum-{tid}-{context.run_id}-{segment.index}"
        self.idempotent_writes = tid is not None
        self._watermark = Watermark()
        self._open_batches: set[int] = set()  # written, not committed yet

    def _producer_options(self) -> dict[str, Any]:
        c = self._config
        return self._connection_options() | {
            "acks": c.acks,
            "compression_type": c.compression_type,
            "max_batch_size": c.max_batch_size,
            "max_request_size": c.max_request_size,
            "linger_ms": c.linger_ms,
            "enable_idempotence": c.enable_idempotence,
            "transactional_id": self._transactional_id,
            "transaction_timeout_ms": c.transaction_timeout_ms,
        }

    def _connection_options(self) -> dict[str, Any]:
        """What the producer and the admin client (reading the watermark) share."""
        c = self._config
        options: dict[str, Any] = {
            "bootstrap_servers": c.bootstrap_servers,
            "client_id": c.client_id,
            "security_protocol": c.security_protocol,
            "metadata_max_age_ms": c.metadata_max_age_ms,
            "request_timeout_ms": c.request_timeout_ms,
            "connections_max_idle_ms": c.connections_max_idle_ms,
            "retry_backoff_ms": c.retry_backoff_ms,
        }
        if c.client_id is None:
            del options["client_id"]  # aiokafka's own default names the client
        if c.uses_sasl:
            options |= {
                "sasl_mechanism": c.sasl_mechanism or "PLAIN",
                "sasl_plain_username": c.sasl_plain_username,
                "sasl_plain_password": c.sasl_plain_password,
                "sasl_kerberos_service_name": c.sasl_kerberos_service_name,
                "sasl_kerberos_domain_name": c.sasl_kerberos_domain_name,
            }
        if c.uses_ssl:
            options["ssl_context"] = create_ssl_context(
                cafile=c.ssl_cafile, certfile=c.ssl_certfile, keyfile=c.ssl_keyfile
            )
        return options

    async def open(self) -> None:
        producer = AIOKafkaProducer(**self._producer_options())
        try:
            await producer.start()
            if self._group is not None:
                await self._resume(producer)
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def _resume(self, producer: AIOKafkaProducer) -> None:
        """Fence any earlier attempt at this segment (its open transaction is aborted, and it
        commits nothing more), then read the watermark it left."""
        async with producer.transaction():  # waits for the producer id: the fence
            pass
        assert self._group is not None
        admin = AIOKafkaAdminClient(**self._connection_options())
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(
                self._group, partitions=[self._watermark_partition]
            )
        finally:
            await admin.close()
        found = offsets.get(self._watermark_partition)
        if found is not None and found.offset >= 0:
            self._watermark = Watermark.decode(found.offset, found.metadata or "")
            self._log.info(
                "resuming a segment: batches already committed are skipped",
                transactional_id=self._transactional_id,
                through_batch=self._watermark.top,
                gaps=len(self._watermark.gaps),
            )

    @property
    def _watermark_partition(self) -> TopicPartition:
        return TopicPartition(self._config.topic, 0)

    async def write(self, items: Sequence[str]) -> None:
        if not items:
            return
        producer = self._producer
        if producer is None:
            raise WriteError("the Kafka producer is not open", retryable=False)
        if not self._degraded:
            await self._write(producer, items)
            return
        # While the broker is unreachable each write would wait out `request_timeout_ms` (the
        # producer queues one batch per partition, so writes wait in line): one write a second
        # probes the broker, the others fail at once as retryable and core backs off.
        now = time.monotonic()
        if self._probe.locked() or now < self._next_probe:
            raise WriteError("Kafka is unreachable (probing it once a second)", retryable=True)
        self._next_probe = now + _PROBE_INTERVAL
        async with self._probe:
            await self._write(producer, items)

    async def _write(self, producer: AIOKafkaProducer, items: Sequence[str]) -> None:
        values, failures = self._encode(items)
        batch = None if self._group is None else batch_index()
        if batch is not None and self._watermark.committed(batch):
            if failures:  # an earlier attempt committed the rest; these fail again
                raise self._error(failures, len(items))
            return
        if batch is not None:
            self._open_batches.add(batch)  # before waiting its turn: a gap until committed
        try:
            if self._transactional_id is None:
                failures |= await self._send(producer, values)
            else:
                async with self._transaction_lock:
                    failures |= await self._transact(producer, values, batch)
        except BaseException:  # cancelled by core's write timeout: the broker is slow or gone
            self._degraded = True
            raise
        self._degraded = any(map(_retryable, failures.values()))
        if failures:
            raise self._error(failures, len(items))

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    def _encode(self, items: Sequence[str]) -> tuple[list[bytes | None], dict[int, BaseException]]:
        """Each item as bytes, None where it cannot be sent at all (and why, by index)."""
        encoding, limit = self._config.encoding, self._size_limit
        failures: dict[int, BaseException] = {}
        values: list[bytes | None]
        try:
            values = [item.encode(encoding) for item in items]
        except UnicodeEncodeError:
            values = []
            for index, item in enumerate(items):
                try:
                    values.append(item.encode(encoding))
                except UnicodeEncodeError as error:
                    values.append(None)
                    failures[index] = error
        if max(map(len, filter(None, values)), default=0) > limit:
            for index, value in enumerate(values):
                if value is not None and len(value) > limit:
                    values[index] = None
                    failures[index] = ValueError(
                        f"a record of {len(value)} bytes exceeds max_request_size "
                        f"({self._config.max_request_size})"
                    )
        return values, failures

    async def _send(
        self, producer: AIOKafkaProducer, values: list[bytes | None]
    ) -> dict[int, BaseException]:
        """Hand every value to the producer in full batches, then await all acknowledgements."""
        topic, key = self._config.topic, self._key
        pending = [i for i, v in enumerate(values) if v is not None]
        try:
            partitions = sorted(await producer.partitions_for(topic))
        except Exception as error:
            return dict.fromkeys(pending, error)
        in_flight: list[tuple[asyncio.Future[Any], list[int]]] = []
        failures: dict[int, BaseException] = {}
        batch: Any = producer.create_batch()
        members: list[int] = []
        for position, index in enumerate(pending):
            value = values[index]
            if batch.append(key=key, value=value, timestamp=None) is None:
                try:
                    in_flight.append((await self._submit(producer, batch, partitions), members))
                except Exception as error:
                    failures |= dict.fromkeys(pending[position - len(members) :], error)
                    batch, members = None, []
                    break
                batch, members = producer.create_batch(), []
                batch.append(key=key, value=value, timestamp=None)
            members.append(index)
        if batch is not None and members:
            try:
                in_flight.append((await self._submit(producer, batch, partitions), members))
            except Exception as error:
                failures |= dict.fromkeys(members, error)
        results = await asyncio.gather(*(f for f, _ in in_flight), return_exceptions=True)
        for result, (_, batch_members) in zip(results, in_flight, strict=True):
            if isinstance(result, BaseException):
                failures |= dict.fromkeys(batch_members, result)
        return failures

    async def _submit(
        self, producer: AIOKafkaProducer, batch: Any, partitions: list[int]
    ) -> asyncio.Future[Any]:
        if self._key is not None:
            partition = DefaultPartitioner()(self._key, partitions, partitions)
        else:
            partition = partitions[self._next_partition % len(partitions)]
            self._next_partition += 1
        future: asyncio.Future[Any] = await producer.send_batch(
            batch, self._config.topic, partition=partition
        )
        return future

    async def _transact(
        self, producer: AIOKafkaProducer, values: list[bytes | None], batch: int | None
    ) -> dict[int, BaseException]:
        """One transaction for the write, with the watermark that records its batch: any
        failed record aborts it and fails them all."""
        pending = [i for i, v in enumerate(values) if v is not None]
        try:
            async with producer.transaction():
                failures = await self._send(producer, values)
                if failures:
                    raise _Aborted(next(iter(failures.values())))
                mark = None if batch is None else await self._mark(producer, batch)
        except _Aborted as aborted:
            return dict.fromkeys(pending, aborted.args[0])
        except Exception as error:
            return dict.fromkeys(pending, error)
        if batch is not None:
            self._open_batches.discard(batch)
            self._watermark = mark or self._watermark
        return {}

    async def _mark(self, producer: AIOKafkaProducer, batch: int) -> Watermark | None:
        """The watermark with `batch` committed, added to the open transaction; None once it
        is full (the run goes on, but a rerun may write the later batches again)."""
        if self._watermark.full:
            return None
        mark = dataclasses.replace(self._watermark, gaps=set(self._watermark.gaps))
        if not mark.advance(batch, self._open_batches):
            self._watermark.full = True
            self._log.warning(
                "too many failed batches to record: a rerun of this segment may write the "
                "batches after them again",
                transactional_id=self._transactional_id,
            )
            return None
        assert self._group is not None
        await producer.send_offsets_to_transaction(
            {self._watermark_partition: mark.encode()}, self._group
        )
        return mark

    def _error(self, failures: dict[int, BaseException], total: int) -> WriteError:
        """One WriteError for the failed records: retryable if any of them may succeed later."""
        retryable = [e for e in failures.values() if _retryable(e)]
        first = retryable[0] if retryable else next(iter(failures.values()))
        reason = f"{len(failures)} of {total} records not produced: {_describe(first)}"
        failed = None if len(failures) == total else sorted(failures)
        return WriteError(reason, retryable=bool(retryable), failed=failed)
