"""The MCP server: Eventum 2.6's authoring tools, resources and prompt on the official SDK's
FastMCP, bound to one generators folder.

Each tool module registers its tools with `register(tool, ...)`, `tool` being the `ToolMaker`
(eventum_mcp.tools) that guards every tool: blocking work runs in a worker thread, and whatever
fails comes back as a tool error whose message has no absolute path in it.
"""

from __future__ import annotations

import json
import warnings
from importlib.resources import files
from importlib.resources.abc import Traversable

from mcp.server.fastmcp import FastMCP

from eventum_core.discovery import Registry
from eventum_core.keyring_secrets import Keyring
from eventum_mcp import archives, catalog, instance, renaming, scenarios
from eventum_mcp import authoring as authoring_tools
from eventum_mcp import live as live_tools
from eventum_mcp import repositories as repository_tools
from eventum_mcp import workspace as file_tools
from eventum_mcp.__about__ import __version__
from eventum_mcp.live import LiveOps
from eventum_mcp.redaction import Redactor
from eventum_mcp.repositories import RepositoryService
from eventum_mcp.tools import ToolMaker
from eventum_mcp.workspace import Workspace

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
    instructions = INSTRUCTIONS + (LIVE_INSTRUCTIONS if live is not None else "")
    with warnings.catch_warnings():
        # The SDK's settings model trips a pydantic-settings warning that means nothing to a user.
        warnings.filterwarnings("ignore", message="Field 'lifespan' has an incomplete definition")
        mcp = FastMCP("eventum", instructions=instructions, log_level=log_level)  # type: ignore[arg-type]
    mcp._mcp_server.version = __version__  # serverInfo names this package, not the SDK
    transport = "stdio" if live is None else "http"
    tool = ToolMaker(mcp, Redactor(workspace.generators_dir), transport)
    catalog.register(tool, workspace, registry, keyring)
    file_tools.register(tool, workspace)
    authoring_tools.register(tool, authoring_tools.Authoring(workspace, registry, keyring))
    archives.register(tool, workspace)
    _resources_and_prompts(mcp, workspace, registry)
    if live is not None:
        live_tools.register(tool, live)
        renaming.register(tool, live)
        scenarios.register(tool, live, registry)
        instance.register(tool, mcp, live)

        @mcp.prompt(name="live_ops", description="Run and watch the generators of this instance.")
        def live_ops() -> str:
            return LIVE_OPS

    if repositories is not None:
        repository_tools.register(tool, repositories, workspace)
    return mcp


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


def _texts(folder: Traversable, prefix: str = "") -> list[tuple[str, str]]:
    """Every file under `folder` (package data) as (relative path, text)."""
    found: list[tuple[str, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found.extend(_texts(entry, f"{prefix}{entry.name}/"))
        else:
            found.append((f"{prefix}{entry.name}", entry.read_text(encoding="utf-8")))
    return found
