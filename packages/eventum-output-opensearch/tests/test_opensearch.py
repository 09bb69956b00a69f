from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import anyio
import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError
from pydantic import BaseModel, ValidationError

from eventum_core import PluginContext, WriteError
from eventum_core.testing import OutputPluginContract, run_generator, validation_context
from eventum_core.testing.proxy import ForwardProxy
from eventum_output_opensearch import OpenSearchOutput, OpenSearchOutputConfig
from eventum_output_opensearch.plugin import REASON_LENGTH, Failures, describe, read_bulk

NOW = datetime(2025, 1, 2, tzinfo=UTC)
pytestmark = pytest.mark.anyio
AUTH = {"username": "eventum", "password": "s3cret"}


def validate(tmp_path: Path, data: dict[str, Any]) -> OpenSearchOutputConfig:
    return OpenSearchOutputConfig.model_validate(
        data, context=validation_context(tmp_path, now=NOW)
    )


def make(tmp_path: Path, **data: Any) -> OpenSearchOutput:
    context = PluginContext(generator_id="t", kind="output", name="opensearch", index=0,
                            base_path=tmp_path, timezone=UTC, started_at=NOW)  # fmt: skip
    return OpenSearchOutput(validate(tmp_path, {**AUTH, **data}), context)


def search(url: str) -> OpenSearch:
    return OpenSearch(hosts=[url])


def count(url: str, index: str) -> int:
    client = search(url)
    client.indices.refresh(index=index)
    return int(client.count(index=index)["count"])


def docs(url: str, index: str, size: int = 10_000) -> list[dict[str, Any]]:
    client = search(url)
    client.indices.refresh(index=index)
    hits = client.search(index=index, body={"size": size, "query": {"match_all": {}}})
    return [hit["_source"] for hit in hits["hits"]["hits"]]


class TestOpenSearchContract(OutputPluginContract):
    plugin_class = OpenSearchOutput
    entry_point = "opensearch"
    valid_config: ClassVar[dict[str, Any]] = {**AUTH, "hosts": ["http://127.0.0.1:9200"],
                                              "index": "contract"}  # fmt: skip

    @pytest.fixture(autouse=True)
    def _clone(self, osmem_clone: Any) -> None:
        self.url = osmem_clone.url

    def make_config(self, base_path: Path, **overrides: Any) -> BaseModel:
        return super().make_config(base_path, hosts=[self.url], **overrides)

    def test_writes_what_it_is_given(self, tmp_path: Path) -> None:
        # The core contract writes plain text; OpenSearch takes JSON documents only.
        plugin = self.make_plugin(tmp_path)
        items = [json.dumps({"n": i}) for i in range(10)]

        async def scenario() -> None:
            await plugin.open()
            await plugin.write(items[:4])
            await plugin.write([])
            await plugin.write(items[4:])
            await plugin.close()

        anyio.run(scenario)
        assert sorted(d["n"] for d in docs(self.url, "contract")) == list(range(10))


def test_defaults_match_eventum(tmp_path: Path) -> None:
    config = validate(tmp_path, {**AUTH, "hosts": ["https://os:9200"], "index": "logs"})
    assert config.formatter.format == "json"
    assert (config.connect_timeout, config.request_timeout) == (10, 300)
    assert config.verify is True  # Eventum 2.8
    assert (config.ca_cert, config.client_cert, config.client_cert_key) == (None, None, None)
    assert (config.proxy_url, config.max_bulk_size) == (None, 5000)


@pytest.mark.parametrize(
    "data",
    [{"hosts": [], "index": "i"}, {"hosts": ["http://h"]}, {"hosts": ["x"], "index": "i"},
     {"hosts": ["http://h"], "index": "i", "client_cert": "c.pem"},
     {"hosts": ["http://h"], "index": "i", "max_bulk_size": 0}],
)  # fmt: skip
def test_rejects(tmp_path: Path, data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate(tmp_path, {**AUTH, **data})


def test_bulk_items_are_read_one_by_one() -> None:
    response = {
        "errors": True,
        "items": [
            {"create": {"status": 201}},
            {"create": {"status": 429, "error": {"type": "es_rejected_execution_exception",
                                                 "reason": "queue full"}}},
            {"create": {"status": 400, "error": {"type": "mapper_parsing_exception",
                                                 "reason": "bad"}}},
            {"create": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}},
            {"create": {"status": 503, "error": {"type": "unavailable_shards_exception"}}},
        ],
    }  # fmt: skip
    failures = Failures()
    assert read_bulk(response, range(10, 15), failures) == [10, 13]
    assert {i: kind for i, (kind, _) in failures.items.items()} == {11: True, 12: False, 14: True}
    error = failures.error(20)
    assert error is not None
    assert error.failed == [11, 12, 14]
    assert {i: kind for i, (kind, _) in (error.items or {}).items()} == {
        11: True,
        12: False,
        14: True,
    }


def test_an_error_page_without_a_title_is_reported_by_its_text() -> None:
    page = "<html><body><h1>Bad Gateway</h1>\n" + "<p>upstream gone</p>" * 100 + "</body></html>"
    reason = describe(TransportError(502, page, None))
    assert reason.startswith("502 Bad Gateway upstream gone upstream gone")
    assert "<" not in reason and len(reason) == REASON_LENGTH and reason.endswith("…")


async def test_strict_mapping_rejects_only_the_bad_documents(
    tmp_path: Path, osmem_clone: Any
) -> None:
    search(osmem_clone.url).indices.create(index="strict", body={"mappings": {
        "dynamic": "strict", "properties": {"n": {"type": "integer"}}}})  # fmt: skip
    plugin = make(tmp_path, hosts=[osmem_clone.url], index="strict", max_bulk_size=3)
    items = [json.dumps({"n": i}) for i in range(8)]
    items[2] = '{"n": "two"}'
    items[6] = '{"extra": 6}'
    await plugin.open()
    with pytest.raises(WriteError) as caught:
        await plugin.write(items)
    await plugin.close()
    assert (caught.value.retryable, caught.value.failed) == (False, [2, 6])
    assert "mapper_parsing_exception" in caught.value.reason
    assert sorted(d["n"] for d in docs(osmem_clone.url, "strict")) == [0, 1, 3, 4, 5, 7]


async def test_pretty_printed_documents_are_sent_on_one_line(
    tmp_path: Path, osmem_clone: Any
) -> None:
    plugin = make(tmp_path, hosts=[osmem_clone.url], index="pretty")
    await plugin.open()
    await plugin.write(['{\n  "a": 1\n}', '{"a": 2}'])
    await plugin.close()
    assert sorted(d["a"] for d in docs(osmem_clone.url, "pretty")) == [1, 2]


async def test_hosts_in_turn_pass_over_one_that_is_down(
    tmp_path: Path, osmem_clone: Any, unused_port: int
) -> None:
    dead = f"http://127.0.0.1:{unused_port}"
    plugin = make(tmp_path, hosts=[dead, osmem_clone.url], index="turns", connect_timeout=1)
    await plugin.open()
    for i in range(4):
        await plugin.write([json.dumps({"n": i})])
    await plugin.close()
    assert count(osmem_clone.url, "turns") == 4


async def test_nginx_basic_auth_and_tls_with_a_ca_file(
    tmp_path: Path, osmem_clone: Any, nginx: Callable[..., Any], tls: Any
) -> None:
    proxy = nginx()
    plugin = make(tmp_path, hosts=[proxy.url], index="secure", ca_cert=str(tls.ca))
    await plugin.open()
    await plugin.write([json.dumps({"n": 1}), json.dumps({"n": 2})])
    await plugin.close()
    assert count(osmem_clone.url, "secure") == 2

    wrong = make(tmp_path, hosts=[proxy.url], index="secure", ca_cert=str(tls.ca),
                 password="wrong")  # fmt: skip
    await wrong.open()
    with pytest.raises(WriteError) as caught:
        await wrong.write(['{"n": 3}'])
    await wrong.close()
    assert caught.value.failed == [0]
    assert not any(retryable for retryable, _ in (caught.value.items or {}).values())
    assert "401" in caught.value.reason

    untrusted = make(tmp_path, hosts=[proxy.url], index="secure")
    await untrusted.open()
    with pytest.raises(WriteError) as caught:
        await untrusted.write(['{"n": 4}'])
    await untrusted.close()
    assert caught.value.retryable is False
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.reason

    unverified = make(tmp_path, hosts=[proxy.url], index="secure", verify=False)
    await unverified.open()
    await unverified.write(['{"n": 5}'])
    await unverified.close()
    assert count(osmem_clone.url, "secure") == 3


async def test_mutual_tls_needs_the_client_certificate(
    tmp_path: Path, osmem_clone: Any, nginx: Callable[..., Any], tls: Any
) -> None:
    """nginx that asks for a client certificate takes documents from a client that has one; one
    without it is answered 400, which fails every document for good (a config problem that no
    retry fixes) instead of counting them as written, with the title of nginx's error page as
    the reason instead of the whole page."""
    front = nginx(require_client_cert=True)
    certified = make(tmp_path, hosts=[front.url], index="mtls", ca_cert=str(tls.ca),
                     client_cert=str(tls.client_cert),
                     client_cert_key=str(tls.client_key))  # fmt: skip
    await certified.open()
    await certified.write([json.dumps({"n": 1}), json.dumps({"n": 2})])
    await certified.close()
    assert count(osmem_clone.url, "mtls") == 2

    anonymous = make(tmp_path, hosts=[front.url], index="mtls", ca_cert=str(tls.ca))
    await anonymous.open()
    with pytest.raises(WriteError) as caught:
        await anonymous.write(['{"n": 3}', '{"n": 4}'])
    await anonymous.close()
    assert caught.value.failed == [0, 1]
    assert not any(retryable for retryable, _ in (caught.value.items or {}).values())
    # nginx's HTML error page is reported by its title, on one short line.
    assert caught.value.reason == (
        "2 of 2 documents failed; first: RequestError: 400 No required SSL certificate was sent"
    )
    assert count(osmem_clone.url, "mtls") == 2


async def test_requests_go_through_the_proxy(tmp_path: Path, osmem_clone: Any) -> None:
    """Plain http is forwarded: the proxy gets each bulk request in absolute form."""
    port = int(osmem_clone.url.rsplit(":", 1)[1])
    with ForwardProxy(tmp_path / "proxy") as proxy:
        plugin = make(tmp_path, hosts=[osmem_clone.url], index="proxied", proxy_url=proxy.url)
        await plugin.open()
        await plugin.write([json.dumps({"n": 1}), json.dumps({"n": 2})])
        await plugin.close()
        forwarded = proxy.requests(port=port)
    assert count(osmem_clone.url, "proxied") == 2
    assert forwarded
    assert all(line.startswith(f"POST {osmem_clone.url}/_bulk?") for line in forwarded)


async def test_https_goes_through_the_proxy_in_a_connect_tunnel(
    tmp_path: Path, osmem_clone: Any, nginx: Callable[..., Any], tls: Any
) -> None:
    """https to nginx goes through a CONNECT tunnel; TLS and basic auth work end to end in it."""
    front = nginx()
    with ForwardProxy(tmp_path / "proxy") as proxy:
        plugin = make(tmp_path, hosts=[front.url], index="tunnelled", ca_cert=str(tls.ca),
                      proxy_url=proxy.url)  # fmt: skip
        await plugin.open()
        await plugin.write([json.dumps({"n": 1}), json.dumps({"n": 2})])
        await plugin.close()
        tunnelled = proxy.requests(port=front.port)
    assert count(osmem_clone.url, "tunnelled") == 2
    assert tunnelled and set(tunnelled) == {f"CONNECT 127.0.0.1:{front.port}"}


async def test_concurrent_writes_through_the_proxy_share_its_pool(
    tmp_path: Path, osmem_clone: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Concurrent bulk requests through the proxy keep their connections: the proxied pool is
    as large as the direct one, so urllib3 never discards a connection as "pool is full"."""
    items = [json.dumps({"n": i}) for i in range(1600)]
    with ForwardProxy(tmp_path / "proxy") as proxy:
        plugin = make(tmp_path, hosts=[osmem_clone.url], index="busy", proxy_url=proxy.url)
        await plugin.open()
        with caplog.at_level(logging.WARNING, logger="urllib3"):
            async with anyio.create_task_group() as group:
                for start in range(0, len(items), 100):
                    group.start_soon(plugin.write, items[start : start + 100])
        await plugin.close()
    assert not [r.getMessage() for r in caplog.records if "pool is full" in r.getMessage()]
    assert sorted(d["n"] for d in docs(osmem_clone.url, "busy")) == list(range(1600))


SCRIPT = """
import json
n = 0
def produce(params):
    global n
    n += 1
    return json.dumps({"id": n, "ts": params["timestamp"].isoformat(), "level": "INFO",
                       "msg": "heartbeat ok"})
"""


def generator(tmp_path: Path, count: int, output: dict[str, Any]) -> dict[str, Any]:
    (tmp_path / "produce.py").write_text(SCRIPT)
    return {
        "input": [{"linspace": {"start": "2025-01-01T00:00:00+00:00",
                                "end": "2025-01-01T01:00:00+00:00", "count": count}}],
        "event": {"script": {"path": "produce.py"}},
        "output": [{"opensearch": {**AUTH, **output}}],
    }  # fmt: skip


def test_a_generator_run_is_indexed_and_searchable(tmp_path: Path, osmem_clone: Any) -> None:
    run = run_generator(
        generator(tmp_path, 3000, {"hosts": [osmem_clone.url], "index": "run"}),
        base_path=tmp_path, collect=False, batch={"size": 1000},
    )  # fmt: skip
    assert run.result.ok and run.counters.outputs[0].written == 3000
    assert count(osmem_clone.url, "run") == 3000
    client = search(osmem_clone.url)
    hit = client.search(index="run", body={"query": {"term": {"id": 1500}}})["hits"]["hits"]
    assert hit[0]["_source"]["msg"] == "heartbeat ok"
    assert hit[0]["_source"]["ts"].startswith("2025-01-01T00:")


@pytest.mark.parametrize("attempts", [30, 2])
def test_the_sink_goes_away_mid_run_and_comes_back(
    tmp_path: Path, osmem_clone: Any, nginx: Callable[..., Any], tls: Any, attempts: int
) -> None:
    """Every event is indexed exactly once or dead-lettered, and the counters add up."""
    proxy = nginx()

    def outage() -> None:
        # After 4 bulk requests of 250 (1,000 events) have passed: a count from OpenSearch
        # polled every 20 ms loaded it so much on a busy machine that the run could end first.
        deadline = time.monotonic() + 30
        while proxy.requests() < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        proxy.stop()
        time.sleep(1.0)
        proxy.start()

    watcher = threading.Thread(target=outage, daemon=True)
    watcher.start()
    dead = tmp_path / "dead.jsonl"
    output = {"hosts": [proxy.url], "index": "fault", "ca_cert": str(tls.ca),
              "connect_timeout": 1, "dead_letter": str(dead),
              "retry": {"attempts": attempts, "initial_delay": 0.05, "max_delay": 0.2}}  # fmt: skip
    # Live mode spreads the run over 4 s, so the 1 s outage falls inside it however fast the
    # machine is (in sample mode a fast run could end before the outage began).
    config = generator(tmp_path, 8000, output)
    start = datetime.now(UTC) + timedelta(seconds=0.3)
    config["input"] = [{"linspace": {"start": start.isoformat(), "count": 8000,
                                     "end": (start + timedelta(seconds=4)).isoformat()}}]  # fmt: skip
    run = run_generator(config, base_path=tmp_path, collect=False, live_mode=True,
                        skip_past=False, batch={"size": 250})  # fmt: skip
    watcher.join(30)
    counters = run.counters.outputs[0]
    written = [d["id"] for d in docs(osmem_clone.url, "fault")]
    lettered = [json.loads(json.loads(line)["event"])["id"]
                for line in (dead.read_text().splitlines() if dead.exists() else [])]  # fmt: skip
    assert len(written) == len(set(written))  # nothing twice
    assert len(lettered) == counters.write_failed == counters.dead_lettered
    assert counters.written + counters.write_failed == 8000
    assert set(written) | set(lettered) == set(range(1, 8001))
    # Only a write whose last attempt died after OpenSearch took it is in both.
    assert len(written) - counters.written == len(set(written) & set(lettered))
    assert counters.retries > 0
    assert run.result.ok is (attempts == 30)
