"""`eventum service` run as a user runs it, in user mode, with HOME in a temporary folder.

systemd cannot run in a container, so `systemctl` is a script on PATH that records its arguments
and answers `is-active` / `is-enabled` as a running, enabled service would (or fails the verb
named by SYSTEMCTL_FAILS as systemctl does when systemd is not running); everything else (the
CLI, the files, the unit, `eventum run` of that unit) is real.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

FAKE_SYSTEMCTL = """\
#!/bin/sh
echo "$*" >> "{log}"
verb="$1"
[ "$verb" = --user ] && verb="$2"
if [ "$verb" = "${{SYSTEMCTL_FAILS:-}}" ]; then
  echo "Failed to connect to bus: No medium found" >&2
  exit 1
fi
case "$verb" in
  is-active) echo active ;;
  is-enabled) echo enabled ;;
esac
"""


@dataclass
class Machine:
    """A home folder and a PATH holding only the recording `systemctl`."""

    home: Path
    bin_dir: Path
    calls_log: Path

    @property
    def config_dir(self) -> Path:
        return self.home / ".config" / "eventum"

    @property
    def log_dir(self) -> Path:
        return self.home / ".local" / "state" / "eventum" / "logs"

    @property
    def unit(self) -> Path:
        return self.home / ".config" / "systemd" / "user" / "eventum.service"

    def calls(self) -> list[str]:
        """systemctl's argument lists, one string each, in order."""
        return self.calls_log.read_text().splitlines() if self.calls_log.exists() else []


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    home, bin_dir = tmp_path / "home", tmp_path / "bin"
    home.mkdir()
    bin_dir.mkdir()
    calls_log = tmp_path / "systemctl.calls"
    systemctl = bin_dir / "systemctl"
    systemctl.write_text(FAKE_SYSTEMCTL.format(log=calls_log))
    systemctl.chmod(0o755)
    return Machine(home, bin_dir, calls_log)


Service = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def service(machine: Machine) -> Service:
    """`service("install", "--no-ask", input=..., env={...})`: `eventum service ... --user`
    (without `--user` when `user=False`)."""

    def run(
        *args: str, input: str | None = None, env: dict[str, str] | None = None, user: bool = True
    ) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if k != "EVENTUM_SYSTEMD_UNIT_DIR"}
        full_env = {
            **base,
            "HOME": str(machine.home),
            "PATH": str(machine.bin_dir),
            "NO_COLOR": "1",
            "COLUMNS": "200",
            **(env or {}),
        }
        return subprocess.run(
            [sys.executable, "-m", "eventum_core", "service", *args, *(["--user"] if user else [])],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=full_env,
            timeout=60,
            check=False,
        )

    return run
