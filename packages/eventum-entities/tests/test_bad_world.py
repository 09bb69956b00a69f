"""A mistake in a world file is one line naming the file, the line and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eventum_core import ConfigError
from eventum_entities.world import read_world

USERS = "entities:\n  users:\n    count: 5\n    key: username\n    fields:\n      username: {template: 'u{{ index }}'}\n"
STEP = (
    "episodes:\n  spray:\n    start: {at: 1m}\n    steps:\n"
    "      - {name: a, generator: g, template: t.jinja}\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (USERS + "    colour: red\n", r"world.yml:7: entities.users.colour: unknown field"),
        (
            USERS.replace("count: 5", "count: 0"),
            r"world.yml:3: entities.users.count: input should be greater than or equal to 1",
        ),
        (
            USERS.replace("key: username", "key: login"),
            r"world.yml:\d: entities.users: key: 'login' is not one of the fields",
        ),
        (
            USERS + "      host: {ref: hostz}\n",
            r"world.yml:7: entities.users.fields.host.ref: no entity kind 'hostz' \(kinds: users\)",
        ),
        (
            USERS.replace("      username:", "      boss: {ref: users}\n      username:"),
            r"world.yml:6: entities.users.fields.boss.ref: a ref that can lead back to 'users' "
            r"comes before its key field 'username': declare the key first",
        ),
        (
            USERS + "      x: {faker: name, choice: [1]}\n",
            r"world.yml:7: entities.users.fields.x: needs exactly one of .* \(got faker, choice\)",
        ),
        (USERS + "      ip: {ip: 10.0.0.0/33}\n", r"world.yml:7: entities.users.fields.ip: ip: "),
        (
            USERS + STEP.replace("at: 1m", "at: soon"),
            r"world.yml:9: episodes.spray.start.at: not a duration such as 30s, 10m, 1h30m \(got 'soon'\)",
        ),
        (
            USERS
            + STEP.replace("start: {at: 1m}", "start: {at: 1m}\n    entities: {v: {kind: hosts}}"),
            r"world.yml:10: episodes.spray.entities.v.kind: no entity kind 'hosts'",
        ),
        (
            USERS + STEP.replace("name: a,", ""),
            r"world.yml:11: episodes.spray.steps\[0\].name: required field is missing",
        ),
        (
            USERS + "      index: {value: 1}\n",
            r"world.yml:6: entities.users.fields: 'index': a field name is an identifier",
        ),
        ("entities: [\n", r"world.yml:2:1: YAML syntax error"),
        ("- 1\n", r"world.yml:1: a world file is a mapping"),
    ],
)
def test_one_line_names_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "world.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_world(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message

    assert re.search(expected, message), message


def test_the_cli_reports_a_bad_world_in_one_line_and_exits_2(scenario: Path, eventum) -> None:  # type: ignore[no-untyped-def]
    world = scenario / "world.yml"
    world.write_text(world.read_text().replace("count: 60", "count: sixty"))
    result = eventum(
        "generate", "--path", str(scenario / "vpn" / "generator.yml"), "--id", "vpn",
        "--live-mode", "false", "--seed", "1", "--params", '{"repeat": 5}',
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{world}:12: entities.hosts.count: input should be a valid integer" in lines[0]


def test_a_missing_step_template_names_the_step(scenario: Path, eventum) -> None:  # type: ignore[no-untyped-def]
    (scenario / "vpn" / "templates" / "vpn_new_country.jinja").unlink()
    result = eventum(
        "generate", "--path", str(scenario / "vpn" / "generator.yml"), "--id", "vpn",
        "--live-mode", "false", "--seed", "1", "--params", '{"repeat": 5}',
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "world.yml:" in lines[0]
    assert "episodes.password_spray.steps[2].template: file not found" in lines[0]


@pytest.mark.parametrize(
    ("source", "change", "expected"),
    [
        ("vpn", ("count: 60", "count: sixty"), r"world.yml:12: entities.hosts.count: input should"),
        (
            "identity",
            ("{department: Finance}", "{dept: Finance}"),
            r"world.yml: episodes: .*users has no field 'dept'",
        ),
        (
            "identity",
            ("templates/spray_success.jinja", "templates/gone.jinja"),
            r"world.yml:51: episodes.password_spray.steps\[1\].template: file not found .*gone",
        ),
        (
            "endpoint",
            ("{faker: first_name}", "{faker: no_such_provider}"),
            r"world.yml:\d+: entities.users.fields.first_name: AttributeError",
        ),
    ],
)
def test_validate_checks_the_world_as_a_run_does(  # type: ignore[no-untyped-def]
    scenario: Path, eventum, source: str, change: tuple[str, str], expected: str
) -> None:
    """`eventum validate` of a generator naming a world loads its entities and its episodes
    (this generator's step templates, by the folder's name as id) and writes no truth/."""
    ok = eventum("validate", "--path", str(scenario / source))
    assert ok.returncode == 0, ok.stderr
    world = scenario / "world.yml"
    world.write_text(world.read_text().replace(*change))
    result = eventum("validate", "--path", str(scenario / source / "generator.yml"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(expected, lines[0]), lines[0]
    assert not (scenario / "truth").exists()
