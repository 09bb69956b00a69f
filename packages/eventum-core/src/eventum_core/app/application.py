"""The application of `eventum run`: settings, the generators it supervises, the keyring.

Servers reach it through the `eventum.server` entry-point group (see `service.py`); everything
they need is a method here, safe to call from any thread.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from eventum_core.app.settings import Settings, load_settings
from eventum_core.app.startup import StartupEntry, load_startup
from eventum_core.app.supervisor import ManagedGenerator
from eventum_core.config.generation import GeneratorParameters
from eventum_core.discovery import Registry
from eventum_core.errors import UserError
from eventum_core.keyring_secrets import Keyring
from eventum_core.logging import get_logger

log = get_logger()

STOP_TIMEOUT = 60.0
SIGNAL_DELAY = 0.2  # seconds between answering a stop or restart and doing it


class GeneratorExists(UserError):
    pass


class GeneratorNotFound(UserError):
    pass


class GeneratorBusy(UserError):
    """The generator is running and the action needs it stopped."""


class Application:
    """`registry` is the one plugin registry of the process: every generator, preview and
    server route loads plugins through it, so `registry.register` reaches all of them."""

    def __init__(
        self, config_path: Path, settings: Settings, *, registry: Registry | None = None
    ) -> None:
        self.config_path = config_path.absolute()
        self.settings = settings
        self.registry = registry or Registry()
        self.keyring = Keyring(settings.path.keyring_cryptfile)
        self._generators: dict[str, ManagedGenerator] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_config(cls, config_path: Path) -> Application:
        return cls(config_path, load_settings(config_path))

    # -- generators ------------------------------------------------------------------------

    def generators(self) -> list[ManagedGenerator]:
        with self._lock:
            return list(self._generators.values())

    def get(self, generator_id: str) -> ManagedGenerator:
        with self._lock:
            try:
                return self._generators[generator_id]
            except KeyError:
                raise GeneratorNotFound(f"generator '{generator_id}' not found") from None

    def add(self, parameters: GeneratorParameters) -> ManagedGenerator:
        with self._lock:
            if parameters.id in self._generators:
                raise GeneratorExists(f"generator '{parameters.id}' already exists")
            generator = ManagedGenerator(
                parameters, registry=self.registry, secrets=self.keyring.resolver()
            )
            self._generators[parameters.id] = generator
            return generator

    def replace(self, parameters: GeneratorParameters) -> ManagedGenerator:
        with self._lock:
            current = self.get(parameters.id)
            if current.active:
                raise GeneratorBusy(f"generator '{parameters.id}' is running: stop it first")
            generator = ManagedGenerator(
                parameters, registry=self.registry, secrets=self.keyring.resolver()
            )
            self._generators[parameters.id] = generator
            return generator

    def remove(self, generator_id: str, *, timeout: float = STOP_TIMEOUT) -> None:
        generator = self.get(generator_id)
        generator.stop(timeout)
        with self._lock:
            self._generators.pop(generator_id, None)

    def start(self, generator_id: str) -> bool:
        return self.get(generator_id).start()

    def stop(self, generator_id: str, *, timeout: float = STOP_TIMEOUT) -> bool:
        return self.get(generator_id).stop(timeout)

    def load_startup(self) -> list[StartupEntry]:
        """Register every startup.yml generator (replacing ended ones) and start autostart ones."""
        entries = load_startup(self.settings)
        for entry in entries:
            with self._lock:
                existing = self._generators.get(entry.id)
                if existing is not None and existing.active:
                    log.warning("generator is still running; keeping it", generator_id=entry.id)
                    continue
                self._generators.pop(entry.id, None)
                generator = self.add(entry.parameters)
            if entry.autostart:
                generator.start()
        return entries

    def stop_all(self, *, timeout: float = STOP_TIMEOUT) -> list[str]:
        """Stop every generator at once and wait; the ids that did not end in time."""
        generators = self.generators()
        for generator in generators:
            generator.request_stop()
        return [g.id for g in generators if not g.join(timeout)]

    def clear(self) -> None:
        with self._lock:
            self._generators.clear()

    # -- the process -----------------------------------------------------------------------

    def reload_settings(self) -> None:
        self.settings = load_settings(self.config_path)
        self.keyring = Keyring(self.settings.path.keyring_cryptfile)

    def request_shutdown(self) -> None:
        """What `POST /instance/stop` does: SIGTERM, a moment later so the caller is answered."""
        _signal_soon(signal.SIGTERM)

    def request_restart(self) -> None:
        """What `POST /instance/restart` does: SIGHUP (settings and startup.yml read again, the
        server started anew), a moment later so the caller is answered."""
        _signal_soon(signal.SIGHUP)

    def instance_info(self) -> dict[str, Any]:
        import platform
        import socket
        import sys

        from eventum_core.__about__ import __version__

        return {
            "app_version": __version__,
            "python_version": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "python_compiler": platform.python_compiler(),
            "platform": platform.platform(),
            "host_name": socket.gethostname(),
            "host_ip_v4": _host_ip(),
            "pid": os.getpid(),
            "executable": sys.executable,
            "config_path": str(self.config_path),
        }


def _signal_soon(signum: signal.Signals) -> None:
    """Signal this process once an answer saying so has had time to leave (the server stops)."""
    timer = threading.Timer(SIGNAL_DELAY, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()


def _host_ip() -> str | None:
    import socket

    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return None
