"""Each tool, resource and prompt of `eventum mcp`, called through a real MCP client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TOOLS = {
    "list_plugins",
    "get_plugin_schema",
    "list_formatters",
    "get_formatter_schema",
    "describe_sample",
    "list_secret_names",
    "list_generators",
    "list_generator_files",
    "read_generator_file",
    "write_generator_file",
    "delete_generator_file",
    "delete_generator",
    "validate_generator",
    "preview_timestamps",
    "preview_events",
    "run_generator",
    "export_generator",
    "import_generator",
}
RESOURCES = {
    "eventum://schema/generator",
    "eventum://templating/reference",
    "eventum://examples/generators",
    "eventum://workspace/configs",
}


def test_lists_eventums_tools_resources_and_prompt(serve) -> None:
    async def scenario(client: Any) -> None:
        tools = (await client.session.list_tools()).tools
        assert {t.name for t in tools} == TOOLS
        hints = {t.name: t.annotations for t in tools}
        assert hints["read_generator_file"].readOnlyHint is True
        assert hints["delete_generator"].destructiveHint is True
        resources = (await client.session.list_resources()).resources
        assert {str(r.uri) for r in resources} == RESOURCES
        prompts = (await client.session.list_prompts()).prompts
        assert [p.name for p in prompts] == ["create_generator"]
        prompt = await client.session.get_prompt("create_generator")
        assert "validate_generator" in prompt.messages[0].content.text

    serve(scenario)


def test_discovery_names_plugins_formatters_and_their_schemas(serve) -> None:
    async def scenario(client: Any) -> None:
        plugins = await client.call("list_plugins")
        assert {"linspace", "timer"} <= set(plugins["input"])
        assert "template" in plugins["event"]
        assert "stdout" in plugins["output"]
        assert await client.call("list_plugins", kind="event") == {"event": plugins["event"]}

        schema = await client.call("get_plugin_schema", kind="input", name="linspace")
        assert {"start", "end", "count"} <= set(schema["properties"])
        missing = await client.fails("get_plugin_schema", kind="input", name="linspaced")
        assert "pip install eventum-input-linspaced" in missing
        assert "did you mean 'linspace'" in missing

        formatters = {f["format"]: f for f in await client.call("list_formatters")}
        assert formatters["json"]["config_model"] == "JsonOptions"
        assert formatters["plain"]["description"] == "Events unchanged."
        assert "template" in formatters  # from the template plugin's distribution
        json_schema = await client.call("get_formatter_schema", format="json")
        assert "indent" in json_schema["properties"]
        assert await client.call("list_secret_names") == []  # no --keyring-cryptfile

    serve(scenario)


def test_generator_files_are_listed_read_written_and_deleted(serve, generators: Path) -> None:
    async def scenario(client: Any) -> None:
        assert await client.call("list_generators") == ["web"]
        assert await client.call("list_generator_files", name="web") == [
            "generator.yml",
            "templates/line.jinja",
        ]
        config = await client.call("read_generator_file", name="web", relative_path="generator.yml")
        assert config == (generators / "web" / "generator.yml").read_text()

        written = await client.call(
            "write_generator_file",
            name="api",
            relative_path="samples/users.csv",
            content="user,role\nann,admin\nbob,viewer\n",
        )
        assert written == {"written": "samples/users.csv"}
        assert (generators / "api" / "samples" / "users.csv").is_file()
        sample = await client.call("describe_sample", name="api", relative_path="samples/users.csv")
        assert sample == {
            "type": "csv",
            "columns": ["user", "role"],
            "row_count": 2,
            "example_rows": [["ann", "admin"], ["bob", "viewer"]],
        }
        # Not a generator until it has a config file.
        assert await client.call("list_generators") == ["web"]

        deleted = await client.call(
            "delete_generator_file", name="web", relative_path="templates/line.jinja"
        )
        assert deleted == {"deleted": "templates/line.jinja"}
        assert await client.call("list_generator_files", name="web") == ["generator.yml"]
        assert await client.call("delete_generator", name="api") == {"deleted": "api"}
        assert not (generators / "api").exists()
        assert "not found" in await client.fails("list_generator_files", name="api")

    serve(scenario)


def test_config_filename_option_names_the_config_file(serve, generators: Path) -> None:
    (generators / "web" / "generator.yml").rename(generators / "web" / "eventum.yaml")

    async def scenario(client: Any) -> None:
        assert await client.call("list_generators") == ["web"]
        assert (await client.call("validate_generator", name="web"))["valid"] is True

    serve(scenario, "--config-filename", "eventum.yaml")


def test_validate_and_previews(serve, add_generator) -> None:
    add_generator(
        "broken-template",
        "input:\n  - linspace: {start: '2024-01-01', end: '2024-01-02', count: 3}\n"
        "event:\n  template:\n    mode: all\n    templates:\n"
        "      - boom: {template: templates/boom.jinja}\n"
        "output:\n  - stdout: {}\n",
        {"templates/boom.jinja": "{{ 1 // 0 }}\n"},
    )

    async def scenario(client: Any) -> None:
        assert await client.call("validate_generator", name="web") == {
            "valid": True,
            "input": ["linspace"],
            "event": "template",
            "output": ["stdout (plain)"],
        }

        stamps = await client.call("preview_timestamps", name="web")
        assert stamps["total"] == 10
        assert stamps["timestamps"][0] == "2024-01-01T00:00:00+00:00"
        assert stamps["timestamps"][-1] == "2024-01-01T00:00:09+00:00"
        assert sum(stamps["span_counts"]) == 10
        assert stamps["per_input"] == {"input[0] linspace": 10}
        few = await client.call("preview_timestamps", name="web", size=4)
        assert few["total"] == 4

        events = await client.call("preview_events", name="web", count=3)
        assert events["events"] == [
            f"2024-01-01T00:00:0{i}+00:00 web-01 GET /index.html 200" for i in range(3)
        ]
        assert events["failed"] == 0
        assert events["exhausted"] is False

        failing = await client.call("preview_events", name="broken-template", count=2)
        assert failing["events"] == []
        assert failing["failed"] == 2
        assert failing["errors"], failing
        assert "ZeroDivisionError" in json.dumps(failing["errors"])

    serve(scenario)


def test_run_generator_writes_to_the_outputs_bounded(serve, add_generator) -> None:
    add_generator(
        "endless",
        "input:\n  - timer: {seconds: 1, count: 1}\n"
        "event:\n  template:\n    mode: all\n    templates:\n"
        "      - tick: {template: templates/tick.jinja}\n"
        "output:\n  - stdout: {}\n",
        {"templates/tick.jinja": "tick {{ timestamp.isoformat() }}"},
    )

    async def scenario(client: Any) -> None:
        finite = await client.call("run_generator", name="web")
        assert finite["reason"] == "completed"
        assert (finite["events_written"], finite["events_failed"]) == (10, 0)

        bounded = await client.call("run_generator", name="endless", max_events=7)
        assert bounded["reason"] == "max_events"
        assert bounded["events_written"] == 7

        # The stdout output wrote to the server's stderr; the protocol stream is still whole.
        assert await client.call("list_generators") == ["endless", "web"]
        logged = client.stderr.read_text()
        assert "2024-01-01T00:00:09+00:00 web-01 GET /index.html 200" in logged
        assert logged.count("tick ") == 7

        timed = await client.call("run_generator", name="endless", timeout_seconds=0.5)
        assert timed["reason"] == "timeout"
        assert timed["events_written"] > 7
        assert 0.5 <= timed["seconds"] < 10

    serve(scenario)


def test_resources_describe_the_envelope_examples_and_workspace(serve, generators: Path) -> None:
    async def scenario(client: Any) -> None:
        schema = await client.resource("eventum://schema/generator")
        assert schema["required"] == ["input", "event", "output"]
        assert "linspace" in schema["$defs"]["input"]["propertyNames"]["enum"]

        workspace = await client.resource("eventum://workspace/configs")
        assert workspace == {
            "generators": [{"name": "web", "files": ["generator.yml", "templates/line.jinja"]}]
        }

        (example,) = (await client.resource("eventum://examples/generators"))["examples"]
        assert example["name"] == "web-access-log"
        for relative_path, content in example["files"].items():
            await client.call(
                "write_generator_file",
                name="example",
                relative_path=relative_path,
                content=content,
            )
        assert (await client.call("validate_generator", name="example"))["valid"] is True
        events = await client.call("preview_events", name="example", count=3)
        assert len(events["events"]) == 3
        assert all(json.loads(e)["service"] == "shop-frontend" for e in events["events"])
        sample = await client.call(
            "describe_sample", name="example", relative_path="samples/routes.csv"
        )
        assert sample["columns"] == ["method", "path", "weight"]

    serve(scenario)


REFERENCED = """\
input:
  - linspace: {start: "2024-01-01T00:00:00", end: "2024-01-01T00:00:02", count: 3}
event:
  template:
    mode: all
    samples:
      hosts: {type: items, source: [[web, 10.0.0.1], [db, 10.0.0.2]]}
    templates:
      - line: {template: line.jinja}
output:
  - stdout: {}
"""
# Names the reference documents, used the way it documents them.
REFERENCED_TEMPLATE = (
    "{% do shared.set('n', shared.get('n', 0) + 1) %}"
    "{{ shared['n'] }} {{ timestamp.isoformat() }} {{ samples.hosts.pick()[0] }} "
    "{{ samples.hosts.where(_0='db') | length }} {{ module.rand.string.pattern('%A{3}') }} "
    "{{ module.rand.network.ip_v4_in_subnet('10.0.0.0/8') }} {{ module.rand.crypto.uuid4() }} "
    "{{ module.rand.number.integer(1, 6) }} {{ module.rand.weighted_choice({'a': 1}) }} "
    "{{ module.faker.locale.en_US.user_name() }} {{ module.uuid.uuid4() }} {{ tags | length }}"
)


def test_templating_reference_names_what_templates_can_use(serve, add_generator) -> None:
    add_generator("referenced", REFERENCED, {"line.jinja": REFERENCED_TEMPLATE})

    async def scenario(client: Any) -> None:
        contents = (await client.session.read_resource("eventum://templating/reference")).contents
        reference = contents[0].text
        assert contents[0].mimeType == "text/markdown"
        for name in ("samples.x.where(", "pattern(", "ip_v4_in_subnet(", "uuid4()", "shared"):
            assert name in reference, name
        preview = await client.call("preview_events", name="referenced", count=3)
        assert preview["errors"] == [], preview["errors"]
        assert [e.split()[0] for e in preview["events"]] == ["1", "2", "3"]
        assert all(e.split()[3] == "1" for e in preview["events"])  # where(_0='db'): one row

    serve(scenario)
