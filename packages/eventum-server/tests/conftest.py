"""One real `eventum run` process with the API on a free port, shared by the API tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from eventum_core.testing.net import free_port

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
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from eventum_core.keyring_secrets import Keyring

    root = tmp_path_factory.mktemp("instance")
    config = make_instance(root, free_port())
    Keyring(root / "keyring.cfg", password="master").set("suffix", "copy")
    yield from launch(root, config)
