"""MCP over Streamable HTTP, served by a real `eventum run` (see conftest.py) and used through the
MCP SDK's own streamable-HTTP client."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import yaml

from eventum_mcp.testing import INITIALIZE, Client
from eventum_server.service import GRACEFUL_SHUTDOWN

from .conftest import (
    PASSWORD,
    USER,
    Server,
    connect,
    free_port,
    launch,
    make_instance,
    mcp_instance,
    talk,
)

LIVE_TOOLS = {
    "list_generators_live",
    "get_generator_status",
    "get_generator_stats",
    "get_generator_logs",
    "start_generator",
    "stop_generator",
    "register_generator",
    "unregister_generator",
    "list_startup_generators",
    "list_scenarios",
    "get_scenario",
    "add_generator_to_scenario",
    "remove_generator_from_scenario",
    "rename_scenario",
    "delete_scenario",
    "get_global_state",
    "get_global_state_key",
    "set_global_state",
    "delete_global_state_key",
    "clear_global_state",
    "get_instance_logs",
    "update_settings",
    "restart_instance",
    "stop_instance",
}
RELAY = """\
input:
  - linspace: {start: "2024-01-01T00:00:00", end: "2024-01-01T00:00:04", count: 5}
event:
  template:
    mode: all
    templates:
      - relay: {template: relay.jinja}
output:
  - file: {path: "${params.out}"}
"""
# Reads `greeting` from globals and counts its events in `relays`, for the other generators.
RELAY_TEMPLATE = (
    "{{ globals.get('greeting', 'none') }}"
    "{{ globals.set('relays', globals.get('relays', 0) + 1) or '' }}"
)
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """MCP at /mcp, writes allowed, only 127.0.0.1 (any port) as Host."""
    root = tmp_path_factory.mktemp("mcp-writable")
    settings = "server.mcp: {enabled: true, allow_write: true, allowed_hosts: ['127.0.0.1:*']}\n"
    yield from launch(root, mcp_instance(root, settings))


def leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def wait_for(check: Callable[[], Awaitable[Any]], timeout: float = 20.0) -> Awaitable[Any]:
    async def poll() -> Any:
        with anyio.fail_after(timeout):
            while not (value := await check()):
                await anyio.sleep(0.1)
            return value

    return poll()


def test_mcp_needs_the_api_credentials(writable: Server) -> None:
    url = f"{writable.url}/mcp"
    for auth in (None, (USER, "wrong"), ("intruder", PASSWORD)):
        response = httpx.post(url, json=INITIALIZE, headers=MCP_HEADERS, auth=auth)
        assert response.status_code == 401, auth
        assert response.headers["www-authenticate"].startswith("Basic")

    with pytest.raises(BaseExceptionGroup) as refused:  # the SDK client's task groups
        talk(url, lambda client: anyio.sleep(0), auth=(USER, "wrong"))
    statuses = [e.response.status_code for e in leaves(refused.value) if hasattr(e, "response")]
    assert statuses == [401], leaves(refused.value)

    # Studio's session cookie is accepted as the API accepts it.
    login = httpx.post(f"{writable.url}/api/auth/login", auth=(USER, PASSWORD))
    cookies = {"session_id": login.cookies["session_id"]}

    async def scenario(client: Client) -> None:
        assert isinstance(await client.call("list_generators_live"), list)

    talk(url, scenario, auth=None, cookies=cookies)


def test_tools_resources_and_prompts_over_http(writable: Server) -> None:
    async def scenario(client: Client) -> None:
        tools = {t.name: t for t in (await client.session.list_tools()).tools}
        assert set(tools) >= LIVE_TOOLS
        assert {"write_generator_file", "validate_generator", "run_generator"} <= set(tools)
        assert tools["start_generator"].annotations.readOnlyHint is False
        assert tools["unregister_generator"].annotations.destructiveHint is True
        assert tools["get_generator_logs"].annotations.readOnlyHint is True
        assert tools["get_scenario"].annotations.readOnlyHint is True
        assert tools["clear_global_state"].annotations.destructiveHint is True
        assert tools["update_settings"].annotations.readOnlyHint is False
        resources = {str(r.uri) for r in (await client.session.list_resources()).resources}
        assert "eventum://templating/reference" in resources
        assert {"eventum://instance/info", "eventum://instance/settings"} <= resources
        reference = await client.session.read_resource("eventum://templating/reference")
        assert "module.rand" in reference.contents[0].text  # type: ignore[union-attr]
        prompts = {p.name for p in (await client.session.list_prompts()).prompts}
        assert prompts == {"create_generator", "live_ops"}
        live_ops = await client.session.get_prompt("live_ops")
        guide = live_ops.messages[0].content.text  # type: ignore[union-attr]
        for named in ("register_generator", "add_generator_to_scenario", "set_global_state"):
            assert named in guide
        assert "eventum://instance/settings" in guide
        # The authoring tools work on the instance's generators folder.
        assert "ticker" in await client.call("list_generators")

    talk(f"{writable.url}/mcp", scenario)


def test_a_generator_registered_started_watched_stopped_and_unregistered(
    writable: Server,
) -> None:
    out = writable.root / "ticker.out"
    startup = writable.root / "startup.yml"

    async def scenario(client: Client) -> None:
        registered = await client.call(
            "register_generator", name="ticker", params={"out": str(out)}, autostart=False
        )
        assert registered == {"id": "ticker", "registered": True}
        entries = yaml.safe_load(startup.read_text())
        assert entries == [
            {"id": "ticker", "path": "ticker", "params": {"out": str(out)}, "autostart": False}
        ]
        assert [e["id"] for e in await client.call("list_startup_generators")] == ["ticker"]
        assert "already" in await client.fails("register_generator", name="ticker")
        (status,) = await client.call("list_generators_live")
        assert (status["id"], status["status"], status["path"]) == (
            "ticker",
            "idle",
            "ticker/generator.yml",
        )

        assert (await client.call("start_generator", generator_id="ticker"))["started"] is True

        async def written() -> int:
            stats = await client.call("get_generator_stats", generator_id="ticker")
            assert stats["status"] in ("starting", "running"), stats
            return int(stats.get("total_written", 0))

        assert await wait_for(written) > 0
        status = await client.call("get_generator_status", generator_id="ticker")
        assert status["status"] == "running"
        assert status["is_running"] is True
        logs = await client.call("get_generator_logs", generator_id="ticker", lines=5)
        assert any("generator started" in line for line in logs["lines"]), logs
        assert len(logs["lines"]) <= 5

        stopped = await client.call("stop_generator", generator_id="ticker")
        assert (stopped["stopped"], stopped["status"]) == (True, "stopped")
        stats = await client.call("get_generator_stats", generator_id="ticker")
        assert stats["total_written"] == len(out.read_text().splitlines())

        assert await client.call("unregister_generator", generator_id="ticker") == {
            "id": "ticker",
            "unregistered": True,
        }
        assert await client.call("list_generators_live") == []
        assert "not found" in await client.fails("get_generator_status", generator_id="ticker")
        assert "neither" in await client.fails("unregister_generator", generator_id="ticker")

    talk(f"{writable.url}/mcp", scenario)
    assert yaml.safe_load(startup.read_text()) == []
    assert out.read_text().startswith("tick ")


def test_scenario_membership_round_trips_through_startup_yml(writable: Server) -> None:
    startup = writable.root / "startup.yml"
    before = startup.read_text()
    startup.write_text("- {id: a, path: ticker, scenarios: [alpha]}\n- {id: b, path: ticker}\n")

    def scenarios_in_file() -> dict[str, list[str]]:
        return {e["id"]: e.get("scenarios", []) for e in yaml.safe_load(startup.read_text())}

    async def scenario(client: Client) -> None:
        assert await client.call("list_scenarios") == ["alpha"]
        assert await client.call("get_scenario", scenario="alpha") == {
            "name": "alpha",
            "generator_ids": ["a"],
        }
        assert await client.call(
            "add_generator_to_scenario", generator_id="b", scenario="alpha"
        ) == {"generator_id": "b", "scenario": "alpha", "added": True}
        assert scenarios_in_file() == {"a": ["alpha"], "b": ["alpha"]}
        with writable.client() as api:  # the REST API reads the same file
            assert api.get("/api/scenarios/alpha").json()["generator_ids"] == ["a", "b"]
        assert "already in scenario" in await client.fails(
            "add_generator_to_scenario", generator_id="b", scenario="alpha"
        )
        assert "not found" in await client.fails(
            "add_generator_to_scenario", generator_id="nobody", scenario="alpha"
        )
        assert "not found" in await client.fails("get_scenario", scenario="omega")

        renamed = await client.call("rename_scenario", scenario="alpha", new_name="beta")
        assert renamed == {
            "scenario": "alpha",
            "new_name": "beta",
            "renamed": True,
            "generator_ids": ["a", "b"],
        }
        assert await client.call(
            "remove_generator_from_scenario", generator_id="a", scenario="beta"
        ) == {"generator_id": "a", "scenario": "beta", "removed": True}
        assert scenarios_in_file() == {"a": [], "b": ["beta"]}
        assert "scenarios" not in yaml.safe_load(startup.read_text())[0]  # as Eventum writes it
        assert await client.call("delete_scenario", scenario="beta") == {
            "scenario": "beta",
            "deleted": True,
            "generator_ids": ["b"],
        }
        assert await client.call("list_scenarios") == []
        assert "not found" in await client.fails("delete_scenario", scenario="beta")
        assert await client.fails("add_generator_to_scenario", generator_id="a", scenario="")

    try:
        talk(f"{writable.url}/mcp", scenario)
        assert scenarios_in_file() == {"a": [], "b": []}
    finally:
        startup.write_text(before)


def test_globals_written_by_a_template_are_read_and_values_set_reach_the_next_run(
    writable: Server,
) -> None:
    relay = writable.root / "gens" / "relay"
    relay.mkdir()
    (relay / "generator.yml").write_text(RELAY)
    (relay / "relay.jinja").write_text(RELAY_TEMPLATE)
    out = writable.root / "relay.out"

    async def run_to_the_end(client: Client) -> None:
        assert (await client.call("start_generator", generator_id="relay"))["started"]

        async def finished() -> bool:
            status = await client.call("get_generator_status", generator_id="relay")
            assert status["status"] in ("starting", "running", "finished"), status
            return bool(status["status"] == "finished")

        await wait_for(finished)

    async def scenario(client: Client) -> None:
        assert await client.call("clear_global_state") == {"cleared": True}
        await client.call(
            "register_generator",
            name="relay",
            params={"out": str(out)},
            execution={"live_mode": False},
            autostart=False,
        )
        await run_to_the_end(client)
        assert await client.call("get_global_state_key", key="relays") == 5
        assert out.read_text().splitlines() == ["none"] * 5

        updated = await client.call("set_global_state", content={"greeting": "hi", "n": [1]})
        assert updated == {"updated": ["greeting", "n"]}
        await run_to_the_end(client)
        assert out.read_text().splitlines()[5:] == ["hi"] * 5
        assert await client.call("get_global_state") == {"relays": 10, "greeting": "hi", "n": [1]}

        assert await client.call("delete_global_state_key", key="relays") == {"deleted": "relays"}
        assert "not found" in await client.fails("get_global_state_key", key="relays")
        await client.call("clear_global_state")
        assert await client.call("get_global_state") == {}
        await client.call("unregister_generator", generator_id="relay")

    talk(f"{writable.url}/mcp", scenario)


def test_instance_info_settings_logs_update_restart_and_stop(tmp_path: Path) -> None:
    """On an instance of its own: restart and stop end it."""
    settings = "server.mcp: {enabled: true, allow_write: true}\n"
    config = mcp_instance(tmp_path, settings)
    instance = launch(tmp_path, config)
    server = next(instance)
    url = f"{server.url}/mcp"
    try:

        async def look(client: Client) -> None:
            info = await client.resource("eventum://instance/info")
            assert info["pid"] == server.process.pid
            assert info["config_path"] == "eventum.yml"  # no absolute path
            shown = await client.resource("eventum://instance/settings")
            assert shown["server"]["auth"] == {"user": "[redacted]", "password": "[redacted]"}
            assert shown["path"]["generators_dir"] == "gens"
            assert shown["server"]["port"] == int(server.url.rsplit(":", 1)[1])
            assert shown["log"]["backups"] == 5
            for text in (json.dumps(info), json.dumps(shown)):
                assert PASSWORD not in text and str(tmp_path) not in text

            with (tmp_path / "logs" / "main.log").open("a") as log:
                log.write(f"password {PASSWORD} in {tmp_path}/gens/ticker\n")
            logs = await client.call("get_instance_logs", lines=2)
            assert logs["channel"] == "main" and len(logs["lines"]) == 2
            assert logs["lines"][-1] == "password [redacted] in ticker"
            assert "channel" in await client.fails("get_instance_logs", channel="server")

            assert "server.auth" in await client.fails(
                "update_settings", patch={"server": {"auth": {"password": "x"}}}
            )
            # Failures are logged, as in Eventum, to the instance's log.
            logged = (await client.call("get_instance_logs", lines=5))["lines"]
            assert any(
                "tool=update_settings" in line and "transport=http" in line for line in logged
            )
            assert "server.port" in await client.fails("update_settings", patch={"server.port": -1})
            assert await client.call("update_settings", patch={"log.backups": 3}) == {
                "updated": True,
                "restart_required": True,
            }
            written = yaml.safe_load(config.read_text())
            assert (written["log"]["backups"], written["server"]["auth"]["password"]) == (
                3,
                PASSWORD,
            )
            shown = await client.resource("eventum://instance/settings")
            assert shown["log"]["backups"] == 5  # on restart
            assert await client.call("restart_instance") == {"restarting": True}

        talk(url, look)

        async def restarted() -> Any:
            try:
                async with connect(url) as client:
                    shown = await client.resource("eventum://instance/settings")
            except (BaseExceptionGroup, httpx.HTTPError):
                return None  # still restarting
            return shown["log"]["backups"] == 3

        anyio.run(wait_for, restarted, 30.0)

        async def stop(client: Client) -> None:
            assert await client.call("stop_instance") == {"stopping": True}

        talk(url, stop)
        assert server.process.wait(30) == 0
    finally:
        instance.close()


def test_writes_are_refused_unless_allow_write(read_only: Server) -> None:
    url = f"{read_only.url}/assistant/mcp"
    startup_before = (read_only.root / "startup.yml").read_text()

    async def scenario(client: Client) -> None:
        refusals = [
            await client.fails("register_generator", name="ticker"),
            await client.fails("start_generator", generator_id="ticker"),
            await client.fails("stop_generator", generator_id="ticker"),
            await client.fails("unregister_generator", generator_id="ticker"),
            await client.fails(
                "write_generator_file", name="ticker", relative_path="a.yml", content=""
            ),
            await client.fails("delete_generator", name="ticker"),
            await client.fails("run_generator", name="ticker", timeout_seconds=1),
            await client.fails("add_generator_to_scenario", generator_id="ticker", scenario="a"),
            await client.fails(
                "remove_generator_from_scenario", generator_id="ticker", scenario="a"
            ),
            await client.fails("rename_scenario", scenario="a", new_name="b"),
            await client.fails("delete_scenario", scenario="a"),
            await client.fails("set_global_state", content={"a": 1}),
            await client.fails("delete_global_state_key", key="a"),
            await client.fails("clear_global_state"),
            await client.fails("update_settings", patch={"log": {"level": "debug"}}),
            await client.fails("restart_instance"),
            await client.fails("stop_instance"),
        ]
        assert all("server.mcp.allow_write is false" in r for r in refusals), refusals
        # Reading still works.
        assert await client.call("list_generators_live") == []
        assert await client.call("list_startup_generators") == []
        assert await client.call("list_scenarios") == []
        assert "a" not in await client.call("get_global_state")
        assert (await client.call("get_instance_logs", lines=1))["channel"] == "main"
        assert (await client.call("validate_generator", name="ticker", params={"out": "x"}))[
            "valid"
        ]

    talk(url, scenario)
    assert read_only.process.poll() is None  # neither stopped nor restarted
    assert (read_only.root / "startup.yml").read_text() == startup_before
    assert (read_only.root / "gens" / "ticker" / "generator.yml").exists()


def test_hosts_outside_allowed_hosts_are_refused(writable: Server, read_only: Server) -> None:
    url = f"{writable.url}/mcp"
    auth = (USER, PASSWORD)
    rebound = {**MCP_HEADERS, "Host": "attacker.example"}
    assert httpx.post(url, json=INITIALIZE, headers=rebound, auth=auth).status_code == 421
    foreign = {**MCP_HEADERS, "Origin": "http://attacker.example"}
    assert httpx.post(url, json=INITIALIZE, headers=foreign, auth=auth).status_code == 403
    same = {**MCP_HEADERS, "Origin": writable.url}
    assert httpx.post(url, json=INITIALIZE, headers=same, auth=auth).status_code == 200
    # Without allowed_hosts there is no check.
    open_url = f"{read_only.url}/assistant/mcp"
    assert httpx.post(open_url, json=INITIALIZE, headers=rebound, auth=auth).status_code == 200


def test_the_path_setting_is_honoured(read_only: Server) -> None:
    auth = (USER, PASSWORD)
    assert httpx.get(f"{read_only.url}/mcp", auth=auth).status_code == 404
    url = f"{read_only.url}/assistant/mcp"
    for at in (url, f"{url}/"):  # with or without the trailing slash
        assert httpx.post(at, json=INITIALIZE, headers=MCP_HEADERS, auth=auth).status_code == 200
    # The API goes on beside MCP.
    assert httpx.get(f"{read_only.url}/api/generators/", auth=auth).json() == []


def test_mcp_alone_without_the_api_or_studio(tmp_path: Path) -> None:
    """As in Eventum, MCP is its own switch: with the API and Studio off, only MCP is served."""
    settings = "server.api_enabled: false\nserver.ui_enabled: false\nserver.mcp.enabled: true\n"
    instance = launch(tmp_path, mcp_instance(tmp_path, settings), api=False)
    server = next(instance)
    try:
        auth = (USER, PASSWORD)
        for path in ("/api/healthz", "/api/generators/", "/api/swagger", "/"):
            assert httpx.get(f"{server.url}{path}", auth=auth).status_code == 404, path

        async def scenario(client: Client) -> None:
            assert await client.call("list_generators") == ["script", "ticker", "timer"]

        talk(f"{server.url}/mcp", scenario)
    finally:
        instance.close()


def test_without_mcp_enabled_there_is_no_mcp_and_its_sdk_is_not_loaded(tmp_path: Path) -> None:
    config = make_instance(tmp_path, free_port())  # server.mcp left out: disabled
    check = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from starlette.testclient import TestClient\n"
        "from eventum_core.app.application import Application\n"
        "from eventum_server.app import create_app\n"
        f"app = create_app(Application.from_config(Path({str(config)!r})))\n"
        f"status = TestClient(app).get('/mcp', auth=({USER!r}, {PASSWORD!r})).status_code\n"
        "loaded = sorted(m for m in ('mcp', 'eventum_mcp') if m in sys.modules)\n"
        "print(json.dumps([status, loaded]))\n"
    )
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == [404, []]


def test_a_missing_eventum_mcp_is_a_one_line_startup_error(tmp_path: Path) -> None:
    config = mcp_instance(tmp_path, "server.mcp.enabled: true\n")
    blocked = (
        "import sys\n"
        "sys.modules['eventum_mcp'] = None  # as if eventum-mcp were not installed\n"
        "from pathlib import Path\n"
        "from eventum_core.app.main import run_application\n"
        f"sys.exit(run_application(Path({str(config)!r})))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1
    assert "pip install 'eventum-server[mcp]'" in run.stderr, run.stderr


def test_eventum_stops_at_once_while_a_client_holds_its_event_stream(tmp_path: Path) -> None:
    """The stream an MCP client keeps open is ended, not waited for and then cut."""
    instance = launch(tmp_path, mcp_instance(tmp_path, "server.mcp.enabled: true\n"))
    server = next(instance)
    try:

        async def scenario(client: Client) -> None:
            await client.call("list_generators_live")
            await anyio.sleep(0.3)  # the client has opened its GET event stream by now
            began = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            code = await anyio.to_thread.run_sync(server.process.wait, 30)
            assert (code, time.monotonic() - began < GRACEFUL_SHUTDOWN) == (0, True)

        talk(f"{server.url}/mcp", scenario)
    finally:
        instance.close()
    log = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in log and "graceful shutdown exceeded" not in log, log
    assert "Processing request" not in log  # the SDK's INFO lines: third-party level
