"""Studio's Repositories page against a real `eventum run` (as in test_repositories.py: git
repositories served over HTTP, GitHub's search answered by a local server), driven by Debian's
Chromium like test_studio.py; a screenshot of each page in its tmp_path."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer

from .conftest import (
    PASSWORD,
    USER,
    Server,
    answer_prompts,
    free_port,
    launch_answering_github,
    shot,
)
from .git_hosting import GIT_PASSWORD, GIT_USER, GitHost, generator_files, github_item

SEARCH = {"sort": "stars", "order": "desc", "per_page": "30", "page": "1"}


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, github: HTTPServer) -> Iterator[Server]:
    yield from launch_answering_github(tmp_path_factory.mktemp("studio-repositories"), github)


@pytest.fixture(scope="module", autouse=True)
def signed_in(page: Page) -> None:
    """The module's tab has a session cookie (the login page is test_studio.py's)."""
    credentials = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    answer = page.request.post("/api/auth/login", headers={"Authorization": f"Basic {credentials}"})
    assert answer.ok, answer.text()


def connect_form(tab: Page, name: str, url: str) -> None:
    form = tab.get_by_role("form", name="Connect a repository")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("URL").fill(url)
    form.get_by_role("button", name="Connect").click()


def test_connect_errors_and_no_password_shown(
    page: Page,
    studio: Server,
    git_host: GitHost,
    tmp_path: Path,
) -> None:
    page.goto("/#/repositories")
    expect(page.get_by_role("heading", name="Repositories")).to_be_visible()
    expect(page.get_by_text("No repositories are connected")).to_be_visible()
    problem = page.get_by_role("form", name="Connect a repository").get_by_role("alert")

    connect_form(page, "bad", "ftp://127.0.0.1/packs.git")
    expect(problem).to_have_text("bad: url: URL scheme must be http or https")
    connect_form(page, "down", f"http://127.0.0.1:{free_port()}/packs.git")
    expect(problem).to_contain_text("Repository 'down' cannot be connected")
    expect(page.locator("tbody tr")).to_have_count(0)

    url = git_host.publish("studio-vault", generator_files(), private=True)
    form = page.get_by_role("form", name="Connect a repository")
    form.get_by_label("Username").fill(GIT_USER)
    form.get_by_label("Password or ${secrets.NAME}").fill(GIT_PASSWORD)
    connect_form(page, "vault", url)
    row = page.locator('tr[data-repository="vault"]')
    expect(row.locator(".badge")).to_have_text("available")
    expect(row).to_contain_text(f"{GIT_USER} · password stored")
    expect(problem).to_have_text("")
    expect(form.get_by_label("Password or ${secrets.NAME}")).to_have_value("")
    assert GIT_PASSWORD not in page.content()
    page.reload()
    expect(row).to_contain_text("password stored")
    assert GIT_PASSWORD not in page.content()
    shot(page, tmp_path, "repositories")
    page.get_by_role("button", name="Disconnect vault").click()  # the dialog is accepted
    expect(row).to_have_count(0)


def test_install_from_a_catalog_refresh_and_disconnect(
    page: Page,
    studio: Server,
    git_host: GitHost,
    tmp_path: Path,
) -> None:
    url = git_host.publish("studio-packs", generator_files())
    page.goto("/#/repositories")
    connect_form(page, "packs", url)
    row = page.locator('tr[data-repository="packs"]')
    expect(row.locator(".badge")).to_have_text("available")
    row.get_by_role("button", name="Check packs").click()
    expect(page.locator(".toast").last).to_have_text("packs: available")

    row.get_by_role("link", name="packs").click()
    expect(page.get_by_role("heading", name="packs", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Catalog").locator("tbody tr")).to_have_count(1)
    entry = page.locator('tr[data-entry="web"]')  # `notes` has no generator.yml
    expect(entry.locator("td").nth(0)).to_have_text("Web access loggenerators/web")
    expect(entry.locator("td").nth(1)).to_have_text("Produces web access events, see the docs.")
    expect(entry.locator("td").nth(2)).to_have_text("3")
    expect(entry.locator("td").nth(4)).to_have_text("—")

    answer_prompts(page, "web-copy")
    try:
        entry.get_by_role("button", name="Install web").click()
        expect(page.locator(".path")).to_have_text("web-copy/generator.yml")  # "open it?": yes
    finally:
        answer_prompts(page, None)
    tree = page.get_by_role("navigation", name="Generator files")
    expect(tree.get_by_role("button", name="web-copy")).to_have_attribute("aria-expanded", "true")
    expect(tree.locator('[data-gen="web-copy"][data-path="line.jinja"]')).to_be_visible()
    assert (studio.root / "gens" / "web-copy" / "line.jinja").read_text() == "{{ timestamp }} web\n"

    page.goto("/#/repositories/packs")
    copy = page.locator('tr[data-entry="web"] [data-project="web-copy"]')
    expect(copy.get_by_role("link", name="web-copy")).to_have_attribute("href", "#/editor/web-copy")
    expect(copy.locator(".badge")).to_have_count(0)
    git_host.commit("studio-packs", generator_files("{{ timestamp }} web v2\n"))
    git_host.push("studio-packs")
    page.get_by_role("button", name="Refresh packs").click()
    expect(copy.locator(".badge")).to_have_text("outdated")
    shot(page, tmp_path, "repository-catalog")

    page.get_by_role("button", name="Disconnect packs").click()
    expect(page.get_by_role("heading", name="Repositories")).to_be_visible()
    expect(page.locator('tr[data-repository="packs"]')).to_have_count(0)
    assert "name: packs" not in (studio.root / "repositories.yml").read_text()
    assert (studio.root / "gens" / "web-copy" / "generator.yml").is_file()  # installed stays


def test_discover_and_connect_in_one_click(
    page: Page,
    git_host: GitHost,
    github: HTTPServer,
    tmp_path: Path,
) -> None:
    url = git_host.publish("studio-published", generator_files())
    github.expect_request(
        "/search/repositories", query_string={**SEARCH, "q": "topic:eventum-generators web"}
    ).respond_with_json(
        {"total_count": 1, "items": [github_item("someone", "studio-published", 7, url)]}
    )
    page.goto("/#/repositories")
    discover = page.get_by_role("region", name="Discover")
    said = discover.get_by_role("status")
    words = discover.get_by_label("Search words")
    words.fill("web")
    discover.get_by_role("button", name="Search GitHub").click()
    expect(said).to_have_text("1 repository for “web”.")
    found = discover.locator('[data-repository="someone/studio-published"]')
    expect(found).to_contain_text("studio-published generators · ★ 7 · Apache-2.0")
    found.get_by_role("button", name="Connect someone/studio-published").click()
    expect(found.locator(".badge")).to_have_text("connected")
    row = page.locator('tr[data-repository="studio-published"]')
    expect(row.locator(".badge")).to_have_text("available")
    shot(page, tmp_path, "repositories-discover")

    github.expect_request(
        "/search/repositories", query_string={**SEARCH, "q": "topic:eventum-generators limited"}
    ).respond_with_json(
        {"message": "API rate limit exceeded for 127.0.0.1."},
        status=403,
        headers={"x-ratelimit-remaining": "0", "retry-after": "31"},
    )
    words.fill("limited")
    discover.get_by_role("button", name="Search GitHub").click()
    expect(said).to_have_text(
        "Searching the published repositories is rate limited: GitHub answered 403: API rate"
        " limit exceeded for 127.0.0.1. GitHub allows ten anonymous searches a minute per"
        " address. Try again in 31 seconds."
    )
    expect(found).to_have_count(0)

    github.expect_request(
        "/search/repositories", query_string={**SEARCH, "q": "topic:eventum-generators broken"}
    ).respond_with_json({"message": "Server Error"}, status=503)
    words.fill("broken")
    discover.get_by_role("button", name="Search GitHub").click()
    expect(said).to_contain_text(
        "Failed to search the published repositories: GitHub answered 503: Server Error"
    )
