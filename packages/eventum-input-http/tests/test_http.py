from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import numpy as np
import pytest
from pydantic import ValidationError

from eventum_core import InputPlugin, PluginContext, UserError
from eventum_core.testing import InputPluginContract, validation_context
from eventum_core.testing.net import free_port
from eventum_input_http import HttpConfig, HttpInput

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def make(tmp_path: Path, **data: Any) -> HttpInput:
    data = {"host": "127.0.0.1", "port": free_port(), **data}
    config = HttpConfig.model_validate(data, context=validation_context(tmp_path, now=NOW))
    context = PluginContext(
        generator_id="t",
        kind="input",
        name="http",
        index=0,
        base_path=tmp_path,
        timezone=UTC,
        started_at=NOW,
    )
    return HttpInput(config, context)


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[HttpInput]:
    plugin = make(tmp_path)
    yield plugin
    plugin.stop()


def url(plugin: HttpInput, path: str) -> str:
    return f"http://127.0.0.1:{plugin.port}{path}"


def post(plugin: HttpInput, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(url(plugin, path), timeout=5, **kwargs)


class Consumer:
    """Runs `generate` in a thread, as core does, and keeps what it yields."""

    def __init__(self, plugin: HttpInput, size: int = 1000) -> None:
        self.chunks: list[np.ndarray] = []
        self.thread = threading.Thread(target=self._run, args=(plugin, size), daemon=True)
        self.thread.start()

    def _run(self, plugin: HttpInput, size: int) -> None:
        for chunk in plugin.generate(size):
            self.chunks.append(chunk)

    def finish(self, timeout: float = 5) -> np.ndarray:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "generate did not end"
        return np.concatenate(self.chunks) if self.chunks else np.array([], "datetime64[us]")


def test_is_an_interactive_input_plugin(plugin: HttpInput) -> None:
    assert isinstance(plugin, InputPlugin)
    assert HttpInput.interactive is True


def test_generate_request_yields_count_timestamps_of_now(plugin: HttpInput) -> None:
    before = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "us")
    response = post(plugin, "/generate", json={"count": 3})
    after = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "us")
    assert response.status_code == 201
    assert response.json() == {"count": 3}
    chunk = next(plugin.generate(100))
    assert chunk.dtype == np.dtype("datetime64[us]")
    assert len(chunk) == 3
    assert len(set(chunk.tolist())) == 1
    assert before <= chunk[0] <= after


def test_a_request_is_split_by_size_and_requests_are_combined(plugin: HttpInput) -> None:
    assert post(plugin, "/generate", json={"count": 5}).status_code == 201
    assert post(plugin, "/generate", json={"count": 4}).status_code == 201
    assert post(plugin, "/stop").status_code == 200
    chunks = list(plugin.generate(3))
    assert [len(c) for c in chunks] == [3, 3, 3]
    stamps = np.concatenate(chunks)
    assert np.all(np.diff(stamps.astype(np.int64)) >= 0)
    assert stamps[0] == stamps[4]
    assert stamps[5] == stamps[8]


def test_generate_waits_for_requests(plugin: HttpInput) -> None:
    consumer = Consumer(plugin)
    time.sleep(0.2)
    assert consumer.thread.is_alive()
    assert consumer.chunks == []
    assert post(plugin, "/generate", json={"count": 2}).status_code == 201
    deadline = time.monotonic() + 5
    while not consumer.chunks and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [len(c) for c in consumer.chunks] == [2]
    post(plugin, "/stop")
    consumer.finish()


def test_concurrent_requests_all_arrive(plugin: HttpInput) -> None:
    consumer = Consumer(plugin, size=50)
    counts = list(range(1, 41))

    def send(count: int) -> int:
        return post(plugin, "/generate", json={"count": count}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(send, counts))
    assert statuses == [201] * len(counts)
    assert post(plugin, "/stop").status_code == 200
    stamps = consumer.finish()
    assert len(stamps) == sum(counts)
    assert np.all(np.diff(stamps.astype(np.int64)) >= 0)
    assert all(0 < len(c) <= 50 for c in consumer.chunks)


def test_a_burst_of_hundreds_of_clients_is_answered_and_every_event_arrives(
    tmp_path: Path,
) -> None:
    """400 clients, each on its own connection, connect at once: none is reset (socketserver's
    listen backlog of 5 reset dozens of them), every one gets 201, every timestamp comes."""
    clients = 400
    plugin = make(tmp_path, max_pending_requests=clients)
    counts = [1 + i % 7 for i in range(clients)]
    answers: list[int | str] = []

    async def send(client: httpx.AsyncClient, count: int) -> None:
        try:
            response = await client.post(url(plugin, "/generate"), json={"count": count})
            answers.append(response.status_code)
        except httpx.TransportError as error:
            answers.append(repr(error))

    async def burst() -> None:
        no_reuse = httpx.Limits(max_connections=None, max_keepalive_connections=0)
        async with (
            httpx.AsyncClient(timeout=60, limits=no_reuse) as client,
            anyio.create_task_group() as group,
        ):
            for count in counts:
                group.start_soon(send, client, count)

    try:
        consumer = Consumer(plugin, size=100)
        anyio.run(burst)
        assert [answer for answer in answers if answer != 201] == []
        assert len(answers) == clients
        assert post(plugin, "/stop").status_code == 200
        assert len(consumer.finish(timeout=30)) == sum(counts)
    finally:
        plugin.stop()


def test_too_many_pending_requests_is_429(tmp_path: Path) -> None:
    plugin = make(tmp_path, max_pending_requests=2)
    try:
        assert post(plugin, "/generate", json={"count": 1}).status_code == 201
        assert post(plugin, "/generate", json={"count": 1}).status_code == 201
        refused = post(plugin, "/generate", json={"count": 1})
        assert refused.status_code == 429
        assert "2 requests" in refused.json()["detail"]
        chunks = plugin.generate(1)
        next(chunks)  # one request consumed: room for one more
        assert post(plugin, "/generate", json={"count": 1}).status_code == 201
        assert post(plugin, "/generate", json={"count": 1}).status_code == 429
    finally:
        plugin.stop()


def test_stop_request_drains_accepted_then_ends_and_refuses_more(plugin: HttpInput) -> None:
    assert post(plugin, "/generate", json={"count": 2}).status_code == 201
    response = post(plugin, "/stop")
    assert response.status_code == 200
    conflict = post(plugin, "/generate", json={"count": 1})
    assert conflict.status_code == 409
    assert "stopping" in conflict.json()["detail"]
    assert sum(len(c) for c in plugin.generate(10)) == 2


def test_stop_ends_a_waiting_generate_and_closes_the_socket(tmp_path: Path) -> None:
    plugin = make(tmp_path)
    consumer = Consumer(plugin)
    assert post(plugin, "/generate", json={"count": 1}).status_code == 201
    time.sleep(0.1)
    began = time.monotonic()
    plugin.stop()
    consumer.finish(timeout=2)
    assert time.monotonic() - began < 2
    with pytest.raises(httpx.ConnectError):
        post(plugin, "/generate", json={"count": 1})
    plugin.stop()  # twice is fine


def test_stop_drops_requests_not_yet_consumed(tmp_path: Path) -> None:
    plugin = make(tmp_path)
    assert post(plugin, "/generate", json={"count": 5}).status_code == 201
    plugin.stop()
    assert list(plugin.generate(10)) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"", "body"),
        (b"[1]", "body"),
        (b'{"count": 0}', "count: Input should be greater than or equal to 1"),
        (b'{"count": -5}', "greater than or equal to 1"),
        (b'{"count": "many"}', "count"),
        (b"{}", "count: Field required"),
        (b'{"count": 1, "extra": true}', "extra: Extra inputs are not permitted"),
    ],
)
def test_bad_body_is_422_with_reason(plugin: HttpInput, body: bytes, reason: str) -> None:
    response = post(plugin, "/generate", content=body)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_unknown_path_and_method(plugin: HttpInput) -> None:
    assert post(plugin, "/nope", json={}).status_code == 404
    assert httpx.get(url(plugin, "/generate"), timeout=5).status_code == 405


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match=f"cannot listen on 127.0.0.1:{port}"):
            make(tmp_path, port=port)


def test_defaults_and_tags() -> None:
    config = HttpConfig(port=8080)
    assert config.host == "0.0.0.0"
    assert config.max_pending_requests == 100
    assert config.tags == ()
    assert HttpConfig(port=1, tags=["api"]).tags == ("api",)


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_port_range(port: int) -> None:
    with pytest.raises(ValidationError, match="port"):
        HttpConfig(port=port)


def test_port_bounds_accepted() -> None:
    assert HttpConfig(port=65535).port == 65535
    assert HttpConfig(port=1).port == 1


def test_port_required() -> None:
    with pytest.raises(ValidationError, match="port"):
        HttpConfig.model_validate({})


def test_max_pending_requests_at_least_one() -> None:
    with pytest.raises(ValidationError, match="max_pending_requests"):
        HttpConfig(port=80, max_pending_requests=0)


def test_unknown_field_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        HttpConfig.model_validate({"port": 80, "path": "/x"})


class TestHttpContract(InputPluginContract):
    plugin_class = HttpInput
    entry_point = "http"
    valid_config = {"host": "127.0.0.1", "port": 8080}

    def make_plugin(self, base_path: Path, **context_fields: Any) -> HttpInput:
        """A plugin on a free port with requests waiting and a stop requested, so that the
        suite's `generate` ends."""
        plugin = make(base_path)
        for count in (1, 5, 20):
            post(plugin, "/generate", json={"count": count})
        post(plugin, "/stop")
        return plugin
