"""The MCP server: Eventum 2.6's authoring tools, resources and prompt on the official SDK's
FastMCP, bound to one generators folder.

Every tool goes through `_guarded`: blocking work runs in a worker thread, and whatever fails
comes back as a tool error whose message has no absolute path in it.
"""

from __future__ import annotations

import functools
import inspect
import json
import warnings
from collections.abc import Callable
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Annotated, Any

import anyio.to_thread
from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations
from pydantic import Field

from eventum_core.discovery import Registry
from eventum_core.errors import UserError
from eventum_core.keyring_secrets import Keyring
from eventum_core.logging import get_logger
from eventum_mcp import catalog, instance, scenarios
from eventum_mcp.__about__ import __version__
from eventum_mcp.archives import archive_tools
from eventum_mcp.authoring import MAX_RUN_SECONDS, Authoring
from eventum_mcp.errors import ToolFailure
from eventum_mcp.live import MAX_LOG_LINES, LiveOps
from eventum_mcp.redaction import Redactor
from eventum_mcp.renaming import rename_tools
from eventum_mcp.repositories import RepositoryService, repository_tools
from eventum_mcp.workspace import Workspace

Params = Annotated[
    dict[str, Any] | None, Field(description="Values for `${params.name}` in the config.")
]
SkipPast = Annotated[
    bool,
    Field(
        description="Accepted as in Eventum; previews and runs are in sample mode, where no "
        "timestamp is skipped (a range in the past previews as written)."
    ),
]

INSTRUCTIONS = (
    "Eventum generates synthetic events: a generator.yml ties inputs (when events happen), one "
    "event plugin (what happens, usually Jinja templates) and outputs (where events go). Use "
    "these tools to find the installed plugins and their config schemas, write a generator's "
    "files, validate it, preview its timestamps and events, and run it for a bounded time. "
    "The `create_generator` prompt walks through authoring one."
)
LIVE_INSTRUCTIONS = (
    " This server also runs generators: the live tools list, register, start, watch and stop "
    "the generators of the running Eventum instance, group them into scenarios, read and edit "
    "their shared `globals`, and read or change the instance's settings (the `live_ops` prompt)."
)

EXAMPLES = {
    "web-access-log": (
        "JSON access-log events from a CSV sample: a timer input, the template event plugin in "
        "chance mode with two templates, and a stdout output."
    ),
}

CREATE_GENERATOR = """\
Author a new Eventum generator, one step at a time.

1. Ground yourself: read `eventum://schema/generator` (the generator.yml envelope),
   `eventum://examples/generators` (a complete worked generator) and
   `eventum://templating/reference` (what templates can use), and call `list_plugins`.
   `eventum://workspace/configs` lists the generators already saved.
2. Pick the pipeline and call `get_plugin_schema` for each plugin you use:
   - input (timing): `timer` or `cron` for a steady rate, `time_patterns` for realistic peaks,
     `linspace` or `timestamps` for a fixed range, `static` for a batch at start, `http` for
     timestamps on request;
   - event (content): `template` renders Jinja templates (with samples, params, state and
     Faker/Mimesis); `replay` re-emits lines of an existing log; `script` runs a Python file
     that must already exist (.py files cannot be written over MCP);
   - output (delivery): `stdout` or `file` locally; `http`, `tcp`, `udp`, `kafka`,
     `clickhouse`, `opensearch` to a system. Choose a formatter with `list_formatters` and
     `get_formatter_schema`. For `${secrets.name}` see `list_secret_names` (names only); use
     `${params.name}` for values the caller passes as `params`.
3. Look at data files with `describe_sample` before writing templates that use them.
4. Write the files with `write_generator_file` (paths relative to the generator folder):
   `generator.yml`, then `templates/*.jinja` and `samples/*.csv|json` as needed.
5. `validate_generator` and fix what it names (file, line and field) until it passes.
6. `preview_timestamps` for the timing, then `preview_events` for rendered events; read the
   `errors` too. Show the user the preview and iterate; `run_generator` delivers to the
   configured outputs for a bounded time.
"""

LIVE_OPS = """\
Operate the generators of this running Eventum instance, one step at a time.

1. Look: `list_generators_live` shows the generators this instance runs and their status;
   `list_startup_generators` shows startup.yml, what starts with the instance.
2. Register: a generator saved in the generators folder (see `list_generators`, and
   `validate_generator` it first) joins the instance with `register_generator(name, params?,
   execution?, autostart?)`: it is added, not started, and written to startup.yml. `execution`
   sets how it runs, as a startup.yml entry does: `live_mode` (true: events at their real time;
   false: sample mode, as fast as possible), `skip_past`, `timezone`, `batch.size`, ...
3. Run: `start_generator(generator_id)`; it does nothing when already running.
4. Watch: `get_generator_status` (`status`: starting, running, stopping, stopped, finished or
   failed, with `error`), `get_generator_stats` (events generated, produced, written and failed
   per plugin, events per second, lateness) and `get_generator_logs(generator_id, lines)` (the
   end of its log: read it when the status is failed or events fail).
5. Stop: `stop_generator` stops it gracefully (what was generated is written).
   `unregister_generator` stops it, removes it from the instance and from startup.yml; its
   files stay in the generators folder.

Scenarios and shared state: a scenario is a name startup.yml entries list under `scenarios`,
grouping generators (Studio starts and stops a scenario's generators together).
`list_scenarios` and `get_scenario` show them; `add_generator_to_scenario`,
`remove_generator_from_scenario`, `rename_scenario` and `delete_scenario` edit startup.yml
and never start or stop a generator. Generators pass data to each other through the template
plugin's `globals`, one store for the whole instance: read it with `get_global_state` and
`get_global_state_key`, change it with `set_global_state`, `delete_global_state_key` and
`clear_global_state` (running generators see the change at once).

The instance: `eventum://instance/info` (version, Python, host) and
`eventum://instance/settings` (eventum.yml as running, credentials redacted) are resources;
`get_instance_logs` reads its own log. `update_settings` changes eventum.yml for the next
start: `restart_instance` applies it, `stop_instance` stops the instance. Both end this
connection (the MCP server runs inside the instance): after a restart, connect again.

Starting, stopping, registering, unregistering and the edits above change what the instance
does: say what you are about to do first. They are refused when the server does not allow
writes (`server.mcp.allow_write: false` in eventum.yml).
"""

log = get_logger(component="mcp")


def build_server(
    workspace: Workspace,
    *,
    keyring: Keyring | None = None,
    registry: Registry | None = None,
    log_level: str = "WARNING",
    live: LiveOps | None = None,
    repositories: RepositoryService | None = None,
) -> FastMCP:
    """A server for `workspace`; secrets (names, and values to substitute) come from `keyring`.
    With `live` (served over HTTP by `eventum run`) it also has the live-operations tools, and
    with `repositories` (eventum-server's service) the connected-repository tools."""
    registry = registry or Registry()
    authoring = Authoring(workspace, registry, keyring)
    instructions = INSTRUCTIONS + (LIVE_INSTRUCTIONS if live is not None else "")
    with warnings.catch_warnings():
        # The SDK's settings model trips a pydantic-settings warning that means nothing to a user.
        warnings.filterwarnings("ignore", message="Field 'lifespan' has an incomplete definition")
        mcp = FastMCP("eventum", instructions=instructions, log_level=log_level)  # type: ignore[arg-type]
    mcp._mcp_server.version = __version__  # serverInfo names this package, not the SDK
    transport = "stdio" if live is None else "http"
    tool = _ToolMaker(mcp, Redactor(workspace.generators_dir), transport)
    _discovery_tools(tool, workspace, registry, keyring)
    _file_tools(tool, workspace)
    _trying_tools(tool, authoring)
    archive_tools(tool, workspace)
    _resources_and_prompts(mcp, workspace, registry)
    if live is not None:
        _live_tools(tool, live)
        rename_tools(tool, live)
        scenarios.register(tool, live, registry)
        instance.register(tool, mcp, live)

        @mcp.prompt(name="live_ops", description="Run and watch the generators of this instance.")
        def live_ops() -> str:
            return LIVE_OPS

    if repositories is not None:
        repository_tools(tool, repositories, workspace)
    return mcp


class _ToolMaker:
    """`@tool(...)`: registers a function as a guarded tool with behaviour hints."""

    def __init__(self, mcp: FastMCP, redactor: Redactor, transport: str) -> None:
        self._mcp, self._redactor, self._transport = mcp, redactor, transport

    def __call__(
        self, *, read_only: bool = True, destructive: bool = False
    ) -> Callable[[Callable[..., Any]], Any]:
        hints = ToolAnnotations(readOnlyHint=read_only, destructiveHint=destructive)

        def register(fn: Callable[..., Any]) -> Any:
            guarded = _guarded(fn, self._redactor, self._transport)
            return self._mcp.tool(annotations=hints)(guarded)

        return register


def _discovery_tools(
    tool: _ToolMaker, workspace: Workspace, registry: Registry, keyring: Keyring | None
) -> None:
    @tool()
    def list_plugins(kind: catalog.ListedKind | None = None) -> dict[str, list[str]]:
        """Installed input, event and output plugin names by kind (one kind if given)."""
        return catalog.plugin_names(registry, kind)

    @tool()
    def get_plugin_schema(kind: catalog.ListedKind, name: str) -> dict[str, Any]:
        """JSON schema of a plugin's options: what goes under its name in generator.yml."""
        return catalog.config_schema(registry, kind, name)

    @tool()
    def list_formatters() -> list[dict[str, Any]]:
        """Installed output formatters (`formatter: {format: NAME}` in an output's options)."""
        return catalog.formatters(registry)

    @tool()
    def get_formatter_schema(format: str) -> dict[str, Any]:
        """JSON schema of a formatter's options (the keys beside `format`)."""
        return catalog.config_schema(registry, "formatter", format)

    @tool()
    def describe_sample(name: str, relative_path: str) -> dict[str, Any]:
        """Columns, row count and first rows of a CSV (header row first) or JSON sample file in
        a generator's folder, so templates can use `samples.NAME.pick().COLUMN`."""
        return catalog.describe_sample(workspace.file(name, relative_path), relative_path)

    @tool()
    def list_secret_names() -> list[str]:
        """Names of the keyring's secrets, usable as `${secrets.NAME}` (never their values;
        values are set by a person with `eventum-keyring set NAME`)."""
        return keyring.names() if keyring is not None else []


def _file_tools(tool: _ToolMaker, workspace: Workspace) -> None:
    @tool()
    def list_generators() -> list[str]:
        """Saved generators: folders of the generators folder that hold a config file."""
        return workspace.generators()

    @tool()
    def list_generator_files(name: str) -> list[str]:
        """A generator's .yml, .yaml, .jinja, .csv and .json files, relative to its folder."""
        return workspace.files(name)

    @tool()
    def read_generator_file(name: str, relative_path: str) -> str:
        """The text of a file in a generator's folder (e.g. `templates/event.jinja`)."""
        return workspace.read(name, relative_path)

    @tool(read_only=False)
    def write_generator_file(name: str, relative_path: str, content: str) -> dict[str, str]:
        """Create or replace a file in a generator's folder (the folder is created for a new
        generator). The config file is `generator.yml` unless the server was started with
        another --config-filename. Only .yml, .yaml, .jinja, .csv and .json files."""
        workspace.write(name, relative_path, content)
        return {"written": relative_path}

    @tool(read_only=False, destructive=True)
    def delete_generator_file(name: str, relative_path: str) -> dict[str, str]:
        """Delete one file of a generator."""
        workspace.delete_file(name, relative_path)
        return {"deleted": relative_path}

    @tool(read_only=False, destructive=True)
    def delete_generator(name: str) -> dict[str, str]:
        """Delete a generator's whole folder."""
        workspace.delete_generator(name)
        return {"deleted": name}


def _trying_tools(tool: _ToolMaker, authoring: Authoring) -> None:
    @tool()
    def validate_generator(name: str, params: Params = None) -> dict[str, Any]:
        """Load a saved generator as a run would and build its plugins (templates compile,
        files are read). A problem comes back as an error naming file, line and field."""
        return authoring.validate(name, params)

    @tool()
    def preview_timestamps(
        name: str,
        size: Annotated[int, Field(ge=1, le=1_000_000)] = 100,
        skip_past: SkipPast = True,
        params: Params = None,
    ) -> dict[str, Any]:
        """Up to `size` timestamps the generator's inputs would make, as a histogram
        (`span_edges`, `span_counts`) with every timestamp when there are at most 100, else
        the first and last 50."""
        return authoring.preview_timestamps(name, size, skip_past=skip_past, params=params)

    @tool()
    def preview_events(
        name: str,
        count: Annotated[int, Field(ge=1, le=1000)] = 10,
        params: Params = None,
        skip_past: SkipPast = True,
    ) -> dict[str, Any]:
        """Events for the generator's first `count` timestamps, with `errors` (a template's
        file and line when rendering failed), `failed`, `dropped` and `exhausted`. Nothing is
        written to the outputs."""
        return authoring.preview_events(name, count, skip_past=skip_past, params=params)

    @tool(read_only=False)
    async def run_generator(
        name: str,
        timeout_seconds: Annotated[float, Field(gt=0, le=MAX_RUN_SECONDS)] = 30.0,
        max_events: int | None = None,
        skip_past: SkipPast = True,
        params: Params = None,
    ) -> dict[str, Any]:
        """Run a saved generator in sample mode (as fast as it can) to its configured outputs,
        so it writes real events: stopped after `timeout_seconds` (300 at most) or
        `max_events`, or when a finite schedule ends. Answers `reason` (completed, timeout,
        max_events or error), `events_written` and `events_failed`. An output writing to
        stdout writes to this server's stderr: stdout carries the MCP protocol."""
        return await authoring.run(
            name,
            timeout_seconds=timeout_seconds,
            max_events=max_events,
            skip_past=skip_past,
            params=params,
        )


def _live_tools(tool: _ToolMaker, live: LiveOps) -> None:
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


def _resources_and_prompts(mcp: FastMCP, workspace: Workspace, registry: Registry) -> None:
    @mcp.resource(
        "eventum://schema/generator",
        name="generator_schema",
        description="JSON schema of the generator.yml envelope, with the installed plugin names.",
        mime_type="application/json",
    )
    def generator_schema() -> str:
        return json.dumps(catalog.generator_schema(registry), indent=2)

    @mcp.resource(
        "eventum://examples/generators",
        name="example_generators",
        description="Complete example generators: every file of each, to learn the structure.",
        mime_type="application/json",
    )
    def example_generators() -> str:
        root = files("eventum_mcp") / "examples"
        examples = [
            {"name": name, "description": text, "files": dict(_texts(root / name))}
            for name, text in EXAMPLES.items()
        ]
        return json.dumps({"examples": examples}, indent=2)

    @mcp.resource(
        "eventum://workspace/configs",
        name="workspace_configs",
        description="The generators saved in this server's generators folder, with their files.",
        mime_type="application/json",
    )
    def workspace_configs() -> str:
        saved = [{"name": n, "files": workspace.files(n)} for n in workspace.generators()]
        return json.dumps({"generators": saved}, indent=2)

    @mcp.resource(
        "eventum://templating/reference",
        name="templating_reference",
        description="What a template of the `template` event plugin can use: variables, "
        "samples, random helpers, state, flow control.",
        mime_type="text/markdown",
    )
    def templating_reference() -> str:
        return (files("eventum_mcp") / "templating.md").read_text(encoding="utf-8")

    @mcp.prompt(name="create_generator", description="Author a new generator end to end.")
    def create_generator() -> str:
        return CREATE_GENERATOR


def _guarded(fn: Callable[..., Any], redactor: Redactor, transport: str) -> Callable[..., Any]:
    """`fn` as an async tool: run in a thread unless it is async, errors as clean tool errors.
    Every failure is logged (as Eventum 2.8 does) with the tool, the transport and the reason."""

    @functools.wraps(fn)
    async def call(**arguments: Any) -> Any:
        try:
            if inspect.iscoroutinefunction(fn):
                return await fn(**arguments)
            return await anyio.to_thread.run_sync(functools.partial(fn, **arguments))
        except (ToolFailure, UserError) as failure:  # the user's to fix: said as it is
            reason = redactor.message(str(failure))
            log.warning("tool failed", tool=fn.__name__, transport=transport, reason=reason)
            raise ToolFailure(reason) from None
        except Exception as error:
            log.exception("tool failed", tool=fn.__name__, transport=transport)
            message = f"internal error: {type(error).__name__}: {error}"
            raise ToolFailure(redactor.message(message)) from None

    return call


def _texts(folder: Traversable, prefix: str = "") -> list[tuple[str, str]]:
    """Every file under `folder` (package data) as (relative path, text)."""
    found: list[tuple[str, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found.extend(_texts(entry, f"{prefix}{entry.name}/"))
        else:
            found.append((f"{prefix}{entry.name}", entry.read_text(encoding="utf-8")))
    return found
