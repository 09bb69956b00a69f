"""Real `eventum run` instances on free ports (the API tests share one, `server`), what the test
modules share to drive them (MCP sessions, Studio in Debian's Chromium, git hosting and GitHub's
search answered locally, see git_hosting.py), and small waiting helpers."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from pytest_httpserver import HTTPServer

from eventum_core.testing.net import free_port, stop_server
from eventum_core.testing.system import system_program
from eventum_mcp.testing import Client
from eventum_server.discovery import API_URL_ENV

from .git_hosting import GIT_PASSWORD, SECRET_NAME, GitFiles, GitHost

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

USER, PASSWORD = "admin", "test-password"

TIMER_GENERATOR = """\
input:
  - timer: {seconds: 0.1, count: 20}
event:
  template:
    mode: all
    templates:
      - line: {template: line.jinja}
output:
  - file: {path: ${params.out}}
"""

TICKER = """\
input:
  - linspace: {start: now, end: +1h, count: 36000}
event:
  template:
    mode: all
    templates:
      - tick: {template: tick.jinja}
output:
  - file: {path: "${params.out}"}
"""

SCENARIO_GENERATOR = """\
input:
  - static: {count: 1}
event:
  template:
    mode: all
    params: {user: bob}
    templates:
      - main: {template: main.jinja}
output:
  - file: {path: ${params.out}}
"""
WRITER = "{% do globals.set('session', 'S-' ~ params.user) %}set {{ globals.get('session') }}\n"
READER = "{{ globals['session'] }}\n"

STARTUP = """\
- id: writer
  path: writer
  live_mode: false
  params: {{out: {root}/writer.out}}
  scenarios: [corp]
- id: reader
  path: reader
  live_mode: false
  autostart: false
  params: {{out: {root}/reader.out}}
  scenarios: [corp]
- id: outsider
  path: reader
  live_mode: false
  autostart: false
  params: {{out: {root}/outsider.out}}
  scenarios: [other]
- id: loner
  path: reader
  live_mode: false
  autostart: false
  params: {{out: {root}/loner.out}}
"""

SCRIPT_GENERATOR = """\
input:
  - linspace: {start: now, end: +10m, count: 60000}
event:
  script: {path: produce.py}
output:
  - file: {path: ${params.out}}
    # the secret proves run mode resolves ${secrets.x} from the cryptfile
  - file: {path: "${params.out}.${secrets.suffix}"}
"""


@dataclass
class Server:
    root: Path
    url: str
    process: subprocess.Popen[bytes]

    def client(self, *, auth: bool = True) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(USER, PASSWORD) if auth else None, timeout=30)


def make_instance(root: Path, port: int) -> Path:
    gens = root / "gens"
    (gens / "timer").mkdir(parents=True)
    (gens / "timer" / "generator.yml").write_text(TIMER_GENERATOR)
    (gens / "timer" / "line.jinja").write_text(
        "{{ timestamp }} {% set n = shared.get('n', 0) + 1 %}{{ shared.set('n', n) or n }}"
    )
    (gens / "script").mkdir()
    (gens / "script" / "generator.yml").write_text(SCRIPT_GENERATOR)
    (gens / "script" / "produce.py").write_text(
        "def produce(params):\n    return 'script ' + params['timestamp'].isoformat()\n"
    )
    (root / "startup.yml").write_text(
        f"- id: timer\n  path: timer\n  params: {{out: {root / 'timer.out'}}}\n"
        f"- id: script\n  path: script/generator.yml\n  params.out: {root / 'script.out'}\n"
    )
    config = root / "eventum.yml"
    config.write_text(
        f"server:\n  host: 127.0.0.1\n  port: {port}\n  max_body_bytes: 65536\n"
        f"  auth: {{user: {USER}, password: {PASSWORD}}}\n"
        "generation: {}\nlog.level: info\n"
        f"path.logs: {root / 'logs'}\npath.startup: {root / 'startup.yml'}\n"
        f"path.generators_dir: {gens}\npath.keyring_cryptfile: {root / 'keyring.cfg'}\n"
    )
    return config


def scenario_instance(root: Path) -> Path:
    """An instance whose `writer` sets a global that three `reader`s print: one in its scenario
    (`corp`), one in another (`other`), one in none. Only the writer starts by itself."""
    config = make_instance(root, free_port())
    for name, template in (("writer", WRITER), ("reader", READER)):
        folder = root / "gens" / name
        folder.mkdir()
        (folder / "generator.yml").write_text(SCENARIO_GENERATOR)
        (folder / "main.jinja").write_text(template)
    (root / "startup.yml").write_text(STARTUP.format(root=root))
    return config


def mcp_instance(root: Path, settings: str) -> Path:
    """conftest's instance (Studio on) with `settings` under `server.mcp`, startup.yml empty
    and one more generator, `ticker`: ten lines a second for an hour (live mode)."""
    config = make_instance(root, free_port())
    config.write_text(config.read_text() + settings)
    (root / "startup.yml").write_text("[]\n")
    ticker = root / "gens" / "ticker"
    ticker.mkdir()
    (ticker / "generator.yml").write_text(TICKER)
    (ticker / "tick.jinja").write_text("tick {{ timestamp.isoformat() }}")
    return config


def launch(root: Path, config: Path, *, scheme: str = "http", api: bool = True) -> Iterator[Server]:
    """`eventum run -c config` until the caller is done; its API answers before this yields.

    Over TLS (`scheme="https"`), or without the API (`api=False`), readiness is a completed TCP
    connection: the caller checks the rest.
    """
    port = int(config.read_text().split("port: ")[1].split()[0])
    env = {**os.environ, "EVENTUM_KEYRING_PASSWORD": "master"}
    process = subprocess.Popen(
        [sys.executable, "-m", "eventum_core", "run", "-c", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(root / "stderr.txt", "wb"),  # noqa: SIM115
    )
    url = f"{scheme}://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if scheme == "https" or not api:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            if httpx.get(f"{url}/api/healthz", timeout=2).status_code == 200:
                break
        except (httpx.TransportError, OSError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((root / "stderr.txt").read_text())
        time.sleep(0.1)
    try:
        yield Server(root, url, process)
    finally:
        if process.poll() is None:
            stop_server(process, 60)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from eventum_core.keyring_secrets import Keyring

    root = tmp_path_factory.mktemp("instance")
    config = make_instance(root, free_port())
    Keyring(root / "keyring.cfg", password="master").set("suffix", "copy")
    yield from launch(root, config)


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """MCP at /assistant/mcp, writes refused (allow_write left at false), any Host."""
    root = tmp_path_factory.mktemp("mcp-read-only")
    settings = "server.mcp: {enabled: true, path: /assistant/mcp}\n"
    yield from launch(root, mcp_instance(root, settings))


def launch_answering_github(root: Path, github: HTTPServer) -> Iterator[Server]:
    """`launch` of an instance whose GitHub API is `github`, the git token in its keyring."""
    from eventum_core.keyring_secrets import Keyring

    config = make_instance(root, free_port())
    Keyring(root / "keyring.cfg", password="master").set(SECRET_NAME, GIT_PASSWORD)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(API_URL_ENV, github.url_for("").rstrip("/"))
        yield from launch(root, config)


@pytest.fixture(scope="module")
def git_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHost]:
    system_program("git", "git")
    root = tmp_path_factory.mktemp("git-host")
    (root / "served" / "private").mkdir(parents=True)
    handler = functools.partial(GitFiles, directory=str(root / "served"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield GitHost(root, f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def github() -> Iterator[HTTPServer]:
    """GitHub's API answered locally: each test sets the answers it expects."""
    server = HTTPServer("127.0.0.1", free_port())
    server.start()
    yield server
    if server.is_running():
        server.stop()


@asynccontextmanager
async def connect(url: str, **client_options: Any) -> AsyncIterator[Client]:
    """An initialized session over the SDK's streamable-HTTP client."""
    options = {"auth": (USER, PASSWORD), "timeout": httpx.Timeout(30, read=120), **client_options}
    async with (
        httpx.AsyncClient(**options) as http,
        streamable_http_client(url, http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        with anyio.fail_after(30):
            await session.initialize()
        yield Client(session)


def talk(url: str, scenario: Callable[[Client], Awaitable[None]], **client_options: Any) -> None:
    async def main() -> None:
        async with connect(url, **client_options) as client:
            with anyio.fail_after(60):
                await scenario(client)

    anyio.run(main)


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""
    chromium = system_program("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser: Browser, studio: Server) -> Iterator[Page]:
    """One tab on the module's `studio` for the whole module; dialogs (confirm, prompt) are accepted."""
    context = browser.new_context(base_url=studio.url, viewport={"width": 1400, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()
    assert not errors, errors


def shot(page: Page, folder: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-picture
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def answer_prompts(page: Page, text: str | None) -> None:
    """window.prompt answers `text` (Playwright's dialog handler answers prompts with "")."""
    page.evaluate(
        "text => { window.realPrompt ??= window.prompt;"
        " window.prompt = text === null ? window.realPrompt : () => text; }",
        text,
    )


def wait_finished(server: Server, ids: tuple[str, ...], timeout: float = 60.0) -> None:
    """Until the generators `ids` have ended; each must have finished: else the assertion
    names their statuses and errors and shows the end of the instance's log."""
    client, seen = server.client(), {}

    def ended() -> bool:
        for id in ids:
            seen[id] = client.get(f"/api/generators/{id}/status").json()
        return all(s["status"] in ("finished", "failed", "stopped") for s in seen.values())

    deadline = time.monotonic() + timeout
    while not ended() and time.monotonic() < deadline:
        time.sleep(0.1)
    statuses = {id: (s["status"], s.get("error")) for id, s in seen.items()}
    log = (server.root / "stderr.txt").read_text(errors="replace")[-4000:]
    assert all(status == "finished" for status, _ in statuses.values()), f"{statuses}\n{log}"


def wait_until(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)
