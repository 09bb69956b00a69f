from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ValidationError
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from eventum_core import PluginContext, WriteError
from eventum_core.testing import OutputPluginContract, run_generator, validation_context
from eventum_core.testing.proxy import ForwardProxy
from eventum_output_http import HttpOutput, HttpOutputConfig

NOW = datetime(2025, 1, 2, tzinfo=UTC)
pytestmark = pytest.mark.anyio


class Sink:
    """Records request bodies; answers with the next scripted status (then `status`)."""

    def __init__(self, status: int = 201, script: tuple[int, ...] = ()) -> None:
        self.status, self.script = status, list(script)
        self.bodies: list[str] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
            status = self.script.pop(0) if self.script else self.status
            if status == self.status:
                self.bodies.append(request.get_data(as_text=True))
        return Response("ok" if status < 300 else "nope", status=status)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    http = HTTPServer(port=0)
    http.start()
    yield http
    if http.is_running():
        http.stop()


def validate(tmp_path: Path, data: dict[str, Any]) -> HttpOutputConfig:
    return HttpOutputConfig.model_validate(data, context=validation_context(tmp_path, now=NOW))


def make(tmp_path: Path, **data: Any) -> HttpOutput:
    context = PluginContext(generator_id="t", kind="output", name="http", index=0,
                            base_path=tmp_path, timezone=UTC, started_at=NOW)  # fmt: skip
    return HttpOutput(validate(tmp_path, data), context)


def serve(server: HTTPServer, sink: Sink, method: str = "POST") -> str:
    server.expect_request("/in", method=method).respond_with_handler(sink)
    return server.url_for("/in")


class TestHttpContract(OutputPluginContract):
    plugin_class = HttpOutput
    entry_point = "http"
    valid_config: ClassVar[dict[str, Any]] = {}

    @pytest.fixture(autouse=True)
    def _sink(self, server: HTTPServer) -> None:
        self.sink = Sink()
        self.url = serve(server, self.sink)

    def make_config(self, base_path: Path, **overrides: Any) -> BaseModel:
        return super().make_config(base_path, url=self.url, **overrides)

    def read_back(self, base_path: Path) -> list[str]:
        # The items of one write are sent concurrently (as in Eventum): arrival order is free.
        return sorted(self.sink.bodies, key=lambda body: int(body.split()[-1]))


def test_defaults_match_eventum(tmp_path: Path) -> None:
    config = validate(tmp_path, {"url": "http://example.test/in"})
    assert config.formatter.format == "json-batch"
    assert (config.method, config.success_code, config.headers) == ("POST", 201, {})
    assert (config.username, config.password) == (None, None)
    assert (config.connect_timeout, config.request_timeout, config.verify) == (10, 300, False)
    assert (config.ca_cert, config.client_cert, config.client_cert_key) == (None, None, None)
    assert config.proxy_url is None


@pytest.mark.parametrize(
    "data",
    [{}, {"url": "ftp://x"}, {"url": "http://x", "method": "TRACE"},
     {"url": "http://x", "success_code": 99}, {"url": "http://x", "client_cert": "c.pem"},
     {"url": "http://x", "password": "p"}],
)  # fmt: skip
def test_rejects(tmp_path: Path, data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate(tmp_path, data)


async def test_method_headers_and_basic_auth(tmp_path: Path, server: HTTPServer) -> None:
    sink = Sink(status=200)
    url = serve(server, sink, method="PUT")
    plugin = make(tmp_path, url=url, method="PUT", success_code=200, username="u",
                  password="p", headers={"X-Token": "t", "Content-Type": "application/json"})  # fmt: skip
    await plugin.open()
    await plugin.write(['[{"a":1}]', '[{"b":2}]'])
    await plugin.close()
    assert sorted(sink.bodies) == ['[{"a":1}]', '[{"b":2}]']
    request = sink.requests[0]
    assert request.authorization is not None
    assert (request.authorization.username, request.authorization.password) == ("u", "p")
    assert request.headers["X-Token"] == "t"
    assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (408, True),
                              (400, False), (404, False), (200, False)]
)  # fmt: skip
async def test_a_status_other_than_success_code_fails(
    tmp_path: Path, server: HTTPServer, status: int, retryable: bool
) -> None:
    plugin = make(tmp_path, url=serve(server, Sink(status=status)))
    await plugin.open()
    with pytest.raises(WriteError) as caught:
        await plugin.write(["x"])
    await plugin.close()
    assert (caught.value.retryable, caught.value.failed) == (retryable, None)
    assert f"HTTP {status}" in caught.value.reason


async def test_only_the_failed_items_are_reported(tmp_path: Path, server: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        return Response(status=400 if request.get_data(as_text=True) == "bad" else 201)

    server.expect_request("/in").respond_with_handler(handler)
    plugin = make(tmp_path, url=server.url_for("/in"), formatter={"format": "json"})
    await plugin.open()
    with pytest.raises(WriteError) as caught:
        await plugin.write(["a", "bad", "c", "bad"])
    await plugin.close()
    assert (caught.value.retryable, list(caught.value.failed or [])) == (False, [1, 3])


async def test_connection_refused_and_timeouts_are_retryable(
    tmp_path: Path, server: HTTPServer
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response(status=201)

    server.expect_request("/slow").respond_with_handler(slow)
    plugin = make(tmp_path, url=server.url_for("/slow"), request_timeout=0.5)
    await plugin.open()
    with pytest.raises(WriteError) as caught:
        await plugin.write(["x"])
    assert caught.value.retryable and "Timeout" in caught.value.reason
    await plugin.close()
    url = server.url_for("/in")
    server.stop()
    plugin = make(tmp_path, url=url, connect_timeout=1)
    await plugin.open()
    with pytest.raises(WriteError) as caught:
        await plugin.write(["x"])
    assert caught.value.retryable and "Connect" in caught.value.reason
    await plugin.close()


def tls_server(tls: Any, *, require_client: bool = False) -> HTTPServer:
    server = HTTPServer(port=0, ssl_context=tls.server_context(require_client=require_client))
    server.start()
    return server


async def test_tls_with_a_ca_file(tmp_path: Path, tls: Any) -> None:
    server = tls_server(tls)
    sink = Sink()
    try:
        url = serve(server, sink).replace("localhost", "127.0.0.1")
        for extra in ({"verify": True, "ca_cert": str(tls.ca)}, {"verify": False}):
            plugin = make(tmp_path, url=url, **extra)
            await plugin.open()
            await plugin.write(["secure"])
            await plugin.close()
        plugin = make(tmp_path, url=url, verify=True)
        await plugin.open()
        with pytest.raises(WriteError, match="CERTIFICATE_VERIFY_FAILED") as caught:
            await plugin.write(["x"])
        assert not caught.value.retryable
        await plugin.close()
    finally:
        server.stop()
    assert sink.bodies == ["secure", "secure"]


async def test_requests_go_through_the_proxy(tmp_path: Path, server: HTTPServer) -> None:
    sink = Sink()
    url = serve(server, sink).replace("localhost", "127.0.0.1")
    with ForwardProxy(tmp_path / "proxy") as proxy:
        plugin = make(tmp_path, url=url, proxy_url=proxy.url)
        await plugin.open()
        await plugin.write(["one", "two"])
        await plugin.close()
        forwarded = proxy.requests(port=server.port)
    assert sorted(sink.bodies) == ["one", "two"]
    assert forwarded == [f"POST {url}"] * 2


async def test_https_goes_through_the_proxy_in_a_connect_tunnel(tmp_path: Path, tls: Any) -> None:
    server = tls_server(tls)
    sink = Sink()
    try:
        url = serve(server, sink).replace("localhost", "127.0.0.1")
        with ForwardProxy(tmp_path / "proxy") as proxy:
            plugin = make(tmp_path, url=url, verify=True, ca_cert=str(tls.ca), proxy_url=proxy.url)
            await plugin.open()
            await plugin.write(["tunnelled"])
            await plugin.close()
            tunnelled = proxy.requests(port=server.port)
    finally:
        server.stop()
    assert sink.bodies == ["tunnelled"]
    assert tunnelled == [f"CONNECT 127.0.0.1:{server.port}"]


async def test_a_proxy_that_is_down_fails_retryable(tmp_path: Path, server: HTTPServer) -> None:
    sink = Sink()
    down = ForwardProxy(tmp_path / "proxy")  # never started: its port is free
    plugin = make(tmp_path, url=serve(server, sink), proxy_url=down.url, connect_timeout=1)
    await plugin.open()
    with pytest.raises(WriteError) as caught:
        await plugin.write(["a", "b"])
    await plugin.close()
    assert (caught.value.retryable, caught.value.failed) == (True, None)
    assert "ConnectError" in caught.value.reason
    assert sink.requests == []


def test_a_proxy_that_stays_down_writes_nothing(tmp_path: Path, server: HTTPServer) -> None:
    """Retried, then failed: no event is counted as written."""
    sink = Sink()
    down = ForwardProxy(tmp_path / "proxy")  # never started: its port is free
    output = {"url": serve(server, sink), "proxy_url": down.url, "connect_timeout": 1,
              "retry": {"attempts": 3, "initial_delay": 0.01}}  # fmt: skip
    run = run_generator(events_generator(tmp_path, 50, output), base_path=tmp_path,
                        collect=False, batch={"size": 50})  # fmt: skip
    counters = run.counters.outputs[0]
    assert not run.result.ok
    assert (counters.retries, counters.written, counters.write_failed) == (2, 0, 50)
    assert sink.requests == []


@pytest.mark.parametrize("verify", [True, False])
async def test_mutual_tls_with_a_client_certificate(tmp_path: Path, tls: Any, verify: bool) -> None:
    server = tls_server(tls, require_client=True)
    sink = Sink()
    try:
        url = serve(server, sink).replace("localhost", "127.0.0.1")
        plugin = make(tmp_path, url=url, verify=verify, ca_cert=str(tls.ca),
                      client_cert=str(tls.client_cert), client_cert_key=str(tls.client_key))  # fmt: skip
        await plugin.open()
        await plugin.write(["mutual"])
        await plugin.close()
    finally:
        server.stop()
    assert sink.bodies == ["mutual"]


@contextlib.contextmanager
def refusing_tls_server(context: ssl.SSLContext, connections: int) -> Iterator[str]:
    """The URL of a server whose TLS handshakes fail (a client certificate is missing) and that
    reads what the client sent before it closes, so the client always reads its alert. Werkzeug's
    server closes with the request unread, and with TLS 1.3, where the server checks the client
    certificate after the client has sent its request, the reset that follows usually destroys
    the alert first: the client then sees only a dropped connection."""
    listener = socket.create_server(("127.0.0.1", 0))

    def refuse() -> None:
        for _ in range(connections):
            raw, _ = listener.accept()
            connection = context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
            with contextlib.suppress(ssl.SSLError):
                connection.do_handshake()
            with socket.socket(fileno=connection.detach()) as plain, contextlib.suppress(OSError):
                plain.settimeout(10)
                plain.shutdown(socket.SHUT_WR)
                while plain.recv(65536):
                    pass

    refuser = threading.Thread(target=refuse, daemon=True)
    refuser.start()
    with listener:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}/in"
        refuser.join(10)


@pytest.mark.parametrize(
    ("version", "alert"),
    [(ssl.TLSVersion.TLSv1_3, "CERTIFICATE_REQUIRED"),
     (ssl.TLSVersion.TLSv1_2, "HANDSHAKE_FAILURE")],
    ids=["tls1.3", "tls1.2"],
)  # fmt: skip
async def test_a_missing_client_certificate_is_not_retried(
    tmp_path: Path, tls: Any, version: ssl.TLSVersion, alert: str
) -> None:
    """The server refuses the handshake: a config problem that a retry cannot fix."""
    context = tls.server_context(require_client=True)
    context.maximum_version = version
    with refusing_tls_server(context, connections=2) as url:
        plugin = make(tmp_path, url=url, verify=True, ca_cert=str(tls.ca))
        await plugin.open()
        with pytest.raises(WriteError) as caught:
            await plugin.write(["x", "y"])
        await plugin.close()
    assert (caught.value.retryable, caught.value.failed) == (False, None)
    assert alert in caught.value.reason


@contextlib.contextmanager
def hanging_up_server(*, reset: bool) -> Iterator[int]:
    """The port of a server that reads one request and closes the connection without an answer:
    with a reset (httpx then raises a ReadError whose message is empty) or a plain close."""
    listener = socket.create_server(("127.0.0.1", 0))

    def hang_up() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(10)
            request = b""
            while b"\r\n\r\nx" not in request:  # the headers and the one-byte body
                request += connection.recv(65536)
            if reset:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = threading.Thread(target=hang_up, daemon=True)
    server.start()
    with listener:
        yield listener.getsockname()[1]
        server.join(10)


@pytest.mark.parametrize(
    ("reset", "what"),
    [(True, "ReadError on POST {url}: the server closed the connection without answering ("),
     (False, "RemoteProtocolError on POST {url}: Server disconnected without sending a response")],
    ids=["reset", "closed"],
)  # fmt: skip
async def test_a_server_that_hangs_up_is_reported_with_what_happened(
    tmp_path: Path, reset: bool, what: str
) -> None:
    """httpx's ReadError has an empty message: the reason still says what happened and where,
    without the URL's credentials."""
    with hanging_up_server(reset=reset) as port:
        plugin = make(tmp_path, url=f"http://user:secret@127.0.0.1:{port}/in")
        await plugin.open()
        with pytest.raises(WriteError) as caught:
            await plugin.write(["x"])
        await plugin.close()
    assert caught.value.retryable
    assert caught.value.reason.startswith(what.format(url=f"http://127.0.0.1:{port}/in"))
    assert "secret" not in caught.value.reason


def events_generator(tmp_path: Path, count: int, output: dict[str, Any]) -> dict[str, Any]:
    (tmp_path / "produce.py").write_text(
        "import json\nn = 0\ndef produce(params):\n"
        "    global n\n    n += 1\n    return json.dumps({'id': n})\n"
    )
    return {
        "input": [{"static": {"count": count}}],
        "event": {"script": {"path": "produce.py"}},
        "output": [{"http": output}],
    }


def received_ids(sink: Sink) -> list[int]:
    return [item["id"] for body in sink.bodies for item in json.loads(body)]


def test_5xx_then_success_is_retried(tmp_path: Path, server: HTTPServer) -> None:
    sink = Sink(script=(503, 500))
    output = {"url": serve(server, sink), "retry": {"initial_delay": 0.01}}
    run = run_generator(events_generator(tmp_path, 300, output), base_path=tmp_path,
                        collect=False, batch={"size": 100}, keep_order=True)  # fmt: skip
    assert run.result.ok
    assert run.counters.outputs[0].retries == 2
    assert received_ids(sink) == list(range(1, 301))


def test_a_permanent_400_is_not_retried(tmp_path: Path, server: HTTPServer) -> None:
    sink = Sink(script=(400,))
    dead = tmp_path / "dead.jsonl"
    output = {"url": serve(server, sink), "dead_letter": str(dead)}
    run = run_generator(events_generator(tmp_path, 300, output), base_path=tmp_path,
                        collect=False, batch={"size": 100}, keep_order=True)  # fmt: skip
    counters = run.counters.outputs[0]
    assert not run.result.ok
    assert (counters.retries, counters.write_failed, counters.written) == (0, 100, 200)
    assert len(sink.requests) == 3
    letter = json.loads(dead.read_text().splitlines()[0])
    assert "HTTP 400" in letter["error"]
    assert len(json.loads(letter["event"])) == 100


@pytest.mark.parametrize("attempts", [30, 2])
def test_the_server_stops_mid_run_and_comes_back(
    tmp_path: Path, server: HTTPServer, attempts: int
) -> None:
    """Every event is written exactly once or dead-lettered, and the counters add up."""
    sink = Sink()
    url = serve(server, sink)

    def outage() -> None:
        server.stop()
        time.sleep(1.0)
        server.start()

    def handler(request: Request) -> Response:
        # The 6th request starts the outage and is refused with a 503: no answer is ambiguous.
        with sink.lock:
            first = len(sink.requests) >= 5 and not started
            if first:
                started.append(True)
                sink.requests.append(request)
        if first:
            watcher.start()
            return Response(status=503)
        return sink(request)

    started: list[bool] = []
    watcher = threading.Thread(target=outage, daemon=True)
    server.clear()
    server.expect_request("/in").respond_with_handler(handler)
    dead = tmp_path / "dead.jsonl"
    output = {"url": url, "connect_timeout": 1, "dead_letter": str(dead),
              "retry": {"attempts": attempts, "initial_delay": 0.05, "max_delay": 0.2}}  # fmt: skip
    run = run_generator(events_generator(tmp_path, 20_000, output), base_path=tmp_path,
                        collect=False, batch={"size": 200})  # fmt: skip
    watcher.join(10)
    counters = run.counters.outputs[0]
    written = received_ids(sink)
    lettered = [item["id"] for line in (dead.read_text().splitlines() if dead.exists() else [])
                for item in json.loads(json.loads(line)["event"])]  # fmt: skip
    assert len(written) == len(set(written)) == counters.written
    assert len(lettered) == counters.write_failed == counters.dead_lettered
    assert sorted(written + lettered) == list(range(1, 20_001))
    assert counters.retries > 0
    assert run.result.ok is (attempts == 30)
