"""Eventum 2.8's rename MCP tools over Streamable HTTP, against a real `eventum run`. The
archive tools are tested over stdio in eventum-mcp."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from eventum_core.keyring_secrets import Keyring
from eventum_mcp.testing import Client, text

from .conftest import Server, launch
from .test_mcp import mcp_instance, read_only, talk  # noqa: F401 - read_only is a fixture

SECRET_VALUE = "v4lue-never-shown-7c2e"
RENAME_TOOLS = {"rename_generator_config", "rename_generator", "rename_secret"}


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """MCP with writes allowed, two keyring secrets."""
    root = tmp_path_factory.mktemp("mcp-sharing")
    config = mcp_instance(root, "server.mcp: {enabled: true, allow_write: true}\n")
    keyring = Keyring(root / "keyring.cfg", password="master")
    keyring.set("old_token", SECRET_VALUE)
    keyring.set("taken", "other")
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
        assert set(tools) >= RENAME_TOOLS
        assert tools["rename_secret"].annotations.readOnlyHint is False

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


def test_renames_and_imports_are_refused_without_allow_write(
    read_only: Server,  # noqa: F811
) -> None:
    gens = read_only.root / "gens"
    before = sorted(p.name for p in gens.iterdir())

    async def scenario(client: Client) -> None:
        calls: list[tuple[str, dict[str, Any]]] = [
            ("rename_generator_config", {"name": "ticker", "new_name": "t2"}),
            ("rename_generator", {"generator_id": "ticker", "new_id": "t2"}),
            ("rename_secret", {"secret": "a", "new_name": "b"}),
            ("import_generator", {"name": "n", "content_base64": ""}),
        ]
        for tool, arguments in calls:
            result = await client.session.call_tool(tool, arguments)
            assert result.isError and "server.mcp.allow_write is false" in text(result), tool

    talk(f"{read_only.url}/assistant/mcp", scenario)
    assert sorted(p.name for p in gens.iterdir()) == before
