"""Studio's Scenarios pages against a real `eventum run` (the instance of test_scenarios.py),
driven by Debian's Chromium like test_studio.py; a screenshot of each page in its tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from .conftest import PASSWORD, USER, Server, launch, scenario_instance, shot


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("studio-scenarios")
    yield from launch(root, scenario_instance(root))


def test_scenario_list_create_and_delete(page: Page, studio: Server, tmp_path: Path) -> None:
    page.goto("/#/scenarios")
    page.get_by_label("User").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Scenarios").click()
    expect(page.get_by_role("heading", name="Scenarios")).to_be_visible()
    corp = page.locator('tr[data-scenario="corp"]')
    expect(corp.locator("td").nth(1)).to_have_text("2")
    expect(corp.locator("td").nth(2)).to_have_text("1 finished, 1 idle")
    expect(page.locator('tr[data-scenario="other"]')).to_be_visible()

    page.get_by_label("Scenario name").fill("lab")
    page.get_by_role("group", name="Generators of the new scenario").get_by_label("loner").check()
    page.get_by_role("button", name="Create scenario").click()
    expect(page.locator('tr[data-scenario="lab"] td').nth(1)).to_have_text("1")
    entries = yaml.safe_load((studio.root / "startup.yml").read_text())
    assert entries[3]["scenarios"] == ["lab"]
    shot(page, tmp_path, "scenarios")
    page.get_by_role("button", name="Delete lab").click()
    expect(page.locator('tr[data-scenario="lab"]')).to_have_count(0)
    assert "scenarios" not in yaml.safe_load((studio.root / "startup.yml").read_text())[3]


def test_scenario_page_data_flow_and_globals(page: Page, studio: Server, tmp_path: Path) -> None:
    page.get_by_role("link", name="corp").click()
    expect(page.get_by_role("heading", name="corp")).to_be_visible()
    members = page.get_by_role("table", name="Generators of the scenario")
    expect(members.locator("tbody tr")).to_have_count(2)
    session = page.get_by_role("table", name="Data flow").locator('tr[data-key="session"] td')
    expect(session.nth(1)).to_have_text("writer")
    expect(session.nth(2)).to_have_text("writer, reader")
    globals_ = page.get_by_role("table", name="Globals")
    expect(globals_.locator('tr[data-key="session"]')).to_contain_text('"S-bob"')

    page.get_by_label("Key").fill("session")
    page.get_by_label("Value (JSON)").fill('"S-zed"')
    page.get_by_role("button", name="Set global").click()
    expect(globals_.locator('tr[data-key="session"]')).to_contain_text('"S-zed"')
    with studio.client() as client:
        assert client.get("/api/scenarios/other/globals/session").json() == "S-zed"
    shot(page, tmp_path, "scenario")

    page.get_by_label("Generator", exact=True).select_option("loner")
    page.get_by_role("button", name="Add to scenario").click()
    expect(members.locator("tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Remove loner").click()
    expect(members.locator("tbody tr")).to_have_count(2)

    page.get_by_role("button", name="Delete session").click()
    expect(globals_.locator('tr[data-key="session"]')).to_have_count(0)
    page.get_by_role("button", name="Start all").click()  # both run to their end (sample mode)
    expect(members.locator('tr[data-id="reader"] .badge')).to_have_text("finished")
    expect(members.locator('tr[data-id="writer"] .badge')).to_have_text("finished")
    assert (studio.root / "reader.out").read_text()
