"""What the server refuses and hides: writes when read-only, paths out of the generators folder,
secret values and the host's absolute paths in answers; and errors that say what to fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eventum_core.keyring_secrets import Keyring

PASSWORD = "keyring-password-for-tests"
TOKEN = "tok-5f1c9e-not-for-eyes"


def test_read_only_refuses_every_write(serve, generators: Path) -> None:
    before = (generators / "web" / "generator.yml").read_text()

    async def scenario(client: Any) -> None:
        refusals = [
            await client.fails(
                "write_generator_file", name="web", relative_path="generator.yml", content="x"
            ),
            await client.fails(
                "write_generator_file", name="new", relative_path="a.yml", content=""
            ),
            await client.fails(
                "delete_generator_file", name="web", relative_path="templates/line.jinja"
            ),
            await client.fails("delete_generator", name="web"),
            await client.fails("run_generator", name="web"),
        ]
        assert all("read-only" in refusal for refusal in refusals), refusals
        # Reading and trying still work.
        assert await client.call("read_generator_file", name="web", relative_path="generator.yml")
        assert (await client.call("preview_events", name="web", count=1))["events"]

    serve(scenario, "--read-only")
    assert (generators / "web" / "generator.yml").read_text() == before
    assert (generators / "web" / "templates" / "line.jinja").exists()
    assert not (generators / "new").exists()


def test_paths_cannot_leave_the_generators_folder(serve, generators: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.yml").write_text("password: hunter2\n")
    (outside / "generator.yml").write_text((generators / "web" / "generator.yml").read_text())
    (generators / "web" / "templates" / "leak.jinja").symlink_to(outside / "private.yml")
    (generators / "web" / "elsewhere").symlink_to(outside, target_is_directory=True)
    (generators / "linked").symlink_to(outside, target_is_directory=True)

    async def scenario(client: Any) -> None:
        assert "'..' is not allowed" in await client.fails(
            "read_generator_file", name="web", relative_path="../web/generator.yml"
        )
        assert "relative to the generator" in await client.fails(
            "read_generator_file", name="web", relative_path=str(outside / "private.yml")
        )
        for name in ("..", "web/..", "../outside", ""):
            assert "invalid generator name" in await client.fails("list_generator_files", name=name)
        assert "outside" in await client.fails(
            "read_generator_file", name="web", relative_path="templates/leak.jinja"
        )
        assert "outside" in await client.fails(
            "write_generator_file", name="web", relative_path="elsewhere/new.yml", content="x"
        )
        assert "outside the generators folder" in await client.fails(
            "read_generator_file", name="linked", relative_path="generator.yml"
        )
        assert "only .csv, .jinja, .json, .yaml, .yml files" in await client.fails(
            "write_generator_file", name="web", relative_path="produce.py", content="import os"
        )
        # Symlinks are neither listed nor followed.
        assert await client.call("list_generators") == ["web"]
        assert "templates/leak.jinja" not in await client.call("list_generator_files", name="web")

    serve(scenario)
    assert sorted(p.name for p in outside.iterdir()) == ["generator.yml", "private.yml"]


def test_a_bad_generator_fails_naming_file_line_and_field(
    serve, add_generator, generators: Path
) -> None:
    add_generator(
        "bad",
        "input:\n  - linspace:\n      start: '2024-01-01'\n      end: '2024-01-02'\n"
        "      count: 0\n"
        "event:\n  template:\n    mode: all\n    templates:\n"
        "      - line: {template: templates/line.jinja}\n"
        "output:\n  - stdout: {}\n",
        {"templates/line.jinja": "x"},
    )
    add_generator(
        "missing-template",
        "input:\n  - timer: {seconds: 1, count: 1}\n"
        "event:\n  template:\n    mode: all\n    templates:\n"
        "      - line: {template: templates/nowhere.jinja}\n"
        "output:\n  - stdout: {}\n",
    )

    async def scenario(client: Any) -> None:
        error = await client.fails("validate_generator", name="bad")
        assert "bad/generator.yml:5: input[0].linspace.count:" in error
        assert "greater than or equal to 1" in error
        missing = await client.fails("validate_generator", name="missing-template")
        assert "missing-template/generator.yml:7: event.template" in missing
        assert "templates[0].line.template: template file not found" in missing
        assert "nowhere.jinja" in missing
        for message in (error, missing):
            assert str(generators) not in message
            assert str(generators.resolve()) not in message
        assert "not found" in await client.fails("validate_generator", name="absent")
        # The same error from the previews and the run.
        assert "input[0].linspace.count" in await client.fails("preview_events", name="bad")
        assert "input[0].linspace.count" in await client.fails("run_generator", name="bad")

    serve(scenario)


def test_secret_values_are_redacted_and_names_listed(
    serve, add_generator, generators: Path, tmp_path: Path
) -> None:
    cryptfile = tmp_path / "keyring.cfg"
    Keyring(cryptfile, password=PASSWORD).set("api_token", TOKEN)
    add_generator(
        "authed",
        "input:\n  - linspace: {start: '2024-01-01', end: '2024-01-02', count: 2}\n"
        "event:\n  template:\n    mode: all\n    params:\n      token: ${secrets.api_token}\n"
        "    templates:\n      - call: {template: templates/call.jinja}\n"
        "output:\n  - stdout: {}\n",
        {"templates/call.jinja": "GET /api Authorization: Bearer {{ params.token }}"},
    )
    add_generator(
        "leaky-error",
        "input:\n  - timer: {seconds: '${secrets.api_token}', count: 1}\n"
        "event:\n  template:\n    mode: all\n    templates:\n"
        "      - line: {template: templates/line.jinja}\n"
        "output:\n  - stdout: {}\n",
        {"templates/line.jinja": "x"},
    )

    async def scenario(client: Any) -> None:
        assert await client.call("list_secret_names") == ["api_token"]
        events = await client.call("preview_events", name="authed", count=2)
        assert events["events"] == ["GET /api Authorization: Bearer [redacted]"] * 2
        error = await client.fails("validate_generator", name="leaky-error")
        assert "input[0].timer.seconds" in error
        answers = json.dumps(events) + error
        assert TOKEN not in answers
        # The run delivers the real value: redaction is for what the assistant sees.
        run = await client.call("run_generator", name="authed")
        assert run["events_written"] == 2
        assert f"Bearer {TOKEN}" in client.stderr.read_text()

    serve(
        scenario,
        "--keyring-cryptfile",
        str(cryptfile),
        env={"EVENTUM_KEYRING_PASSWORD": PASSWORD},
    )
