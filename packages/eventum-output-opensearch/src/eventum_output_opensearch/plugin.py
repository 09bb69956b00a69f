"""The `opensearch` output plugin: `_bulk` requests, read back item by item."""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import anyio.to_thread
import urllib3
from opensearchpy import OpenSearch, Urllib3HttpConnection
from opensearchpy.exceptions import ConnectionError as TransportConnectionError
from opensearchpy.exceptions import SSLError, TransportError

from eventum_core import PluginContext, WriteError
from eventum_output_opensearch.config import OpenSearchOutputConfig

_FILTER = "errors,items.*.status,items.*.error.type,items.*.error.reason"
_TLS_KEYS = ("cert_reqs", "ca_certs", "cert_file", "key_file")
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
# A failure's reason is one line of at most this many characters.
REASON_LENGTH = 300
# Connections kept open per host: enough for the output's concurrent writes.
POOL_SIZE = 32
# Documents whose write was not confirmed keep their id for the retry; at most this many.
REMEMBERED_IDS = 1_000_000


def retryable_status(status: int) -> bool:
    """Statuses that may pass: request timeout, too many requests (rejected), server errors."""
    return status in (408, 429) or status >= 500


@dataclass
class Failures:
    """Failed documents of one write: index -> (retryable, reason)."""

    items: dict[int, tuple[bool, str]] = field(default_factory=dict)

    def add(self, indices: Sequence[int], retryable: bool, reason: str) -> None:
        for i in indices:
            self.items[i] = (retryable, reason)

    def error(self, total: int) -> WriteError | None:
        if not self.items:
            return None
        failed = sorted(self.items)
        reason = self.items[failed[0]][1]
        if len(failed) > 1:
            reason = f"{len(failed)} of {total} documents failed; first: {reason}"
        return WriteError(reason, items=self.items)


def read_bulk(response: dict[str, Any], indices: Sequence[int], failures: Failures) -> list[int]:
    """Record the failed items of a `_bulk` answer; return the indices written.

    A `create` that conflicts (409) means the document is already there: a retry of a write whose
    answer was lost, so it counts as written.
    """
    if not response.get("errors"):
        return list(indices)
    written = []
    for index, item in zip(indices, response.get("items", []), strict=False):
        result = next(iter(item.values()))
        status = int(result.get("status", 500))
        if status < 300 or status == 409:
            written.append(index)
            continue
        error = result.get("error") or {}
        reason = f"{status} {error.get('type', 'error')}: {error.get('reason', '')}"
        failures.add([index], retryable_status(status), reason)
    return written


class _ProxiedPool:
    """The pool of a connection that goes through a proxy: each request goes to the proxy in
    absolute form (http) or in a CONNECT tunnel (https). A pool of the proxy manager sends the
    origin form (`POST /_bulk`) that a forward proxy refuses, so the manager sends every request.
    """

    def __init__(self, manager: urllib3.ProxyManager, origin: str) -> None:
        self._manager, self._origin = manager, origin

    def urlopen(self, method: str, url: str, body: Any = None, **kw: Any) -> Any:
        return self._manager.urlopen(method, self._origin + url, body=body, redirect=False, **kw)

    def close(self) -> None:
        self._manager.clear()


class _Connection(Urllib3HttpConnection):
    """opensearch-py's urllib3 connection, through `proxy_url` when one is set."""

    proxy_url: ClassVar[str | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.proxy_url:
            pool = self._urllib3_pool_factory()  # type: ignore[no-untyped-call]
            tls = {k: getattr(pool, k) for k in _TLS_KEYS if getattr(pool, k, None) is not None}
            # The proxy's pools keep as many connections as the direct one: urllib3's default
            # of 1 discards the connections of concurrent writes ("pool is full").
            manager = urllib3.ProxyManager(
                self.proxy_url, timeout=self.timeout, maxsize=kwargs["pool_maxsize"], **tls
            )
            self._urllib3_pool_factory = lambda: _ProxiedPool(manager, self.host)
            self._create_urllib3_pool()


class OpenSearchOutput:
    """Indexes each batch with `_bulk` requests of at most `max_bulk_size` documents.

    Hosts are used in turn; a host that cannot be reached is passed over for the next one within
    the same request. Each document is a `create` with an id of its own: when a write's answer
    is lost (a reset, a timeout), the retry sends the same ids, and a document that was indexed
    after all answers 409 and counts as written, so nothing is indexed twice.

    Only failed documents are reported: rejected ones (429) and server errors may pass, mapping
    and parse errors do not; each failed document is reported with its own verdict and reason,
    so core retries only those that may pass.
    """

    Config: ClassVar[type[OpenSearchOutputConfig]] = OpenSearchOutputConfig
    concurrent_writes: ClassVar[bool] = True  # the sink does not depend on batch order

    def __init__(self, config: OpenSearchOutputConfig, context: PluginContext) -> None:
        self._config = config
        self._action = json.dumps({"create": {"_index": config.index, "_id": ""}})[:-4]
        self._client: OpenSearch | None = None
        self._ids: OrderedDict[str, list[str]] = OrderedDict()
        self._ids_lock = threading.Lock()

    async def open(self) -> None:
        self._client = self._connect()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await anyio.to_thread.run_sync(client.close)

    async def write(self, items: Sequence[str]) -> None:
        if not items:
            return
        if self._client is None:
            raise WriteError("the OpenSearch output is not open", retryable=False)
        await anyio.to_thread.run_sync(self._write, items)

    def _connect(self) -> OpenSearch:
        config = self._config
        connection = type(
            "Connection",
            (_Connection,),
            {"proxy_url": str(config.proxy_url) if config.proxy_url else None},
        )
        tls: dict[str, Any] = {"verify_certs": config.verify, "ssl_show_warn": False}
        if config.ca_cert:
            tls["ca_certs"] = str(config.ca_cert)
        if config.client_cert and config.client_cert_key:
            tls["client_cert"] = str(config.client_cert)
            tls["client_key"] = str(config.client_cert_key)
        return OpenSearch(
            hosts=[str(host) for host in config.hosts],
            http_auth=(config.username, config.password),
            connection_class=connection,
            timeout=urllib3.Timeout(connect=config.connect_timeout, read=config.request_timeout),
            max_retries=len(config.hosts) - 1,  # only to try the other hosts
            retry_on_timeout=False,
            retry_on_status=(),
            pool_maxsize=POOL_SIZE,
            **tls,
        )

    def _write(self, items: Sequence[str]) -> None:
        failures = Failures()
        size = self._config.max_bulk_size
        for start in range(0, len(items), size):
            indices = range(start, min(start + size, len(items)))
            ids = self._take_ids([items[i] for i in indices])
            try:
                response = self._bulk([items[i] for i in indices], ids)
            except Exception as error:
                retryable, reason = classify(error)
                self._remember([items[i] for i in indices], ids)
                failures.add(range(start, len(items)), retryable, reason)
                break
            failed_before = set(failures.items)
            read_bulk(response, indices, failures)
            unsure = [i for i in indices if i in failures.items and i not in failed_before]
            self._remember([items[i] for i in unsure], [ids[i - start] for i in unsure])
        failed = failures.error(len(items))
        if failed is not None:
            raise failed

    def _bulk(self, docs: Sequence[str], ids: Sequence[str]) -> dict[str, Any]:
        action = self._action
        lines = [
            f'{action}"{doc_id}"}}}}\n{_one_line(doc)}\n'
            for doc, doc_id in zip(docs, ids, strict=True)
        ]
        assert self._client is not None
        response: dict[str, Any] = self._client.transport.perform_request(
            "POST",
            "/_bulk",
            params={"filter_path": _FILTER},
            headers={"content-type": "application/x-ndjson"},
            body="".join(lines).encode(),
        )
        return response

    def _take_ids(self, docs: Sequence[str]) -> list[str]:
        """The ids of these documents: the ones a failed write used, else new ones."""
        ids = []
        with self._ids_lock:
            for doc in docs:
                kept = self._ids.get(doc)
                if kept:
                    ids.append(kept.pop())
                    if not kept:
                        del self._ids[doc]
                else:
                    ids.append(secrets.token_urlsafe(15))
        return ids

    def _remember(self, docs: Sequence[str], ids: Sequence[str]) -> None:
        with self._ids_lock:
            for doc, doc_id in zip(docs, ids, strict=True):
                self._ids.setdefault(doc, []).append(doc_id)
            while len(self._ids) > REMEMBERED_IDS:
                self._ids.popitem(last=False)


def _one_line(doc: str) -> str:
    """A bulk body has one document per line: re-serialise a pretty-printed one."""
    return json.dumps(json.loads(doc), ensure_ascii=False) if "\n" in doc else doc


def classify(error: Exception) -> tuple[bool, str]:
    """(retryable, reason) for an error of a whole bulk request."""
    reason = f"{type(error).__name__}: {describe(error)}"
    if isinstance(error, SSLError):
        return "CERTIFICATE_VERIFY_FAILED" not in str(error), reason
    if isinstance(error, TransportConnectionError):  # refused, reset, timeouts
        return True, reason
    if isinstance(error, TransportError) and isinstance(error.status_code, int):
        return retryable_status(error.status_code), reason
    return False, reason


def describe(error: Exception) -> str:
    """One short line: an HTML error page (a proxy's, nginx's) gives its title or its text, not
    the whole page."""
    text = str(error)
    page = getattr(error, "error", None)
    if isinstance(error, TransportError) and isinstance(page, str) and "<html" in page.lower():
        title = _TITLE.search(page)
        text = title.group(1) if title else _TAG.sub(" ", page)
        status = str(error.status_code)
        if not text.strip().startswith(status):
            text = f"{status} {text}"
    text = " ".join(text.split())
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"
