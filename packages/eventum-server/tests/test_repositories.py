"""`/api/repositories` against real git repositories made here, served over "dumb" HTTP (a bare
repository after `git update-server-info`, one of them behind Basic auth), a real `eventum run`
and GitHub's search API answered by a local HTTP server (git_hosting.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from .conftest import Server, free_port, launch_answering_github
from .git_hosting import (
    GIT_PASSWORD,
    GIT_USER,
    PUBLISHED_GENERATOR,
    SECRET_NAME,
    GitFiles,
    GitHost,
    generator_files,
    github_item,
    run_git,
)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory, github: HTTPServer) -> Iterator[Server]:
    yield from launch_answering_github(tmp_path_factory.mktemp("repositories-instance"), github)


def test_connect_read_the_catalog_install_and_validate(instance: Server, git_host: GitHost) -> None:
    url = git_host.publish("packs", generator_files())
    (git_host.work["packs"] / "generators" / "web" / "outside").symlink_to("/etc/passwd")
    git_host.commit("packs", {})  # the link is committed: an installed generator leaves it out
    git_host.push("packs")
    client = instance.client()

    assert client.post("/api/repositories/", json={"name": "packs", "url": url}).status_code == 201
    [listed] = client.get("/api/repositories/").json()
    assert listed["name"] == "packs" and listed["url"] == url and listed["ref"] is None
    assert listed["status"]["state"] == "available"
    stored = instance.root / "repositories.yml"  # beside startup.yml by default
    assert f"url: {url}" in stored.read_text()

    catalog = client.get("/api/repositories/packs/catalog").json()
    head = run_git("rev-parse", "HEAD", cwd=git_host.work["packs"])
    assert catalog["revision"] == head and catalog["author"] == "Tester"
    [entry] = catalog["entries"]  # `notes` has no generator.yml
    assert entry["name"] == "web" and entry["path"] == "generators/web"
    assert entry["title"] == "Web access log"
    assert entry["summary"] == "Produces web access events, see the docs."
    assert entry["file_count"] == 3  # generator.yml, line.jinja, README.md: not the link
    assert entry["installed_as"] == []

    installed = client.post(
        "/api/repositories/packs/catalog/web/install", json={"name": "web-from-packs"}
    )
    assert installed.status_code == 201
    assert installed.json() == {"name": "web-from-packs", "file_count": 3}
    folder = instance.root / "gens" / "web-from-packs"
    assert sorted(p.name for p in folder.iterdir()) == [
        ".eventum-source.yml",
        "README.md",
        "generator.yml",
        "line.jinja",
    ]
    assert (folder / "line.jinja").read_text() == "{{ timestamp }} web\n"
    checked = client.post("/api/generator-configs/web-from-packs/validate")
    assert checked.json() == {"ok": True, "errors": []}
    [copy] = client.get("/api/repositories/packs/catalog").json()["entries"][0]["installed_as"]
    assert copy["project"] == "web-from-packs" and copy["revision"] == head
    assert copy["outdated"] is False

    again = client.post("/api/repositories/packs/catalog/web/install", json={"name": "timer"})
    assert again.status_code == 409  # an existing folder is never written over
    assert (instance.root / "gens" / "timer" / "generator.yml").read_text().startswith("input")
    missing = client.post("/api/repositories/packs/catalog/notes/install", json={"name": "n"})
    assert missing.status_code == 404 and "notes" in missing.json()["detail"]
    for name in ("..", "a/b", "~x", "."):
        outside = client.post("/api/repositories/packs/catalog/web/install", json={"name": name})
        assert outside.status_code == 400, name


def test_refresh_follows_a_branch_and_a_tag_stays_put(instance: Server, git_host: GitHost) -> None:
    url = git_host.publish("moving", generator_files())
    run_git("tag", "--annotate", "v1", "--message", "first", cwd=git_host.work["moving"])
    git_host.push("moving", "main", "v1")
    client = instance.client()
    for name, ref in (("moving-main", "main"), ("moving-v1", "v1")):
        body = {"name": name, "url": url, "ref": ref}
        assert client.post("/api/repositories/", json=body).status_code == 201
    client.post("/api/repositories/moving-main/catalog/web/install", json={"name": "moving-web"})
    first = client.get("/api/repositories/moving-main/catalog").json()["revision"]

    new_files = generator_files("{{ timestamp }} web v2\n")
    new_files["generators/second/generator.yml"] = PUBLISHED_GENERATOR
    new_files["generators/second/line.jinja"] = "second\n"
    second = git_host.commit("moving", new_files)
    git_host.push("moving")

    assert client.get("/api/repositories/moving-main/catalog").json()["revision"] == first
    refreshed = client.post("/api/repositories/moving-main/refresh")
    assert refreshed.status_code == 200
    assert refreshed.json()["revision"] == second != first
    entries = {e["name"]: e for e in refreshed.json()["entries"]}
    assert sorted(entries) == ["second", "web"]
    [copy] = entries["web"]["installed_as"]  # installed from `first`, changed since
    assert copy["project"] == "moving-web" and copy["outdated"] is True

    tagged = client.post("/api/repositories/moving-v1/refresh").json()
    assert tagged["revision"] == first  # the annotated tag's commit
    assert [e["name"] for e in tagged["entries"]] == ["web"]
    assert tagged["entries"][0]["installed_as"] == []  # installed from another ref


def test_a_smart_http_server_is_fetched_one_commit_deep(
    instance: Server, git_host: GitHost
) -> None:
    url = git_host.publish("smart", generator_files())
    latest = git_host.commit("smart", generator_files("{{ timestamp }} v2\n"))
    git_host.push("smart")
    client = instance.client()
    smart_url = url.replace(git_host.url, f"{git_host.url}/smart")
    body = {"name": "smart", "url": smart_url, "ref": "main"}
    assert client.post("/api/repositories/", json=body).status_code == 201
    catalog = client.get("/api/repositories/smart/catalog").json()
    assert catalog["revision"] == latest and catalog["entries"][0]["name"] == "web"
    assert any(b"deepen 1" in request for request in GitFiles.upload_requests)
    installed = client.post("/api/repositories/smart/catalog/web/install", json={"name": "sw"})
    assert installed.status_code == 201
    assert (instance.root / "gens" / "sw" / "line.jinja").read_text() == "{{ timestamp }} v2\n"


def test_a_private_repository_takes_its_password_from_the_keyring(
    instance: Server, git_host: GitHost
) -> None:
    url = git_host.publish("vault", generator_files(), private=True)
    client = instance.client()
    answers: list[httpx.Response] = []

    def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        answers.append(client.request(method, path, **kwargs))
        return answers[-1]

    anonymous = call("POST", "/api/repositories/", json={"name": "vault", "url": url})
    assert anonymous.status_code == 502
    assert "give a username and a password" in anonymous.json()["detail"]

    reference = f"${{secrets.{SECRET_NAME}}}"
    body = {"name": "vault", "url": url, "username": GIT_USER, "password": reference}
    assert call("POST", "/api/repositories/", json=body).status_code == 201
    listed = call("GET", "/api/repositories/").json()
    assert {"name": "vault", "password": reference} in [
        {"name": r["name"], "password": r["password"]} for r in listed
    ]
    assert call("GET", "/api/repositories/vault/catalog").json()["entries"][0]["name"] == "web"
    assert call("POST", "/api/repositories/vault/check").json()["state"] == "available"
    installed = call("POST", "/api/repositories/vault/catalog/web/install", json={"name": "vw"})
    assert installed.status_code == 201

    # typed in place: stored, but masked in every answer; a wrong one is told apart
    typed = {"name": "vault-typed", "url": url, "ref": "main", "password": GIT_PASSWORD}
    typed["username"] = GIT_USER
    assert call("POST", "/api/repositories/", json=typed).status_code == 201
    wrong = {**typed, "name": "vault-wrong", "ref": "refs/heads/main", "password": "not-it"}
    assert call("POST", "/api/repositories/?verify=false", json=wrong).status_code == 201
    check = call("POST", "/api/repositories/vault-wrong/check").json()
    assert check["state"] == "unavailable" and "Authentication failed" in check["reason"]
    failed = call("GET", "/api/repositories/vault-wrong/catalog")
    assert failed.status_code == 502 and "Authentication failed" in failed.json()["detail"]
    shown = {r["name"]: r for r in call("GET", "/api/repositories/").json()}
    assert shown["vault-typed"]["password"] == shown["vault-wrong"]["password"] == "********"
    assert shown["vault-wrong"]["status"]["state"] == "unavailable"

    # the credentials never come back: not in a 422 either (pydantic quotes rejected input)
    bad = {"name": "x y", "url": "ftp://h/r.git", "password": GIT_PASSWORD, "extra": 1}
    assert call("POST", "/api/repositories/", json=bad).status_code == 422
    missing_name = {"url": url, "password": GIT_PASSWORD}
    assert call("POST", "/api/repositories/", json=missing_name).status_code == 422

    unknown = {"name": "vault-gone", "url": url, "ref": "v0", "password": "${secrets.absent}"}
    refused = call("POST", "/api/repositories/", json=unknown)
    assert refused.status_code == 424 and "secret 'absent'" in refused.json()["detail"]

    assert GitFiles.exposed == []  # no process's arguments carried it (git's, the helper's)
    for answer in answers:
        assert GIT_PASSWORD not in answer.text
    logs = [*(instance.root / "logs").rglob("*"), instance.root / "stderr.txt"]
    assert any("repository connected" in p.read_text() for p in logs if p.is_file())
    for path in filter(Path.is_file, logs):
        assert GIT_PASSWORD not in path.read_text(errors="replace"), path
    assert GIT_PASSWORD in (instance.root / "repositories.yml").read_text()  # typed in place


def test_bad_input_is_answered_clearly(instance: Server, git_host: GitHost) -> None:
    client = instance.client()
    url = git_host.publish("plain", {"README.md": "# nothing published\n"})

    for method, path in (
        ("GET", "/api/repositories/nope/catalog"),
        ("POST", "/api/repositories/nope/refresh"),
        ("POST", "/api/repositories/nope/check"),
        ("DELETE", "/api/repositories/nope"),
    ):
        answer = client.request(method, path)
        assert answer.status_code == 404 and "'nope' is not connected" in answer.json()["detail"]
    install = client.post("/api/repositories/nope/catalog/web/install", json={"name": "fresh"})
    assert install.status_code == 404

    for bad_url in ("file:///srv/packs.git", "ssh://git@host/p.git", f"http://u:p@{url[7:]}"):
        refused = client.post("/api/repositories/", json={"name": "bad", "url": bad_url})
        assert refused.status_code == 422, bad_url
        assert refused.json()["detail"][0]["loc"] == ["url"]
    assert client.post("/api/repositories/", json={"name": "-bad", "url": url}).status_code == 422

    closed = f"http://127.0.0.1:{free_port()}/packs.git"
    unreachable = client.post("/api/repositories/", json={"name": "down", "url": closed})
    assert unreachable.status_code == 502
    assert "Repository 'down' cannot be connected" in unreachable.json()["detail"]
    assert "Failed to connect" in unreachable.json()["detail"]
    absent = client.post("/api/repositories/", json={"name": "absent", "url": f"{url}x"})
    assert absent.status_code == 502 and "not found" in absent.json()["detail"]
    no_ref = client.post("/api/repositories/", json={"name": "r", "url": url, "ref": "v9"})
    assert no_ref.status_code == 502
    assert "no such branch or tag: v9" in no_ref.json()["detail"]

    assert client.post("/api/repositories/", json={"name": "plain", "url": url}).status_code == 201
    same_name = client.post("/api/repositories/", json={"name": "plain", "url": url + "/"})
    assert same_name.status_code == 409
    same_remote = client.post("/api/repositories/", json={"name": "plain2", "url": url[:-4]})
    assert same_remote.status_code == 409 and "'plain'" in same_remote.json()["detail"]
    empty = client.get("/api/repositories/plain/catalog")
    assert empty.status_code == 502 and "no generators directory" in empty.json()["detail"]

    assert client.delete("/api/repositories/plain").status_code == 200
    assert "plain" not in [r["name"] for r in client.get("/api/repositories/").json()]
    # the file is checked: a hand edit it cannot read is a 500 naming it
    stored = instance.root / "repositories.yml"
    kept = stored.read_text()
    stored.write_text("name: not a list\n")
    broken = client.get("/api/repositories/")
    assert broken.status_code == 500 and "not a YAML list" in broken.json()["detail"]
    stored.write_text(f"- name: x\n  password: {GIT_PASSWORD}\n  url: [\n")
    unreadable = client.get("/api/repositories/").json()["detail"]
    assert "not valid YAML" in unreadable and "repositories.yml:4:1" in unreadable
    assert GIT_PASSWORD not in unreadable  # PyYAML would quote the line
    stored.write_text(kept)


def test_discovery_searches_the_topic_on_github(instance: Server, github: HTTPServer) -> None:
    client = instance.client()
    official = "https://github.com/eventum-generator/content-packs.git"
    body = {"name": "content-packs", "url": official}
    assert client.post("/api/repositories/?verify=false", json=body).status_code == 201
    query = {"sort": "stars", "order": "desc", "per_page": "30", "page": "2"}
    github.expect_request(
        "/search/repositories",
        headers={"Accept": "application/vnd.github+json"},
        query_string={**query, "q": "topic:eventum-generators nginx user x logs"},
    ).respond_with_json(
        {
            "total_count": 32,
            "incomplete_results": False,
            "items": [
                github_item("someone", "web-packs", 40, "https://github.com/someone/web-packs.git"),
                github_item("eventum-generator", "content-packs", 5, official),
                {"name": "odd"},  # one GitHub describes oddly is left out
            ],
        },
        headers={"x-ratelimit-remaining": "9", "x-ratelimit-reset": "1785488400"},
    )

    # a qualifier typed by the user is taken apart: the topic always applies
    found = client.get(
        "/api/repositories/discover", params={"query": "nginx user:x logs", "page": 2}
    )
    assert found.status_code == 200
    result = found.json()
    assert result["topic"] == "eventum-generators" and result["query"] == "nginx user x logs"
    assert result["total_count"] == 32 and result["rate"]["remaining"] == 9
    assert [e["full_name"] for e in result["entries"]] == [
        "eventum-generator/content-packs",  # Eventum's own first
        "someone/web-packs",
    ]
    packs, web = result["entries"]
    assert packs["official"] is True and packs["connected"] is True
    assert web["official"] is False and web["connected"] is False and web["stars"] == 40
    assert web["license"] == "Apache-2.0" and web["url"].endswith("web-packs.git")
    requests = len(github.log)
    again = client.get(
        "/api/repositories/discover", params={"query": "nginx user:x logs", "page": 2}
    )
    assert again.json()["entries"] == result["entries"] and len(github.log) == requests  # held

    github.expect_request(
        "/search/repositories",
        query_string={**query, "page": "1", "q": "topic:eventum-generators limited"},
    ).respond_with_json(
        {"message": "API rate limit exceeded for 127.0.0.1."},
        status=403,
        headers={"x-ratelimit-remaining": "0", "retry-after": "31"},
    )
    limited = client.get("/api/repositories/discover", params={"query": "limited"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "31"
    assert "API rate limit exceeded for 127.0.0.1. GitHub allows" in limited.json()["detail"]
    assert client.get("/api/repositories/discover?page=11").status_code == 422

    github.stop()  # GitHub unreachable: a clear 502, not a 500
    offline = client.get("/api/repositories/discover", params={"query": "offline"})
    assert offline.status_code == 502
    assert "Failed to search the published repositories" in offline.json()["detail"]
    assert github.url_for("")[:-1] in offline.json()["detail"]
