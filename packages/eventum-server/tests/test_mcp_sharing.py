"""Eventum 2.8's rename and connected-repository MCP tools over Streamable HTTP, against a real
`eventum run`: real git repositories served over HTTP (git_hosting.py) and GitHub's
search answered locally. The archive tools are tested over stdio in eventum-mcp."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from eventum_core.keyring_secrets import Keyring
from eventum_mcp.testing import Client, text
from eventum_server.discovery import API_URL_ENV

from .conftest import Server, launch, mcp_instance, talk
from .git_hosting import GIT_PASSWORD, GIT_USER, GitHost, generator_files, github_item, run_git

SECRET_VALUE = "v4lue-never-shown-7c2e"
REPOSITORY_TOOLS = {
    "list_repositories",
    "get_repository_catalog",
    "discover_repositories",
    "install_generator",
}
RENAME_TOOLS = {"rename_generator_config", "rename_generator", "rename_secret"}


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory, github: HTTPServer) -> Iterator[Server]:
    """MCP with writes allowed, two keyring secrets, GitHub's API answered by `github`."""
    root = tmp_path_factory.mktemp("mcp-sharing")
    config = mcp_instance(root, "server.mcp: {enabled: true, allow_write: true}\n")
    keyring = Keyring(root / "keyring.cfg", password="master")
    keyring.set("old_token", SECRET_VALUE)
    keyring.set("taken", "other")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(API_URL_ENV, github.url_for("").rstrip("/"))
        yield from launch(root, config)


class Recording(Client):
    """A client that keeps the text of every answer, to look for what must never be in one."""

    seen: list[str]

    async def call(self, tool: str, **arguments: Any) -> Any:
        answer = await super().call(tool, **arguments)
        self.seen.append(json.dumps(answer))
        return answer

    async def fails(self, tool: str, **arguments: Any) -> str:
        message = await super().fails(tool, **arguments)
        self.seen.append(message)
        return message


def talk_recording(server: Server, scenario: Any) -> list[str]:
    seen: list[str] = []

    async def recorded(client: Client) -> None:
        recording = Recording(client.session)
        recording.seen = seen
        await scenario(recording)

    talk(f"{server.url}/mcp", recorded)
    return seen


def test_renames_of_a_folder_a_generator_and_a_secret(instance: Server) -> None:
    gens, startup = instance.root / "gens", instance.root / "startup.yml"
    (gens / "spare").mkdir()
    (gens / "spare" / "generator.yml").write_text((gens / "ticker" / "generator.yml").read_text())
    (gens / "spare" / "tick.jinja").write_text("tick")
    out = instance.root / "ticker.out"

    async def scenario(client: Client) -> None:
        tools = {t.name: t for t in (await client.session.list_tools()).tools}
        assert set(tools) >= RENAME_TOOLS | REPOSITORY_TOOLS
        assert tools["rename_secret"].annotations.readOnlyHint is False
        assert tools["get_repository_catalog"].annotations.readOnlyHint is True

        assert await client.call("rename_generator_config", name="spare", new_name="spare-2") == {
            "name": "spare",
            "new_name": "spare-2",
            "renamed": True,
            "generator_ids": [],
        }
        assert "already exists" in await client.fails(
            "rename_generator_config", name="spare-2", new_name="ticker"
        )
        assert "not found" in await client.fails(
            "rename_generator_config", name="spare", new_name="x"
        )
        assert "invalid generator name" in await client.fails(
            "rename_generator_config", name="spare-2", new_name="../escape"
        )

        await client.call("register_generator", name="ticker", params={"out": str(out)})
        assert "used by ticker" in await client.fails(
            "rename_generator_config", name="ticker", new_name="ticker-2"
        )

        assert await client.call("rename_generator", generator_id="ticker", new_id="tick") == {
            "id": "ticker",
            "new_id": "tick",
            "renamed": True,
        }
        assert [g["id"] for g in await client.call("list_generators_live")] == ["tick"]
        [entry] = yaml.safe_load(startup.read_text())
        assert entry == {"id": "tick", "path": "ticker", "params": {"out": str(out)}}
        await client.call("register_generator", name="spare-2", params={"out": str(out)})
        assert "already exists" in await client.fails(
            "rename_generator", generator_id="tick", new_id="spare-2"
        )
        assert "not found" in await client.fails(
            "rename_generator", generator_id="ticker", new_id="x"
        )
        assert "invalid generator id" in await client.fails(
            "rename_generator", generator_id="tick", new_id="../x"
        )
        await client.call("start_generator", generator_id="tick")
        assert "stop it first" in await client.fails(
            "rename_generator", generator_id="tick", new_id="tock"
        )
        await client.call("stop_generator", generator_id="tick")
        await client.call("rename_generator", generator_id="tick", new_id="tock")
        assert (await client.call("start_generator", generator_id="tock"))["started"] is True
        await client.call("stop_generator", generator_id="tock")
        for generator_id in ("tock", "spare-2"):
            await client.call("unregister_generator", generator_id=generator_id)

        assert await client.call("rename_secret", secret="old_token", new_name="new_token") == {
            "name": "old_token",
            "new_name": "new_token",
            "renamed": True,
        }
        assert await client.call("list_secret_names") == ["new_token", "taken"]
        assert "not found" in await client.fails("rename_secret", secret="old_token", new_name="x")
        assert "already exists" in await client.fails(
            "rename_secret", secret="new_token", new_name="taken"
        )

    seen = talk_recording(instance, scenario)
    assert (gens / "spare-2" / "tick.jinja").read_text() == "tick"
    assert not (gens / "spare").exists()
    assert Keyring(instance.root / "keyring.cfg", password="master").get("new_token") == (
        SECRET_VALUE
    )
    assert seen and not any(SECRET_VALUE in answer for answer in seen)


def test_a_repository_catalog_read_refreshed_and_installed_from(
    instance: Server,
    git_host: GitHost,
) -> None:
    url = git_host.publish("packs", generator_files())
    private = git_host.publish("vault", generator_files(), private=True)
    api = instance.client()
    assert api.post("/api/repositories/", json={"name": "packs", "url": url}).status_code == 201
    typed = {"name": "vault", "url": private, "username": GIT_USER, "password": GIT_PASSWORD}
    assert api.post("/api/repositories/?verify=false", json=typed).status_code == 201
    gone = {"name": "gone", "url": "http://127.0.0.1:9/gone.git"}  # nothing listens there
    assert api.post("/api/repositories/?verify=false", json=gone).status_code == 201

    async def scenario(client: Client) -> None:
        listed = {r["name"]: r for r in await client.call("list_repositories")}
        assert listed["packs"]["url"] == url and listed["packs"]["ref"] is None
        assert listed["packs"]["status"]["state"] == "available"  # checked as it was connected
        assert listed["vault"]["password"] == "********"
        assert listed["vault"]["status"] == {"state": "unknown", "checked_at": None, "reason": None}

        catalog = await client.call("get_repository_catalog", name="packs")
        head = run_git("rev-parse", "HEAD", cwd=git_host.work["packs"])
        assert (catalog["repository"], catalog["revision"]) == ("packs", head)
        [entry] = catalog["entries"]
        assert (entry["name"], entry["title"], entry["file_count"]) == (
            "web",
            "Web access log",
            3,
        )
        assert "tree" not in entry and entry["installed_as"] == []

        installed = await client.call(
            "install_generator", repository="packs", generator="web", name="web-copy"
        )
        assert installed == {"installed": "web-copy", "files": 3}
        assert (await client.call("validate_generator", name="web-copy"))["valid"] is True
        assert "already exists" in await client.fails(
            "install_generator", repository="packs", generator="web", name="web-copy"
        )
        assert "invalid generator name" in await client.fails(
            "install_generator", repository="packs", generator="web", name="../web"
        )
        assert "publishes no generator 'notes'" in await client.fails(
            "install_generator", repository="packs", generator="notes", name="notes"
        )
        assert "not connected" in await client.fails("get_repository_catalog", name="absent")

        second = git_host.commit("packs", generator_files("{{ timestamp }} web v2\n"))
        git_host.push("packs")
        held = await client.call("get_repository_catalog", name="packs")
        assert held["revision"] == head  # read once, kept
        fresh = await client.call("get_repository_catalog", name="packs", refresh=True)
        assert fresh["revision"] == second != head
        [copy] = fresh["entries"][0]["installed_as"]
        assert copy["project"] == "web-copy" and copy["outdated"] is True

        vault = await client.call("get_repository_catalog", name="vault")  # typed password
        assert vault["entries"][0]["name"] == "web"

        unreachable = await client.fails("get_repository_catalog", name="gone")
        assert "Failed to reach the repository" in unreachable
        assert "http://127.0.0.1:9/gone.git/" in unreachable  # URLs are not taken for paths
        listed = {r["name"]: r["status"] for r in await client.call("list_repositories")}
        assert listed["gone"]["state"] == "unavailable"  # the failed fetch was a check
        assert listed["gone"]["reason"] in unreachable

    seen = talk_recording(instance, scenario)
    # The REST API and MCP share one service: the clone MCP refreshed is the API's too.
    assert api.get("/api/repositories/packs/catalog").json()["revision"] == run_git(
        "rev-parse", "HEAD", cwd=git_host.work["packs"]
    )
    assert seen and not any(GIT_PASSWORD in answer for answer in seen)
    assert (instance.root / "gens" / "web-copy" / ".eventum-source.yml").is_file()


def test_discovery_through_github_search(instance: Server, github: HTTPServer) -> None:
    query = {"sort": "stars", "order": "desc", "per_page": "30", "page": "1"}
    official = "https://github.com/eventum-generator/content-packs.git"
    github.expect_request(
        "/search/repositories", query_string={**query, "q": "topic:eventum-generators nginx"}
    ).respond_with_json(
        {
            "total_count": 2,
            "items": [
                github_item("someone", "web-packs", 40, "https://github.com/someone/web.git"),
                github_item("eventum-generator", "content-packs", 5, official),
            ],
        },
        headers={"x-ratelimit-remaining": "9", "x-ratelimit-reset": "1785488400"},
    )
    github.expect_request(
        "/search/repositories", query_string={**query, "q": "topic:eventum-generators spent"}
    ).respond_with_json(
        {"message": "API rate limit exceeded for 127.0.0.1."},
        status=403,
        headers={"x-ratelimit-remaining": "0", "retry-after": "31"},
    )

    async def scenario(client: Client) -> None:
        found = await client.call("discover_repositories", query="nginx")
        assert (found["topic"], found["query"], found["total_count"]) == (
            "eventum-generators",
            "nginx",
            2,
        )
        assert [e["full_name"] for e in found["entries"]] == [
            "eventum-generator/content-packs",
            "someone/web-packs",
        ]
        assert found["entries"][0]["official"] is True
        assert found["entries"][1]["connected"] is False
        assert found["rate"]["remaining"] == 9
        limited = await client.fails("discover_repositories", query="spent")
        assert "rate limited" in limited and "Try again in 31 s" in limited
        assert "first 10 pages" in await client.fails("discover_repositories", page=11)

    talk(f"{instance.url}/mcp", scenario)


def test_renames_and_installs_are_refused_without_allow_write(
    read_only: Server,
) -> None:
    gens = read_only.root / "gens"
    before = sorted(p.name for p in gens.iterdir())

    async def scenario(client: Client) -> None:
        calls: list[tuple[str, dict[str, Any]]] = [
            ("rename_generator_config", {"name": "ticker", "new_name": "t2"}),
            ("rename_generator", {"generator_id": "ticker", "new_id": "t2"}),
            ("rename_secret", {"secret": "a", "new_name": "b"}),
            ("install_generator", {"repository": "r", "generator": "g", "name": "n"}),
            ("import_generator", {"name": "n", "content_base64": ""}),
        ]
        for tool, arguments in calls:
            result = await client.session.call_tool(tool, arguments)
            assert result.isError and "server.mcp.allow_write is false" in text(result), tool
        assert await client.call("list_repositories") == []

    talk(f"{read_only.url}/assistant/mcp", scenario)
    assert sorted(p.name for p in gens.iterdir()) == before
