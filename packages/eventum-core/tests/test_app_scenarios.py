"""Scenarios (Eventum 2.4): names startup.yml entries list under `scenarios`, edited in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from eventum_core.app.settings import Settings, load_settings
from eventum_core.app.startup import (
    ScenarioConflict,
    ScenarioNotFound,
    StartupEntryNotFound,
    delete_scenario,
    join_scenario,
    leave_scenario,
    load_startup,
    rename_scenario,
    scenario_members,
    scenario_names,
)
from eventum_core.errors import ConfigError

from .test_app_settings import write_settings

STARTUP = """\
- id: auth
  path: auth
  autostart: false
  params: {users: 5}
  scenarios: [corp, security]
- id: proxy
  path: proxy/generator.yml
  scenarios: [corp]
- id: alone
  path: alone
  batch.size: 50
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = load_settings(write_settings(tmp_path))
    settings.path.startup.write_text(STARTUP)
    return settings


def items(settings: Settings) -> Any:
    return yaml.safe_load(settings.path.startup.read_text())


def test_entries_carry_their_scenarios(settings: Settings) -> None:
    auth, proxy, alone = load_startup(settings)
    assert auth.scenarios == ("corp", "security")
    assert proxy.scenarios == ("corp",)
    assert alone.scenarios == ()
    assert scenario_names(settings) == ["corp", "security"]
    assert scenario_members(settings, "corp") == ["auth", "proxy"]
    assert scenario_members(settings, "nope") == []


def test_membership_round_trips_through_startup_yml(settings: Settings) -> None:
    join_scenario(settings, "security", "alone")
    assert scenario_members(settings, "security") == ["auth", "alone"]
    assert items(settings)[2] == {
        "id": "alone",
        "path": "alone",
        "batch": {"size": 50},
        "scenarios": ["security"],
    }
    assert items(settings)[0]["params"] == {"users": 5}  # other fields are kept
    assert items(settings)[0]["autostart"] is False

    leave_scenario(settings, "corp", "auth")
    assert items(settings)[0]["scenarios"] == ["security"]
    leave_scenario(settings, "corp", "proxy")
    assert "scenarios" not in items(settings)[1]  # Eventum drops an empty list
    assert scenario_names(settings) == ["security"]

    assert rename_scenario(settings, "security", "soc") == ["auth", "alone"]
    assert scenario_names(settings) == ["soc"]
    assert delete_scenario(settings, "soc") == ["auth", "alone"]
    assert scenario_names(settings) == []
    assert [e.id for e in load_startup(settings)] == ["auth", "proxy", "alone"]


def test_rename_keeps_the_place_in_each_list(settings: Settings) -> None:
    rename_scenario(settings, "corp", "network")
    assert items(settings)[0]["scenarios"] == ["network", "security"]


def test_refused_edits_leave_the_file_as_it_was(settings: Settings) -> None:
    before = settings.path.startup.read_text()
    with pytest.raises(StartupEntryNotFound):
        join_scenario(settings, "corp", "ghost")
    with pytest.raises(ScenarioConflict):
        join_scenario(settings, "corp", "proxy")
    with pytest.raises(ScenarioNotFound):
        leave_scenario(settings, "security", "proxy")
    with pytest.raises(ScenarioNotFound):
        delete_scenario(settings, "nope")
    with pytest.raises(ScenarioNotFound):
        rename_scenario(settings, "nope", "other")
    with pytest.raises(ScenarioConflict):
        rename_scenario(settings, "corp", "security")
    with pytest.raises(ScenarioConflict):
        rename_scenario(settings, "corp", "corp")
    assert settings.path.startup.read_text() == before


def test_scenarios_must_be_a_list_of_names(settings: Settings) -> None:
    settings.path.startup.write_text("- id: a\n  path: a\n  scenarios: corp\n")
    with pytest.raises(ConfigError, match="scenarios: expected a list of scenario names"):
        load_startup(settings)
    settings.path.startup.write_text("- id: a\n  path: a\n  scenarios: ['']\n")
    with pytest.raises(ConfigError, match="scenarios"):
        scenario_names(settings)


def test_no_startup_file_means_no_scenarios(settings: Settings) -> None:
    settings.path.startup.unlink()
    assert scenario_names(settings) == []
    with pytest.raises(StartupEntryNotFound):
        join_scenario(settings, "corp", "auth")
