"""The `tcp` output plugin: one persistent stream, a batch per write, reconnects on failure."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from typing import ClassVar

from eventum_core import PluginContext, WriteError, encode_lines
from eventum_output_tcp.config import TcpOutputConfig
from eventum_output_tcp.connection import Connection


class TcpOutput:
    """Writes each batch, joined, to one persistent connection; reconnects when it breaks.

    Batches go out one at a time (never interleaved). On Linux a write succeeds only once the
    receiver's TCP stack has acknowledged the batch's last byte; a batch cut off by a broken
    connection (or by core's write timeout) fails as retryable and the connection is dropped, so
    the next attempt starts cleanly on a new one. Delivery is at-least-once: the receiver may
    have got part of a failed batch before it is sent again.
    """

    Config: ClassVar[type[TcpOutputConfig]] = TcpOutputConfig

    def __init__(self, config: TcpOutputConfig, context: PluginContext) -> None:
        self._config = config
        self._log = context.logger
        self._tls: ssl.SSLContext | None = None
        self._lock = asyncio.Lock()
        self._connection: Connection | None = None
        self._closed = False

    async def open(self) -> None:
        if self._config.ssl:
            self._tls = _tls_context(self._config)
        self._connection = await self._connect()

    async def write(self, items: Sequence[str]) -> None:
        if not items:
            return
        c = self._config
        data, unencodable = encode_lines(items, c.separator, c.encoding)
        if data:
            async with self._lock:
                connection = await self._usable_connection()
                try:
                    target = await connection.send(data)
                except OSError as error:
                    self._drop(connection)
                    raise WriteError(_reason(error), retryable=True) from error
                except BaseException:  # cancelled mid-write: the stream may end inside an event
                    self._drop(connection)
                    raise
            try:
                await connection.confirm(target)
            except OSError as error:
                raise WriteError(_reason(error), retryable=True) from error
        if unencodable:
            raise WriteError(
                f"{len(unencodable)} events cannot be encoded as {c.encoding}",
                retryable=False,
                failed=unencodable,
            )

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()

    async def _usable_connection(self) -> Connection:
        if self._closed:
            raise WriteError("the tcp output is closed", retryable=False)
        connection = self._connection
        if connection is not None and connection.usable:
            return connection
        if connection is not None:
            self._drop(connection)
        try:
            connection = await self._connect()
        except ssl.SSLCertVerificationError as error:
            raise WriteError(_reason(error), retryable=False) from error
        except (OSError, TimeoutError) as error:
            raise WriteError(_reason(error), retryable=True) from error
        self._log.info("reconnected", host=self._config.host, port=self._config.port)
        self._connection = connection
        return connection

    async def _connect(self) -> Connection:
        c = self._config
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(c.host, c.port, ssl=self._tls), c.connect_timeout
        )
        return Connection(reader, writer)

    def _drop(self, connection: Connection) -> None:
        connection.release()
        if self._connection is connection:
            self._connection = None


def _tls_context(config: TcpOutputConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config.ca_cert)
    if not config.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if config.client_cert is not None:
        context.load_cert_chain(config.client_cert, config.client_cert_key)
    return context


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "connecting timed out"
    return f"{type(error).__name__}: {error}"
