"""The systemd side: the unit `install` writes, the folder it goes to, and `systemctl`.

Units go to /etc/systemd/system (system service) or ~/.config/systemd/user (user service), unless
`EVENTUM_SYSTEMD_UNIT_DIR` names another folder: for packagers staging files and for tests.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from eventum_service.layout import ServiceError

SERVICE = "eventum"
UNIT_DIR_ENV = "EVENTUM_SYSTEMD_UNIT_DIR"


def unit_file(user: bool) -> Path:
    override = os.environ.get(UNIT_DIR_ENV)
    if override:
        folder = Path(override).expanduser().resolve()
    elif user:
        folder = Path.home() / ".config" / "systemd" / "user"
    else:
        folder = Path("/etc/systemd/system")
    return folder / f"{SERVICE}.service"


def eventum_executable() -> Path:
    """The `eventum` of this installation (beside its Python), else the first one on PATH."""
    beside = Path(sys.executable).parent / "eventum"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside.absolute()
    found = shutil.which("eventum")
    if found is None:
        raise ServiceError(
            f"cannot find the eventum executable (not in {beside.parent}, not on PATH)"
        )
    return Path(found).absolute()


def _unit_word(value: str) -> str:
    """One ExecStart argument as systemd reads it: `%` and `$` doubled, quoted if it has spaces."""
    value = value.replace("%", "%%").replace("$", "$$")
    if any(char.isspace() or char in "\"'\\;" for char in value):
        value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def unit_text(executable: Path, config_file: Path, *, user: bool) -> str:
    command = " ".join(_unit_word(str(word)) for word in (executable, "run", "-c", config_file))
    return f"""\
[Unit]
Description=Eventum event generator
Documentation=https://eventum.run
After=network.target

[Service]
Type=simple
ExecStart={command}
# SIGHUP makes `eventum run` re-read eventum.yml and startup.yml.
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5
# Exit status 1: the settings cannot be loaded (or events were lost); a restart would not help.
RestartPreventExitStatus=1
SyslogIdentifier=eventum

[Install]
WantedBy={"default.target" if user else "multi-user.target"}
"""


def config_file_of(unit: Path) -> Path | None:
    """The eventum.yml an installed unit runs (`-c` of its ExecStart), if it can be read."""
    try:
        lines = unit.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        key, _, command = line.strip().partition("=")
        if key.strip() != "ExecStart":
            continue
        try:
            words = [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(command)]
        except ValueError:
            return None
        if "-c" in words[:-1]:
            return Path(words[words.index("-c") + 1])
    return None


class Systemctl:
    """`systemctl`, with `--user` for a user service; fails at once when systemd is missing."""

    def __init__(self, *, user: bool) -> None:
        if not sys.platform.startswith("linux"):
            raise ServiceError("eventum service needs systemd, which runs on Linux only")
        found = shutil.which("systemctl")
        if found is None:
            raise ServiceError(
                "systemctl is not on PATH: eventum service installs a systemd service and needs "
                "systemd"
            )
        self.user = user
        self._command = [found, "--user"] if user else [found]

    def shown(self, *args: str) -> str:
        """The command as the user would type it."""
        return " ".join(["systemctl", *(["--user"] if self.user else []), *args])

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._command, *args], capture_output=True, text=True, check=False, timeout=120
        )

    def query(self, question: str) -> str:
        """`is-active` or `is-enabled`: systemd's one-word answer, or why there is none."""
        result = self.run(question, SERVICE)
        answer = result.stdout.strip()
        if answer:
            return answer
        return f"unknown ({_first_line(result.stderr) or f'exit status {result.returncode}'})"

    def daemon_reload(self) -> str | None:
        """None when systemd re-read its units, else why not."""
        result = self.run("daemon-reload")
        if result.returncode == 0:
            return None
        reason = _first_line(result.stderr) or f"exit status {result.returncode}"
        return f"`{self.shown('daemon-reload')}` failed: {reason}"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
