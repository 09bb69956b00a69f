"""Studio's World section of a scenario's page against a real `eventum run` of examples/soc-world
(scenario `soc`) beside a generator without a world (scenario `plain`), in Debian's Chromium; and
against an `eventum run` where eventum-entities cannot be imported."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import PASSWORD, USER, Server, free_port, launch, make_instance, shot, wait_finished

pytest.importorskip("eventum_entities")

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "soc-world"
SOURCES = ("identity", "vpn", "endpoint")
MARKUP = '<b id="injected">bold</b>'
LAB = """\
input:
  - static: {count: 1}
event:
  template:
    mode: all
    world: world.yml
    templates:
      - main: {template: main.jinja}
output:
  - file: {path: ${params.out}}
"""


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("studio-worlds")
    config = make_instance(root, free_port())
    gens = root / "gens"
    for source in SOURCES:
        shutil.copytree(EXAMPLE / source, gens / source)
    shutil.copy(EXAMPLE / "world.yml", gens / "world.yml")
    lab = gens / "lab"  # a world of its own whose field is markup: shown as text
    lab.mkdir()
    (lab / "generator.yml").write_text(LAB)
    (lab / "main.jinja").write_text("{{ timestamp }}\n")
    world = {
        "entities": {
            "notes": {"count": 2, "key": "text", "fields": {"text": {"items": [MARKUP, "plain"]}}}
        }
    }
    (lab / "world.yml").write_text(json.dumps(world))
    entries = [
        {"id": s, "path": s, "seed": 5, "live_mode": False, "now": "2026-03-01T09:00:00Z",
         "scenarios": ["soc"], "params": {"repeat": 60, "out_dir": str(root / "out")}}
        for s in SOURCES
    ]  # fmt: skip
    entries.append({"id": "timer", "path": "timer", "scenarios": ["plain"],
                    "params": {"out": str(root / "timer.out")}})  # fmt: skip
    entries.append({"id": "lab", "path": "lab", "live_mode": False, "scenarios": ["lab"],
                    "params": {"out": str(root / "lab.out")}})  # fmt: skip
    (root / "startup.yml").write_text(json.dumps(entries))
    yield from launch(root, config)


def test_a_scenario_page_shows_its_world(page: Page, studio: Server, tmp_path: Path) -> None:
    wait_finished(studio, SOURCES)
    client = studio.client()
    users = client.get("/api/scenarios/soc/worlds/entities/users", params={"limit": 50}).json()

    page.goto("/#/scenarios/soc")
    page.get_by_label("User").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="soc")).to_be_visible()
    world = page.get_by_role("region", name="World")
    kinds = world.get_by_role("table", name="Entity kinds of", exact=False)
    for kind, count in (("departments", "6"), ("hosts", "60"), ("users", "120")):
        expect(kinds.locator(f'tr[data-kind="{kind}"] td').nth(1)).to_have_text(count)
    expect(world).to_contain_text("seed 5")
    expect(world.locator('tr[data-episode="password_spray"]')).to_be_visible()

    world.get_by_role("button", name="Show users").click()
    table = world.get_by_role("table", name="Entities: users")
    expect(table.locator("tbody tr")).to_have_count(50)
    expect(world.get_by_role("heading", name="users: first 50 of 120")).to_be_visible()
    keys = table.locator("tbody tr td:nth-child(2)")
    expect(keys).to_have_text([u["key"] for u in users])
    expect(table.locator("tbody tr").first).to_contain_text(users[0]["first_name"])
    shot(page, tmp_path, "world")

    page.goto("/#/scenarios/lab")
    lab = page.get_by_role("region", name="World")
    lab.get_by_role("button", name="Show notes").click()
    cells = lab.get_by_role("table", name="Entities: notes").locator("tbody tr td:nth-child(3)")
    expect(cells).to_have_text([MARKUP, "plain"])
    expect(page.locator("#injected")).to_have_count(0)

    page.goto("/#/scenarios/plain")
    expect(page.get_by_role("heading", name="plain")).to_be_visible()
    expect(page.get_by_role("region", name="World")).to_contain_text(
        "No started generator of this scenario uses a world"
    )


def test_without_eventum_entities_the_section_says_how_to_install_it(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = tmp_path / "hidden" / "eventum_entities"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    monkeypatch.setenv("PYTHONPATH", str(hidden.parent))
    config = make_instance(tmp_path, free_port())
    entry = {"id": "timer", "path": "timer", "scenarios": ["plain"],
             "params": {"out": str(tmp_path / "timer.out")}}  # fmt: skip
    (tmp_path / "startup.yml").write_text(json.dumps([entry]))
    instance = launch(tmp_path, config)
    server = next(instance)
    try:
        assert server.client().get("/api/scenarios/plain/worlds").status_code == 404
        context = browser.new_context(base_url=server.url)
        page = context.new_page()
        page.goto("/#/scenarios/plain")
        page.get_by_label("User").fill(USER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("region", name="World")).to_contain_text(
            "pip install eventum-entities"
        )
        context.close()
    finally:
        instance.close()
