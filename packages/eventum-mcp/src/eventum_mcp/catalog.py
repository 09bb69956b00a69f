"""What is installed and how to configure it: plugins, formatters, the generator.yml envelope,
and what a sample file holds. Listing reads entry-point metadata only; schemas import the one
plugin they describe."""

from __future__ import annotations

from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, Any, Literal

from eventum_core.context import PluginKind
from eventum_core.discovery import Registry
from eventum_core.errors import EventumError
from eventum_mcp.errors import ToolFailure
from eventum_mcp.workspace import Workspace

if TYPE_CHECKING:
    from eventum_core.keyring_secrets import Keyring
    from eventum_mcp.tools import ToolMaker

ListedKind = Literal["input", "event", "output"]
"""The kinds `list_plugins` names (a subset of core's `PluginKind`: formatters have their own
tools)."""
PLUGIN_KINDS: tuple[ListedKind, ...] = ("input", "event", "output")
MAX_SAMPLE_BYTES = 32 * 1024 * 1024
EXAMPLE_ROWS = 5


def plugin_names(registry: Registry, kind: ListedKind | None) -> dict[str, list[str]]:
    kinds = PLUGIN_KINDS if kind is None else (kind,)
    return {k: registry.names(k) for k in kinds}


def _load(registry: Registry, kind: PluginKind, name: str) -> type[Any]:
    try:
        return registry.load(kind, name)
    except EventumError as error:
        raise ToolFailure(str(error)) from None


def config_schema(registry: Registry, kind: PluginKind, name: str) -> dict[str, Any]:
    """The JSON schema of the plugin's `Config` model: what goes under its name in YAML."""
    config = _load(registry, kind, name).Config
    try:
        schema: dict[str, Any] = config.model_json_schema()
    except Exception as error:
        raise ToolFailure(f"{kind} plugin {name!r} has no JSON schema: {error}") from None
    return schema


def formatters(registry: Registry) -> list[dict[str, Any]]:
    """Each installed formatter with the first line of its description and config model name."""
    found = []
    for name in registry.names("formatter"):
        entry: dict[str, Any] = {"format": name}
        try:
            cls = registry.load("formatter", name)
        except EventumError as error:
            entry["problem"] = str(error)
        else:
            lines = (cls.__doc__ or "").strip().splitlines()
            entry["description"] = lines[0] if lines else ""
            entry["config_model"] = cls.Config.__name__
        found.append(entry)
    return found


def generator_schema(registry: Registry) -> dict[str, Any]:
    """The generator.yml envelope: which sections, and which plugin names may appear in each.
    Each plugin's own options come from its config schema (`get_plugin_schema`)."""

    def one_of(kind: PluginKind, extra: str = "") -> dict[str, Any]:
        return {
            "type": "object",
            "description": (
                f"One {kind} plugin: its name as the only key, its options (an object, see "
                f"get_plugin_schema) as the value.{extra}"
            ),
            "minProperties": 1,
            "maxProperties": 1,
            "propertyNames": {"enum": registry.names(kind)},
            "additionalProperties": {"type": ["object", "null"]},
        }

    formats = ", ".join(registry.names("formatter"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "generator.yml",
        "description": (
            "A generator: inputs say when events happen, the event plugin what happens, outputs "
            "where events go. `${params.name}` and `${secrets.name}` are substituted before the "
            "YAML is read; keys may be dotted (`a.b: 1` is `a: {b: 1}`)."
        ),
        "type": "object",
        "required": ["input", "event", "output"],
        "additionalProperties": False,
        "properties": {
            "input": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/input"}},
            "event": {"$ref": "#/$defs/event"},
            "output": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/output"}},
        },
        "$defs": {
            "input": one_of("input"),
            "event": one_of("event"),
            "output": one_of(
                "output",
                " An output's options may hold `formatter: {format: NAME, ...options}` "
                f"(default plain); installed formats: {formats} (see get_formatter_schema).",
            ),
        },
    }


def sample_summary(path: Path, relative_path: str) -> dict[str, Any]:
    """Columns, row count and first rows of a CSV (with a header row) or JSON sample, read as
    the template plugin reads it."""
    try:
        from eventum_event_template.samples import csv_sample, json_sample
    except ImportError:
        raise ToolFailure(
            "describe_sample reads samples as the template plugin does: "
            "pip install eventum-event-template"
        ) from None
    size = path.stat().st_size
    if size > MAX_SAMPLE_BYTES:
        raise ToolFailure(
            f"{relative_path!r} is {size} bytes, more than the {MAX_SAMPLE_BYTES} a sample is "
            "read whole for here; read its beginning with read_generator_file instead"
        )
    rng = Random(0)
    try:
        if path.suffix == ".csv":
            kind = "csv"
            sample = csv_sample(
                path, header=True, delimiter=",", quotechar='"', rng=rng, name=relative_path
            )
        elif path.suffix == ".json":
            kind = "json"
            sample = json_sample(path, rng=rng, name=relative_path)
        else:
            raise ToolFailure(f"{relative_path!r}: a sample is a .csv or .json file")
    except EventumError as error:
        raise ToolFailure(str(error)) from None
    return {
        "type": kind,
        "columns": sample.columns,
        "row_count": len(sample),
        "example_rows": [list(sample[i]) for i in range(min(EXAMPLE_ROWS, len(sample)))],
    }


def register(
    tool: ToolMaker, workspace: Workspace, registry: Registry, keyring: Keyring | None
) -> None:
    """The tools that say what is installed, its schemas, samples and secret names."""

    @tool()
    def list_plugins(kind: ListedKind | None = None) -> dict[str, list[str]]:
        """Installed input, event and output plugin names by kind (one kind if given)."""
        return plugin_names(registry, kind)

    @tool()
    def get_plugin_schema(kind: ListedKind, name: str) -> dict[str, Any]:
        """JSON schema of a plugin's options: what goes under its name in generator.yml."""
        return config_schema(registry, kind, name)

    @tool()
    def list_formatters() -> list[dict[str, Any]]:
        """Installed output formatters (`formatter: {format: NAME}` in an output's options)."""
        return formatters(registry)

    @tool()
    def get_formatter_schema(format: str) -> dict[str, Any]:
        """JSON schema of a formatter's options (the keys beside `format`)."""
        return config_schema(registry, "formatter", format)

    @tool()
    def describe_sample(name: str, relative_path: str) -> dict[str, Any]:
        """Columns, row count and first rows of a CSV (header row first) or JSON sample file in
        a generator's folder, so templates can use `samples.NAME.pick().COLUMN`."""
        return sample_summary(workspace.file(name, relative_path), relative_path)

    @tool()
    def list_secret_names() -> list[str]:
        """Names of the keyring's secrets, usable as `${secrets.NAME}` (never their values;
        values are set by a person with `eventum-keyring set NAME`)."""
        return keyring.names() if keyring is not None else []
