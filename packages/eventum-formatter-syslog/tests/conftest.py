"""Debian's rsyslogd, started for the test in the foreground with its own config, ports and
work folder, writing every message it receives (parsed into fields) to a file."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventum_core.testing.net import free_port, stop_server, wait_listening
from eventum_core.testing.system import system_program

TEMPLATE = (
    "%pri%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%"
    "|%structured-data%|%msg%\\n"
)


class Rsyslog:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tcp_port = free_port()
        self.udp_port = free_port(socket.SOCK_DGRAM)
        self.output = folder / "received.log"
        binary = system_program("rsyslogd", "rsyslog")
        config = folder / "rsyslog.conf"
        config.write_text(f"""
global(workDirectory="{folder}" maxMessageSize="64k")
module(load="imtcp")
module(load="imudp")
template(name="fields" type="string" string="{TEMPLATE}")
ruleset(name="received") {{
  action(type="omfile" file="{self.output}" template="fields")
}}
input(type="imtcp" address="127.0.0.1" port="{self.tcp_port}" ruleset="received")
input(type="imudp" address="127.0.0.1" port="{self.udp_port}" ruleset="received")
""")
        log = (folder / "rsyslogd.log").open("wb")
        self.process = subprocess.Popen(
            [binary, "-n", "-f", str(config), "-i", str(folder / "rsyslogd.pid")],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        if not wait_listening(self.tcp_port, self.process):
            log = (folder / "rsyslogd.log").read_text()
            raise RuntimeError(f"rsyslogd did not start listening: {log}")

    def lines(self, count: int, timeout: float = 10) -> list[str]:
        """The received messages as `pri|time|host|app|procid|msgid|sd|msg`, once `count` are in."""
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            if self.output.exists():
                lines = self.output.read_text().splitlines()
                if len(lines) >= count:
                    break
            time.sleep(0.05)
        return lines

    def stop(self) -> None:
        stop_server(self.process)


@pytest.fixture
def rsyslog(tmp_path: Path) -> Iterator[Rsyslog]:
    folder = tmp_path / "rsyslog"
    folder.mkdir()
    server = Rsyslog(folder)
    yield server
    server.stop()
