"""The `clickhouse` output plugin: one raw `INSERT ... FORMAT` per batch."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, ClassVar

import anyio.to_thread
import clickhouse_connect
from clickhouse_connect.driver.binding import quote_identifier
from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError
from clickhouse_connect.driver.httputil import get_pool_manager

from eventum_core import PluginContext, UserError, WriteError, batch_index
from eventum_output_clickhouse.config import ClickHouseOutputConfig

# Server error codes that may clear by themselves: overload, timeouts, replication hiccups.
TRANSIENT_CODES = frozenset(
    {
        159,  # TIMEOUT_EXCEEDED
        202,  # TOO_MANY_SIMULTANEOUS_QUERIES
        203,  # NO_FREE_CONNECTION
        209,  # SOCKET_TIMEOUT
        210,  # NETWORK_ERROR
        236,  # ABORTED
        241,  # MEMORY_LIMIT_EXCEEDED
        242,  # TABLE_IS_READ_ONLY
        252,  # TOO_MANY_PARTS
        285,  # TOO_FEW_LIVE_REPLICAS
        319,  # UNKNOWN_STATUS_OF_INSERT
        425,  # SYSTEM_ERROR
        439,  # CANNOT_SCHEDULE_TASK
        999,  # KEEPER_EXCEPTION
    }
)
# Errors caused by the data of some rows: the rest of the batch can still go in.
PARSE_CODES = frozenset(
    {
        6,
        26,
        27,
        38,
        41,
        72,
        376,
        467,  # CANNOT_PARSE_*
        53,  # TYPE_MISMATCH
        62,  # SYNTAX_ERROR (Values)
        70,  # CANNOT_CONVERT_TYPE
        117,  # INCORRECT_DATA
        131,  # TOO_LARGE_STRING_SIZE
        349,  # CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
        441,  # CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING
        457,  # VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
        691,  # UNKNOWN_ELEMENT_OF_ENUM
    }
)
AUTH_CODES = frozenset({192, 193, 194, 516})  # UNKNOWN_USER, WRONG_PASSWORD, ..., AUTH_FAILED
_STATUS = re.compile(r"HTTP status (\d{3})")
# Payloads whose failed insert's token is kept for their retry.
RETRY_TOKENS = 1024
# (batch, payload) pairs whose inserts are counted, so identical payloads get distinct tokens.
SEEN_PAYLOADS = 4096
# Inserts spent isolating the bad rows of one batch before the rest is given up as bad too.
ISOLATION_BUDGET = 64


def classify(error: Exception) -> tuple[bool, bool]:
    """(retryable, row-level) for an error clickhouse-connect raised on insert."""
    if isinstance(error, OperationalError):  # network failures, and HTTP errors after retries
        return True, False
    code = getattr(error, "code", None)
    if code is not None:
        return code in TRANSIENT_CODES, code in PARSE_CODES
    match = _STATUS.search(str(error))
    status = int(match.group(1)) if match else 0
    return status in (408, 429) or status >= 500, False


class ClickHouseOutput:
    """Inserts each batch as `header + separator.join(events) + footer` in `input_format`.

    The insert is one atomic block: when rows fail to parse, the batch is split in halves and
    the halves inserted again (within `ISOLATION_BUDGET` inserts), so that only the bad rows are
    reported and everything else is written once. Blocking client calls run in worker threads;
    a chDB engine serialises them itself.
    """

    Config: ClassVar[type[ClickHouseOutputConfig]] = ClickHouseOutputConfig
    concurrent_writes: ClassVar[bool] = True  # the sink does not depend on batch order
    idempotent_writes = True  # a rerun's inserts repeat their tokens

    def __init__(self, config: ClickHouseOutputConfig, context: PluginContext) -> None:
        self._config = config
        self._log = context.logger
        self._table = f"{quote_identifier(config.database)}.{quote_identifier(config.table)}"
        self._head = config.header.encode()
        self._tail = config.footer.encode()
        self._client: Any = None
        self._pool: Any = None  # ours, not the client's: clickhouse-connect leaves it open
        self._retry_tokens: dict[bytes, str] = {}
        self._seen: OrderedDict[tuple[int | None, bytes], int] = OrderedDict()
        self._tokens_lock = threading.Lock()
        self._token_prefix = f"{context.run_id}-{context.segment.index}"

    async def open(self) -> None:
        try:
            self._client = await anyio.to_thread.run_sync(self._connect)
        except BaseException:
            self._close_pool()
            raise

    async def write(self, items: Sequence[str]) -> None:
        if not items:
            return
        if self._client is None:
            raise WriteError("the ClickHouse output is not open", retryable=False)
        await anyio.to_thread.run_sync(self._write, items, batch_index())

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await anyio.to_thread.run_sync(client.close)
        self._close_pool()

    def _close_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.clear()

    def _connect(self) -> Any:
        config = self._config
        try:
            if config.embedded:
                return clickhouse_connect.get_client(dsn=config.dsn, database=config.database)
            return clickhouse_connect.get_client(**self._client_args())
        except DatabaseError as error:
            if getattr(error, "code", None) in AUTH_CODES or "status 401" in str(error):
                raise UserError(f"ClickHouse refused the credentials: {error}") from error
            raise ConnectionError(f"cannot connect to ClickHouse: {error}") from error

    def _client_args(self) -> dict[str, Any]:
        """Arguments of clickhouse-connect's client; with a dsn, only the fields the user set."""
        config = self._config
        secure = config.protocol == "https"
        proxy = str(config.proxy_url) if config.proxy_url else None
        pool_options: dict[str, Any] = {}
        if proxy:
            pool_options["https_proxy" if secure else "http_proxy"] = proxy
        if secure:
            pool_options["verify"] = config.verify
            if config.ca_cert:
                pool_options["ca_cert"] = str(config.ca_cert)
            if config.client_cert and config.client_cert_key:
                pool_options["client_cert"] = str(config.client_cert)
                pool_options["client_cert_key"] = str(config.client_cert_key)
            if config.server_host_name:
                pool_options["server_hostname"] = config.server_host_name
                if config.verify:
                    pool_options["assert_hostname"] = config.server_host_name
        pool = self._pool = get_pool_manager(
            maxsize=config.pool_maxsize, block=False, **pool_options
        )
        explicit = config.model_fields_set
        fields = {
            "host": config.host,
            "port": config.port,
            "interface": config.protocol,
            "database": config.database,
            "username": config.username,
            "password": config.password,
        }
        if config.dsn is not None:
            fields = {k: v for k, v in fields.items() if k in explicit or k == "interface"}
            if "protocol" not in explicit:
                fields.pop("interface")
        args: dict[str, Any] = {
            **fields,
            "dsn": config.dsn,
            "connect_timeout": config.connect_timeout,
            "send_receive_timeout": config.request_timeout,
            "client_name": config.client_name,
            "verify": config.verify,
            "server_host_name": config.server_host_name,
            "tls_mode": config.tls_mode,
            "pool_mgr": pool,
            "autogenerate_session_id": False,  # a session cannot take concurrent inserts
            "compress": False,
        }
        if config.client_cert:
            args["client_cert"] = str(config.client_cert)
        return args

    def _payload(self, items: Sequence[str]) -> bytes:
        return self._head + self._config.separator.join(items).encode() + self._tail

    def _token(self, batch: int | None, digest: bytes) -> str:
        """`run-segment-batch-payload-n`: what a rerun of the same seeded run and segment (same
        `--run-id`) inserts again gets the token it got the first time; identical payloads in one
        batch are told apart by `n`."""
        key = (batch, digest)
        n = self._seen.pop(key, -1) + 1
        self._seen[key] = n
        if len(self._seen) > SEEN_PAYLOADS:
            self._seen.popitem(last=False)
        return f"{self._token_prefix}-{'-' if batch is None else batch}-{digest.hex()}-{n}"

    def _insert(self, items: Sequence[str], batch: int | None) -> None:
        """One insert, with a deduplication token derived from the run, segment, batch and
        payload (see `_token`); a retry of a failed insert reuses its token.

        A failure after the server committed (a reset while the answer is on its way) would
        otherwise make the retry insert the rows twice, and so would a segment rerun elsewhere
        after its machine died. Tables deduplicate by token when Replicated, or with
        `non_replicated_deduplication_window` set; others ignore it.
        """
        payload = self._payload(items)
        digest = hashlib.blake2b(payload, digest_size=16).digest()
        with self._tokens_lock:
            token = self._retry_tokens.pop(digest, None) or self._token(batch, digest)
        try:
            self._client.raw_insert(
                self._table,
                insert_block=payload,
                fmt=self._config.input_format,
                settings={"insert_deduplication_token": token},
            )
        except Exception as error:
            if classify(error)[0]:
                with self._tokens_lock:
                    if len(self._retry_tokens) >= RETRY_TOKENS:
                        self._retry_tokens.pop(next(iter(self._retry_tokens)))
                    self._retry_tokens[digest] = token
            raise

    def _write(self, items: Sequence[str], batch: int | None) -> None:
        try:
            self._insert(items, batch)
            return
        except Exception as error:
            retryable, row_level = classify(error)
            reason = _reason(error)
            if not row_level or len(items) == 1:
                raise WriteError(reason, retryable=retryable) from error
        bad, pending = self._isolate(items, batch)
        if pending is not None:
            raise WriteError(pending[1], retryable=True, failed=sorted(bad + pending[0]))
        raise WriteError(reason, retryable=False, failed=bad)

    def _isolate(
        self, items: Sequence[str], batch: int | None
    ) -> tuple[list[int], tuple[list[int], str] | None]:
        """Insert halves of a batch that failed to parse, down to single bad rows.

        Returns the bad indices, and the indices not inserted because of a transient error (with
        its reason), which the caller retries with the bad ones.
        """
        bad: list[int] = []
        stack = [list(range(len(items)))]
        budget = ISOLATION_BUDGET
        while stack:
            group = stack.pop()
            if len(group) == 1 or budget == 0:
                bad.extend(group)
                continue
            middle = len(group) // 2
            halves = [group[:middle], group[middle:]]
            for position, half in enumerate(halves):
                budget -= 1
                try:
                    self._insert([items[i] for i in half], batch)
                except Exception as error:
                    retryable, row_level = classify(error)
                    if retryable:
                        rest = [i for g in (*stack, *halves[position:]) for i in g]
                        return sorted(bad), (rest, _reason(error))
                    if row_level:
                        stack.append(half)
                    else:
                        bad.extend(half)
        return sorted(bad), None


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:500]}"
