"""Where an installed service keeps its files, and the files `install` writes there.

The folders and names are Eventum 2.2's: eventum.yml, startup.yml, generators/ and cryptfile.cfg
in the config folder; log files in their own folder. Files that exist are never replaced.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from eventum_core.errors import UserError


class ServiceError(UserError):
    """Something the user can fix (a path, a permission, a missing systemd): one line, exit 1."""


def user_mode(requested: bool) -> bool:
    """A user service when asked for, and always when not root (only root writes system units)."""
    return requested or os.geteuid() != 0


def default_config_dir(user: bool) -> Path:
    return Path.home() / ".config" / "eventum" if user else Path("/etc/eventum")


def default_log_dir(user: bool) -> Path:
    if user:
        return Path.home() / ".local" / "state" / "eventum" / "logs"
    return Path("/var/log/eventum")


@dataclass(frozen=True)
class Layout:
    config_dir: Path
    log_dir: Path

    @classmethod
    def at(cls, config_dir: Path, log_dir: Path) -> Layout:
        """Absolute folders, so the unit and eventum.yml do not depend on a working directory."""
        return cls(config_dir.expanduser().resolve(), log_dir.expanduser().resolve())

    @property
    def config_file(self) -> Path:
        return self.config_dir / "eventum.yml"

    @property
    def startup_file(self) -> Path:
        return self.config_dir / "startup.yml"

    @property
    def generators_dir(self) -> Path:
        return self.config_dir / "generators"

    @property
    def cryptfile(self) -> Path:
        """The keyrings.cryptfile keyring `${secrets.x}` reads: created empty, filled by
        `eventum-keyring set NAME --cryptfile <this file>`."""
        return self.config_dir / "cryptfile.cfg"

    @property
    def folders(self) -> tuple[Path, ...]:
        return (self.config_dir, self.generators_dir, self.log_dir)


def _yaml_string(value: Path) -> str:
    return json.dumps(str(value))  # a JSON string is a YAML double-quoted scalar


def settings_text(layout: Layout) -> str:
    """eventum.yml with Eventum's defaults spelled out and the four required paths."""
    return f"""\
# Eventum settings, written by `eventum service install`.
# Every key and its default: https://eventum.run/docs (eventum.yml).
# After an edit: systemctl reload eventum (add --user for a user service).

# The API and Eventum Studio (when eventum-server is installed) listen on every interface:
# change the password, or the host to 127.0.0.1, before the service starts.
server.ui_enabled: true
server.api_enabled: true
server.host: 0.0.0.0
server.port: 9474
server.auth.user: eventum
server.auth.password: eventum

generation.timezone: UTC

log.level: info
log.format: plain

path.logs: {_yaml_string(layout.log_dir)}
path.startup: {_yaml_string(layout.startup_file)}
path.generators_dir: {_yaml_string(layout.generators_dir)}
path.keyring_cryptfile: {_yaml_string(layout.cryptfile)}
"""


STARTUP_TEXT = """\
# Generators `eventum run` starts, for example:
# - id: web-access
#   path: web-access/generator.yml   # relative to path.generators_dir
#   live_mode: true
[]
"""


def write_new(path: Path, text: str, *, private: bool = False) -> bool:
    """Create `path` with `text`; False, and nothing written, when it exists already."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    return True


def check_can_create(target: Path, *, system: bool) -> None:
    """Fail before anything is written when `target` (a folder) cannot be created or written."""
    existing = target
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ServiceError(f"cannot create {target}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        hint = "run as root for the system service" if system else "choose a folder you own"
        raise ServiceError(f"cannot write to {existing}: permission denied ({hint})")


def purge_refusal(folder: Path) -> str | None:
    """Why `folder` must not be deleted wholesale (it holds the user's home or the system)."""
    home = Path.home().resolve()
    if folder == Path("/") or folder == home or folder in home.parents:
        return f"{folder} holds {home}: not removed"
    return None


def read_log_dir(config_file: Path) -> Path:
    """`path.logs` of an installed eventum.yml, read with the real settings model."""
    from eventum_core.app.settings import load_settings

    return load_settings(config_file).path.logs
