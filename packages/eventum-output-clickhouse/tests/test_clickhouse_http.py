"""The HTTP options against a server that speaks ClickHouse's HTTP interface over the chDB engine:
authentication, TLS with a CA file, mutual TLS, a forward proxy, timeouts, failure statuses, a
server that goes away."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ch_helpers import ENGINE_DIR, engine, event, make, new_table, rows
from ch_shim import ClickHouseShim

from eventum_core import UserError, WriteError
from eventum_core.testing import run_generator
from eventum_core.testing.proxy import ForwardProxy
from eventum_core.testing.tls import Pki as Tls

pytestmark = pytest.mark.anyio


@pytest.fixture
def shim() -> Iterator[ClickHouseShim]:
    server = ClickHouseShim(str(ENGINE_DIR), password="secret").start()
    yield server
    server.close()


def http(shim: ClickHouseShim, **data: object) -> dict[str, object]:
    return {"host": "127.0.0.1", "port": shim.port, "password": "secret", **data}


async def test_writes_over_http_with_basic_auth(tmp_path: Path, shim: ClickHouseShim) -> None:
    table = new_table()
    plugin = make(tmp_path, **http(shim, table=table, client_name="eventum-test"))
    await plugin.open()
    await plugin.write([event(1), event(2)])
    await plugin.close()
    assert rows(table) == [(1, "INFO", "m1"), (2, "INFO", "m2")]


def established_to(port: int) -> int:
    """Open TCP connections to `port` on loopback (this machine's /proc/net/tcp)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1 for line in lines
        if line.split()[2].endswith(f":{port:04X}") and line.split()[3] == "01"
    )  # fmt: skip


async def test_close_releases_the_connections(tmp_path: Path, shim: ClickHouseShim) -> None:
    plugin = make(tmp_path, **http(shim, table=new_table()))
    await plugin.open()
    await plugin.write([event(1)])
    assert established_to(shim.port) > 0
    await plugin.close()
    assert established_to(shim.port) == 0


async def test_wrong_password_stops_the_output_at_open(
    tmp_path: Path, shim: ClickHouseShim
) -> None:
    plugin = make(tmp_path, **http(shim, table="t", password="wrong"))
    with pytest.raises(UserError, match="credentials"):
        await plugin.open()


async def test_tls_with_a_ca_file(tmp_path: Path, tls: Tls) -> None:
    server = ClickHouseShim(str(ENGINE_DIR), tls=tls.server_context()).start()
    table = new_table()
    try:
        trusted = make(tmp_path, host="127.0.0.1", port=server.port, protocol="https",
                       table=table, ca_cert=str(tls.ca))  # fmt: skip
        await trusted.open()
        await trusted.write([event(5)])
        await trusted.close()
        unverified = make(tmp_path, host="127.0.0.1", port=server.port, protocol="https",
                          table=table, verify=False)  # fmt: skip
        await unverified.open()
        await unverified.write([event(6)])
        await unverified.close()
        untrusted = make(tmp_path, host="127.0.0.1", port=server.port, protocol="https",
                         table=table)  # fmt: skip
        with pytest.raises(ConnectionError, match=r"(?i)certificate"):
            await untrusted.open()
    finally:
        server.close()
    assert [r[0] for r in rows(table)] == [5, 6]


async def test_mutual_tls_needs_the_client_certificate(tmp_path: Path, tls: Tls) -> None:
    """A server that requires a client certificate takes rows from a client that has one; a
    client without one fails at open, once (the run stops there), saying TLS refused it."""
    server = ClickHouseShim(str(ENGINE_DIR), tls=tls.server_context(require_client=True)).start()
    table = new_table()
    try:
        certified = make(tmp_path, host="127.0.0.1", port=server.port, protocol="https",
                         table=table, ca_cert=str(tls.ca), client_cert=str(tls.client_cert),
                         client_cert_key=str(tls.client_key))  # fmt: skip
        await certified.open()
        await certified.write([event(7)])
        await certified.close()
        anonymous = make(tmp_path, host="127.0.0.1", port=server.port, protocol="https",
                         table=table, ca_cert=str(tls.ca))  # fmt: skip
        started = time.monotonic()
        with pytest.raises(ConnectionError, match=r"cannot connect to ClickHouse.*SSLError"):
            await anonymous.open()
        assert time.monotonic() - started < 5
    finally:
        server.close()
    assert [r[0] for r in rows(table)] == [7]


async def test_requests_go_through_the_proxy(tmp_path: Path, shim: ClickHouseShim) -> None:
    """Every request, the connection check and the insert alike, is forwarded by the proxy."""
    table = new_table()
    with ForwardProxy(tmp_path / "proxy") as proxy:
        plugin = make(tmp_path, **http(shim, table=table, proxy_url=proxy.url))
        await plugin.open()
        await plugin.write([event(8)])
        await plugin.close()
        forwarded = proxy.requests(port=shim.port)
    assert [r[0] for r in rows(table)] == [8]
    assert forwarded and all(line.startswith(f"POST {shim.url}/?") for line in forwarded)
    assert any("insert_deduplication_token" in line for line in forwarded)  # the insert too


async def test_https_goes_through_the_proxy_in_a_connect_tunnel(tmp_path: Path, tls: Tls) -> None:
    server = ClickHouseShim(str(ENGINE_DIR), tls=tls.server_context()).start()
    table = new_table()
    try:
        with ForwardProxy(tmp_path / "proxy") as proxy:
            plugin = make(tmp_path, host="127.0.0.1", port=server.port, protocol="https",
                          table=table, ca_cert=str(tls.ca), proxy_url=proxy.url)  # fmt: skip
            await plugin.open()
            await plugin.write([event(9)])
            await plugin.close()
            tunnelled = proxy.requests(port=server.port)
    finally:
        server.close()
    assert [r[0] for r in rows(table)] == [9]
    assert tunnelled and set(tunnelled) == {f"CONNECT 127.0.0.1:{server.port}"}


@pytest.mark.parametrize(
    ("status", "retryable"), [(503, True), (502, True), (429, True), (400, False), (403, False)]
)
async def test_statuses_are_classified(
    tmp_path: Path, shim: ClickHouseShim, status: int, retryable: bool
) -> None:
    plugin = make(tmp_path, **http(shim, table="t"))
    await plugin.open()
    shim.status = status
    with pytest.raises(WriteError) as caught:
        await plugin.write([event(1)])
    await plugin.close()
    assert caught.value.retryable is retryable
    assert caught.value.failed is None


async def test_request_timeout_is_retryable(tmp_path: Path, shim: ClickHouseShim) -> None:
    plugin = make(tmp_path, **http(shim, table="t", request_timeout=1))
    await plugin.open()
    shim.delay = 1.5
    started = time.monotonic()
    with pytest.raises(WriteError) as caught:
        await plugin.write([event(1)])
    assert time.monotonic() - started < 5
    assert caught.value.retryable
    shim.delay = 0
    await plugin.close()


async def test_a_server_that_is_down_is_retryable(tmp_path: Path, shim: ClickHouseShim) -> None:
    table = new_table()
    plugin = make(tmp_path, **http(shim, table=table, connect_timeout=1))
    await plugin.open()
    shim.stop()
    with pytest.raises(WriteError) as caught:
        await plugin.write([event(1)])
    assert caught.value.retryable
    shim.start()
    await plugin.write([event(2)])
    await plugin.close()
    assert [r[0] for r in rows(table)] == [2]


SCRIPT = """
import json
n = 0
def produce(params):
    global n
    n += 1
    return json.dumps({"id": n, "ts": "2025-01-01 00:00:00", "level": "INFO", "msg": "x"})
"""


@pytest.mark.parametrize(("attempts", "down_for"), [(30, 1.0), (2, 1.0)])
def test_the_sink_goes_away_mid_run_and_comes_back(
    tmp_path: Path, shim: ClickHouseShim, attempts: int, down_for: float
) -> None:
    """Every event is written exactly once or dead-lettered, and the counters add up.

    A retry reuses its insert's deduplication token, so an insert the server committed before
    the connection died is not written twice. When the last attempt dies that way, the events are
    in the table and also dead-lettered (their write was never confirmed): only those overlap.
    """
    table = new_table(settings="non_replicated_deduplication_window = 1000")
    dead = tmp_path / "dead.jsonl"
    (tmp_path / "produce.py").write_text(SCRIPT)
    output = http(shim, table=table, connect_timeout=1, dead_letter=str(dead),
                  retry={"attempts": attempts, "initial_delay": 0.05, "max_delay": 0.2})  # fmt: skip
    shim.outage = (3, down_for)
    run = run_generator(
        {
            "input": [{"static": {"count": 20_000}}],
            "event": {"script": {"path": "produce.py"}},
            "output": [{"clickhouse": output}],
        },
        base_path=tmp_path,
        collect=False,
        batch={"size": 500},
    )
    counters = run.counters.outputs[0]
    written = [r[0] for r in engine().query(f"SELECT id FROM {table}").result_rows]
    lettered = [json.loads(json.loads(line)["event"])["id"]
                for line in (dead.read_text().splitlines() if dead.exists() else [])]  # fmt: skip
    assert len(written) == len(set(written))  # nothing twice
    assert len(lettered) == counters.write_failed == counters.dead_lettered
    assert counters.written + counters.write_failed == 20_000
    assert set(written) | set(lettered) == set(range(1, 20_001))
    assert len(written) - counters.written == len(set(written) & set(lettered))
    assert counters.retries > 0
    if attempts == 30:
        assert counters.write_failed == 0 and run.result.ok
    else:
        assert counters.write_failed > 0 and not run.result.ok
