"""The `http` output plugin: one request per formatted item, sent concurrently."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import ClassVar

import anyio
import httpx

from eventum_core import PluginContext, WriteError
from eventum_output_http.config import HttpOutputConfig


def retryable_status(status: int) -> bool:
    """Statuses that may pass: request timeout, too many requests, server errors."""
    return status in (408, 429) or status >= 500


def tls_refused(error: BaseException) -> bool:
    """A TLS handshake failed over certificates or settings: the server's certificate is not
    trusted, or the server refused the client's (missing, unknown CA) or found no common ground.
    Trying again will not change that."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    reason = (cause.reason or "") if isinstance(cause, ssl.SSLError) else ""
    return any(word in reason for word in ("CERTIFICATE", "UNKNOWN_CA", "HANDSHAKE_FAILURE"))


# What a transport error means when httpx gives no message (its errors often have none).
_WHAT_HAPPENED: dict[type[Exception], str] = {
    httpx.ReadError: "the server closed the connection without answering",
    httpx.WriteError: "the connection broke while the request was sent",
    httpx.ConnectError: "could not connect",
    httpx.ConnectTimeout: "no connection within connect_timeout",
    httpx.ReadTimeout: "no answer within request_timeout",
    httpx.WriteTimeout: "the request was not sent within request_timeout",
}


def describe(error: Exception, method: str, url: str) -> str:
    """What happened, on one line, whatever the error's own message: its class, the request,
    its message or else what its class means and the first message among its causes."""
    said = " ".join(str(error).split())
    if not said:
        meaning = next(
            (_WHAT_HAPPENED[kind] for kind in type(error).__mro__ if kind in _WHAT_HAPPENED),
            "the request failed",
        )
        cause = _first_message(error.__cause__ or error.__context__)
        said = f"{meaning} ({cause})" if cause else meaning
    return f"{type(error).__name__} on {method} {url}: {said}"


def _first_message(error: BaseException | None) -> str:
    while error is not None:
        if said := " ".join(str(error).split()):
            return said
        error = error.__cause__ or error.__context__
    return ""


class HttpOutput:
    """Sends each item as a request body; every item's request must answer `success_code`.

    Failures are classified for core's retries: connection errors, timeouts, 408, 429 and 5xx
    may pass; other statuses and TLS handshakes refused over certificates do not. When both
    kinds fail in one call, all failed items are reported as retryable: the permanent ones fail
    again on the retry and are then reported as permanent, so none is retried more than once in
    vain and none is counted as written.
    """

    Config: ClassVar[type[HttpOutputConfig]] = HttpOutputConfig
    concurrent_writes: ClassVar[bool] = True  # the sink does not depend on batch order

    def __init__(self, config: HttpOutputConfig, context: PluginContext) -> None:
        self._config = config
        self._url = str(config.url)
        # The URL failures name, without credentials.
        self._shown_url = str(httpx.URL(self._url).copy_with(password=None))
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        config = self._config
        auth = None
        if config.username is not None:
            auth = httpx.BasicAuth(config.username, config.password or "")
        self._client = httpx.AsyncClient(
            headers=config.headers,
            auth=auth,
            verify=self._tls(),
            proxy=str(config.proxy_url) if config.proxy_url else None,
            timeout=httpx.Timeout(
                config.request_timeout, connect=config.connect_timeout, pool=None
            ),
            trust_env=False,
        )

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def write(self, items: Sequence[str]) -> None:
        if not items:
            return
        failures: dict[int, tuple[bool, str]] = {}
        if len(items) == 1:
            await self._send(0, items[0], failures)
        else:
            async with anyio.create_task_group() as tg:
                for index, item in enumerate(items):
                    tg.start_soon(self._send, index, item, failures)
        if not failures:
            return
        failed = sorted(failures)
        retryable = any(kind for kind, _ in failures.values())
        reason = failures[failed[0]][1]
        if len(failed) > 1:
            reason = f"{len(failed)} of {len(items)} requests failed; first: {reason}"
        raise WriteError(
            reason, retryable=retryable, failed=None if len(failed) == len(items) else failed
        )

    async def _send(self, index: int, item: str, failures: dict[int, tuple[bool, str]]) -> None:
        client = self._client
        if client is None:
            failures[index] = (False, "the http output is not open")
            return
        try:
            response = await client.request(self._config.method, self._url, content=item.encode())
        except (httpx.TransportError, ssl.SSLError) as error:
            # httpx lets through the alert a TLS 1.3 server sends after the handshake (on read).
            reason = describe(error, self._config.method, self._shown_url)
            failures[index] = (not tls_refused(error), reason)
            return
        except httpx.HTTPError as error:
            failures[index] = (False, describe(error, self._config.method, self._shown_url))
            return
        if response.status_code != self._config.success_code:
            body = " ".join(response.text[:200].split())
            failures[index] = (
                retryable_status(response.status_code),
                f"HTTP {response.status_code} (expected {self._config.success_code}): {body}",
            )

    def _tls(self) -> ssl.SSLContext | bool:
        config = self._config
        if not config.verify and config.client_cert is None:
            return False
        context = ssl.create_default_context(cafile=str(config.ca_cert) if config.ca_cert else None)
        if not config.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if config.client_cert and config.client_cert_key:
            context.load_cert_chain(config.client_cert, config.client_cert_key)
        return context
