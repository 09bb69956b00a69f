"""Eventum Studio end to end: a real `eventum run` serving the UI, driven by Debian's Chromium.

The tests run in order on one logged-in page (login, generators, editor, preview, settings) and
save a screenshot of each page in their tmp_path.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import PASSWORD, USER, Server, answer_prompts, free_port, launch, shot

GENERATOR = """\
input:
  - timer: {seconds: 0.1, count: 5}
event:
  template:
    mode: all
    templates:
      - line: {template: line.jinja}
output:
  - file: {path: ${params.out}}
"""
TEMPLATE = "{{ timestamp }} {{ params.who }} {% set n = shared.get('n', 0) + 1 %}{{ shared.set('n', n) or n }}\n"
BROKEN = "{{ timestamp }}\n{% set n = 1 %}\n{{ n // 0 }}\n"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from eventum_core.keyring_secrets import Keyring

    root = tmp_path_factory.mktemp("studio")
    gens = root / "gens"
    startup = []
    for name in ("alpha", "beta"):
        (gens / name).mkdir(parents=True)
        (gens / name / "generator.yml").write_text(GENERATOR)
        (gens / name / "line.jinja").write_text(TEMPLATE.replace("params.who", f"'{name}'"))
        startup.append(f"- id: {name}\n  path: {name}\n  params: {{out: {root / name}.out}}\n")
    (root / "startup.yml").write_text("".join(startup))
    Keyring(root / "keyring.cfg", password="master").set("existing", "s3cret")
    config = root / "eventum.yml"
    config.write_text(
        f"server:\n  host: 127.0.0.1\n  port: {free_port()}\n  ui.enabled: true\n"
        f"  auth: {{user: {USER}, password: {PASSWORD}}}\n"
        "generation: {}\nlog.level: info\n"
        f"path.logs: {root / 'logs'}\npath.startup: {root / 'startup.yml'}\n"
        f"path.generators_dir: {gens}\npath.keyring_cryptfile: {root / 'keyring.cfg'}\n"
    )
    yield from launch(root, config)


def number(text: str) -> int:
    return int(re.sub(r"\D", "", text) or 0)


def test_login(page: Page, tmp_path: Path) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Eventum Studio")).to_be_visible()
    shot(page, tmp_path, "login")
    page.get_by_label("User").fill(USER)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user or password.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Generators")).to_be_visible()
    assert page.url.endswith("#/generators")


def test_generators_run_and_stop(page: Page, studio: Server, tmp_path: Path) -> None:
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    for name in ("alpha", "beta"):
        expect(page.locator(f'tr[data-id="{name}"] .badge')).to_have_text("running")
    written = page.locator('tr[data-id="alpha"] td:nth-child(6)')
    expect(written).not_to_have_text("—")
    first = number(written.inner_text())
    expect(written).not_to_have_text(str(first), timeout=5000)
    assert number(written.inner_text()) > first
    page.wait_for_timeout(1500)  # a few points of sparkline
    shot(page, tmp_path, "generators")

    page.get_by_role("button", name="Stop beta").click()
    expect(page.locator('tr[data-id="beta"] .badge')).to_have_text("stopped")
    expect(page.locator('tr[data-id="alpha"] .badge')).to_have_text("running")
    expect(page.get_by_role("button", name="Start beta")).to_be_enabled()

    page.get_by_role("link", name="alpha").click()
    expect(page.get_by_role("heading", name="alpha")).to_be_visible()
    expect(page.get_by_label("Log of alpha")).to_contain_text("generator started")
    shot(page, tmp_path, "generator-log")


def test_edit_template_and_see_problems(page: Page, studio: Server, tmp_path: Path) -> None:
    page.get_by_role("link", name="Editor").click()
    page.get_by_role("button", name="beta").click()
    page.get_by_role("button", name="line.jinja").click()
    area = page.get_by_label("Contents of line.jinja")
    expect(area).to_have_value(re.compile("'beta'"))
    area.fill(BROKEN)
    expect(page.locator(".path")).to_have_class(re.compile("dirty"))
    area.press("Control+s")
    expect(page.locator(".path")).not_to_have_class(re.compile("dirty"))
    assert (studio.root / "gens" / "beta" / "line.jinja").read_text() == BROKEN
    expect(page.locator(".problems")).to_contain_text("no problems found")

    page.get_by_role("button", name="generator.yml").click()
    yml = page.get_by_label("Contents of generator.yml")
    yml.fill(GENERATOR.replace("seconds: 0.1", "seconds: -1"))
    yml.press("Control+s")
    problem = page.locator(".problems li button").first
    expect(problem).to_contain_text("generator.yml:2")
    expect(page.locator(".gutter .err")).to_have_text("2")
    shot(page, tmp_path, "editor")
    yml.fill(GENERATOR)
    yml.press("Control+s")
    expect(page.locator(".problems")).to_contain_text("no problems found")


def test_preview_shows_the_error_line(page: Page, studio: Server, tmp_path: Path) -> None:
    page.get_by_role("link", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    page.get_by_label("Generator", exact=True).select_option("beta")
    expect(page.get_by_label("Params (JSON, for ${params.*})")).to_have_value(
        re.compile("beta.out")
    )
    page.get_by_role("button", name="Generate").click()
    expect(page.locator(".chart rect").first).to_be_attached()
    page.get_by_label("Events per run").fill("3")
    page.get_by_role("button", name="Produce").click()
    error = page.get_by_label("Event errors").locator("li")
    expect(error).to_contain_text("ZeroDivisionError")
    expect(error.get_by_role("link")).to_have_text("line.jinja, line 3")
    shot(page, tmp_path, "preview-error")

    (studio.root / "gens" / "beta" / "line.jinja").write_text(TEMPLATE.replace("params.who", "'b'"))
    page.get_by_role("button", name="Reload and reset state").click()
    page.get_by_role("button", name="Produce").click()
    expect(page.get_by_label("Produced events").locator("li")).to_have_count(3)
    expect(page.get_by_label("State after")).to_contain_text('"n": 3')
    page.get_by_role("button", name="Produce").click()
    expect(page.get_by_label("State before")).to_contain_text('"n": 3')
    expect(page.get_by_label("State after")).to_contain_text('"n": 6')
    page.get_by_label("Format", exact=True).fill("plain")
    page.get_by_role("button", name="Format", exact=True).click()
    expect(page.get_by_label("Formatted output").locator("li")).to_have_count(3)
    shot(page, tmp_path, "preview")

    page.goto(f"{studio.url}/#/editor/beta?file=line.jinja&line=3")
    expect(page.get_by_label("Contents of line.jinja")).to_be_focused()


def test_export_import_and_rename_a_generator(page: Page, studio: Server, tmp_path: Path) -> None:
    """From the editor: beta downloaded as a ZIP, imported back as `gamma`, renamed to `delta`;
    alpha, used by startup.yml, is not renamed."""
    gens = studio.root / "gens"
    page.goto(f"{studio.url}/#/editor/beta?file=line.jinja")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    archive = tmp_path / "beta.zip"
    download.value.save_as(archive)
    assert "beta/line.jinja" in zipfile.ZipFile(archive).namelist()
    try:
        answer_prompts(page, "gamma")
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Import a generator from a ZIP archive").click()
        chooser.value.set_files(str(archive))
        expect(page.locator(".path")).to_have_text("gamma/generator.yml")
        imported = (gens / "gamma" / "line.jinja").read_text()
        assert imported == (gens / "beta" / "line.jinja").read_text()

        answer_prompts(page, "delta")
        page.get_by_role("button", name="Rename generator").click()
        expect(page.locator(".path")).to_have_text("delta/generator.yml")
        assert (gens / "delta" / "generator.yml").is_file() and not (gens / "gamma").exists()
        page.get_by_role("button", name="alpha").click()
        page.locator('[data-gen="alpha"][data-path="line.jinja"]').click()
        answer_prompts(page, "omega")
        page.get_by_role("button", name="Rename generator").click()
        expect(page.locator(".toast.bad").last).to_contain_text("used by alpha")
    finally:
        answer_prompts(page, None)
    assert (gens / "alpha" / "generator.yml").is_file() and not (gens / "omega").exists()
    shot(page, tmp_path, "editor-import")


def test_settings_and_secrets(page: Page, studio: Server, tmp_path: Path) -> None:
    page.get_by_role("link", name="Settings").click()
    expect(page.locator(".kv")).to_contain_text("Python")
    secrets = page.get_by_role("list", name="Secrets")
    expect(secrets).to_contain_text("existing")
    assert "s3cret" not in secrets.inner_text()
    page.get_by_role("button", name="Show existing").click()
    expect(secrets).to_contain_text("s3cret")
    page.get_by_label("Name").fill("api_token")
    page.get_by_label("Value").fill("t-0k3n")
    page.get_by_role("button", name="Set secret").click()
    expect(secrets).to_contain_text("api_token")
    assert "t-0k3n" not in secrets.inner_text()
    shot(page, tmp_path, "settings")
    with studio.client() as client:
        assert client.get("/api/secrets/api_token").json() == {"value": "t-0k3n"}


def test_unreachable_server_is_said(page: Page, studio: Server, tmp_path: Path) -> None:
    page.get_by_role("link", name="Generators").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    page.route("**/api/**", lambda route: route.abort())
    banner = page.locator("#offline")
    expect(banner).to_contain_text("Cannot reach the Eventum server")
    shot(page, tmp_path, "unreachable")
    page.unroute("**/api/**")
    expect(banner).to_be_hidden(timeout=8000)


def test_assets_are_small_and_api_paths_stay_404(studio: Server) -> None:
    import gzip

    from eventum_server.studio import UI_DIR

    script = b"".join(p.read_bytes() for p in UI_DIR.rglob("*.js"))
    assert len(gzip.compress(script)) < 300_000
    with studio.client(auth=False) as client:
        index = client.get("/")
        assert index.status_code == 200
        assert "Eventum Studio" in index.text
        assert "default-src 'self'" in index.headers["content-security-policy"]
        assert client.get("/api/nope").status_code in (401, 404)
        unauthorized: Any = client.get("/api/generators/", headers={"X-Requested-With": "x"})
        assert unauthorized.status_code == 401
        assert "www-authenticate" not in unauthorized.headers
        assert "www-authenticate" in client.get("/api/generators/").headers


@pytest.mark.parametrize(
    ("switches", "ui", "api"),
    [
        ("ui_enabled: false", 404, 200),
        ("ui: {enabled: true}\n  api: {enabled: false}", 200, 200),  # Studio needs the API
        ("ui_enabled: false\n  api_enabled: false", None, None),
    ],
)
def test_ui_switch(tmp_path: Path, switches: str, ui: int | None, api: int | None) -> None:
    import httpx

    from eventum_core.app.application import Application
    from eventum_server.service import create_service

    port = free_port()
    config = tmp_path / "eventum.yml"
    config.write_text(
        f"server:\n  host: 127.0.0.1\n  port: {port}\n  {switches}\ngeneration: {{}}\n"
        f"log: {{}}\npath: {{logs: {tmp_path}, startup: {tmp_path / 's.yml'}, "
        f"generators_dir: {tmp_path}, keyring_cryptfile: {tmp_path / 'k.cfg'}}}\n"
    )
    service = create_service(Application.from_config(config))
    if ui is None:
        assert service is None
        return
    assert service is not None
    service.start()
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == ui
        assert httpx.get(f"http://127.0.0.1:{port}/api/healthz").status_code == api
    finally:
        service.stop()
