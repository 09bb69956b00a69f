"""Eventum 2.6's live operations: the generators of a running `eventum run`, served over HTTP.

Everything goes through the `Application` and the startup.yml helpers that the REST API's
`/api/generators` and `/api/startup` routers use, so a generator registered here is the same as
one added through the API. Writes (start, stop, register, unregister) are refused unless the
workspace is writable (`server.mcp.allow_write`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from eventum_core.app import logs
from eventum_core.app.application import Application
from eventum_core.app.startup import entry_from, read_raw_startup, write_raw_startup
from eventum_core.app.supervisor import ManagedGenerator
from eventum_core.config.yaml_source import read_text, substitute
from eventum_core.errors import UserError
from eventum_mcp.errors import ToolFailure
from eventum_mcp.redaction import RecordingSecrets, Redactor
from eventum_mcp.tools import Params, ToolMaker
from eventum_mcp.workspace import Workspace

MAX_LOG_LINES = 1000
TAIL_BYTES = 1024 * 1024  # a log tail is read from at most this many bytes at the end
# Keys of a startup entry the tool sets itself; `execution` must not override them.
RESERVED = frozenset({"id", "path", "params", "autostart"})


class LiveOps:
    def __init__(self, application: Application, workspace: Workspace) -> None:
        self.application = application
        self.workspace = workspace

    @property
    def _settings(self) -> Any:
        return self.application.settings  # re-read: SIGHUP may replace it

    def _redactor(self, secrets: list[str] | None = None) -> Redactor:
        return Redactor(self.workspace.generators_dir, secrets)

    def generators(self) -> list[dict[str, Any]]:
        return [self._view(g.id) for g in self.application.generators()]

    def status(self, generator_id: str) -> dict[str, Any]:
        return self._view(generator_id)

    def stats(self, generator_id: str) -> dict[str, Any]:
        """Its counters, as `GET /api/generators/{id}/stats` answers; only `id` and `status`
        before its run has counters (not started yet, or loading)."""
        generator = _user_errors(self.application.get, generator_id)
        return {**(generator.stats() or {"id": generator_id}), "status": generator.status.value}

    def logs(self, generator_id: str, lines: int) -> dict[str, Any]:
        generator = _user_errors(self.application.get, generator_id)  # only ones running here
        settings = self._settings
        path = logs.generator_log_path(settings.path.logs, settings.log.format, generator_id)
        tail = _tail(path, max(1, min(lines, MAX_LOG_LINES)))
        redactor = self._redactor(_config_secrets(generator, self.application))
        return {"id": generator_id, "lines": [redactor.message(line) for line in tail]}

    def start(self, generator_id: str) -> dict[str, Any]:
        self.workspace.refuse_if_read_only()
        started = _user_errors(self.application.start, generator_id)
        return {**self._view(generator_id), "started": started}

    def stop(self, generator_id: str) -> dict[str, Any]:
        """Graceful: answers once what was generated has been written."""
        self.workspace.refuse_if_read_only()
        _user_errors(self.application.stop, generator_id)
        return {**self._view(generator_id), "stopped": True}

    def register(
        self,
        name: str,
        params: dict[str, Any] | None,
        execution: dict[str, Any] | None,
        autostart: bool,
    ) -> dict[str, Any]:
        """Add a saved generator to the running ones (not started) and to startup.yml."""
        self.workspace.refuse_if_read_only()
        self.workspace.config_file(name)  # one folder name, holding a config file
        overrides = dict(execution or {})
        reserved = sorted(RESERVED & set(overrides))
        if reserved:
            raise ToolFailure(f"execution: {', '.join(reserved)} cannot be set here")
        item = {"id": name, "path": name, **overrides, "params": params or {}}
        if not autostart:
            item["autostart"] = False
        settings = self._settings
        items = read_raw_startup(settings)
        if any(str(existing.get("id")) == name for existing in items):
            raise ToolFailure(f"startup entry '{name}' already exists")
        entry = _user_errors(entry_from, item, settings, source=Path("<register_generator>"))
        _user_errors(self.application.add, entry.parameters)
        try:
            write_raw_startup(settings, [*items, item])
        except OSError as error:
            self.application.remove(name)
            raise ToolFailure(f"cannot write the startup file: {error.strerror}") from None
        return {"id": name, "registered": True}

    def unregister(self, generator_id: str) -> dict[str, Any]:
        """Stop and remove the generator from this process, and its entry from startup.yml."""
        self.workspace.refuse_if_read_only()
        settings = self._settings
        running = any(g.id == generator_id for g in self.application.generators())
        items = read_raw_startup(settings)
        kept = [item for item in items if str(item.get("id")) != generator_id]
        if not running and len(kept) == len(items):
            raise ToolFailure(f"generator '{generator_id}' is neither running nor in startup.yml")
        if running:
            _user_errors(self.application.remove, generator_id)
        if len(kept) != len(items):
            write_raw_startup(settings, kept)
        return {"id": generator_id, "unregistered": True}

    def startup_entries(self) -> list[dict[str, Any]]:
        """startup.yml as written, paths relative to the generators folder."""
        return self._redactor().value(read_raw_startup(self._settings))  # type: ignore[no-any-return]

    def _view(self, generator_id: str) -> dict[str, Any]:
        generator = _user_errors(self.application.get, generator_id)
        view = {**generator.describe(), "path": str(generator.parameters.path)}
        return self._redactor().value(view)  # type: ignore[no-any-return]


def _user_errors(call: Any, *args: Any, **kwargs: Any) -> Any:
    """`call(...)`, its `UserError` (not found, exists, busy, invalid) as a tool failure."""
    try:
        return call(*args, **kwargs)
    except UserError as error:
        raise ToolFailure(str(error)) from None


def _config_secrets(generator: ManagedGenerator, application: Application) -> list[str]:
    """The secret values the generator's config substitutes, which its log may show."""
    recorded = RecordingSecrets(application.keyring.get)
    path = generator.parameters.path
    with contextlib.suppress(UserError, OSError):  # a missing param or file: values so far
        text = read_text(path, "generator config")
        substitute(text, source=path, params=generator.parameters.params, secrets=recorded)
    return recorded.values


def _tail(path: Path, lines: int) -> list[str]:
    """The last `lines` lines of a log file (none when it does not exist yet)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            start = max(0, size - TAIL_BYTES)
            handle.seek(start)
            data = handle.read()
    except FileNotFoundError:
        return []
    text = data.decode("utf-8", "replace")
    found = text.splitlines()
    if start > 0 and len(found) > 1:
        found = found[1:]  # the first line was cut
    return found[-lines:]


def register(tool: ToolMaker, live: LiveOps) -> None:
    """The tools that list, watch, start, stop, register and unregister the generators of the
    running instance."""

    @tool()
    def list_generators_live() -> list[dict[str, Any]]:
        """The generators of the running instance, each with its status (`status`, `error`,
        Eventum's `is_running`-style flags) and config path."""
        return live.generators()

    @tool()
    def get_generator_status(generator_id: str) -> dict[str, Any]:
        """The status of one generator of the running instance."""
        return live.status(generator_id)

    @tool()
    def get_generator_stats(generator_id: str) -> dict[str, Any]:
        """Counters of a generator that has run: events generated per input, produced,
        failed and dropped by the event plugin, written and failed per output, events per
        second, uptime and lateness."""
        return live.stats(generator_id)

    @tool()
    def get_generator_logs(
        generator_id: str,
        lines: Annotated[int, Field(ge=1, le=MAX_LOG_LINES)] = 100,
    ) -> dict[str, Any]:
        """The last `lines` lines of a generator's log file (secret values and absolute paths
        removed)."""
        return live.logs(generator_id, lines)

    @tool(read_only=False)
    def start_generator(generator_id: str) -> dict[str, Any]:
        """Start a registered generator; `started` is false when it was already running."""
        return live.start(generator_id)

    @tool(read_only=False)
    def stop_generator(generator_id: str) -> dict[str, Any]:
        """Stop a generator gracefully: answers once what it generated has been written."""
        return live.stop(generator_id)

    @tool(read_only=False)
    def register_generator(
        name: str,
        params: Params = None,
        execution: Annotated[
            dict[str, Any] | None,
            Field(
                description="How it runs, as in a startup.yml entry: `live_mode`, "
                "`skip_past`, `timezone`, `batch.size`, ... (eventum.yml's `generation` "
                "for the rest)."
            ),
        ] = None,
        autostart: bool = True,
    ) -> dict[str, Any]:
        """Add a saved generator (a folder of the generators folder) to the running instance,
        without starting it, and to startup.yml (started with the instance when `autostart`).
        Its id is its name."""
        return live.register(name, params, execution, autostart)

    @tool(read_only=False, destructive=True)
    def unregister_generator(generator_id: str) -> dict[str, Any]:
        """Stop a generator, remove it from the running instance and from startup.yml. Its
        files stay."""
        return live.unregister(generator_id)

    @tool()
    def list_startup_generators() -> list[dict[str, Any]]:
        """startup.yml's entries as written: the generators the instance starts with."""
        return live.startup_entries()
