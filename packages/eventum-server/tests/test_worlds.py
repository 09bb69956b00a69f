"""`/api/scenarios/{name}/worlds` against a real `eventum run` of examples/soc-world: the
population and episodes the scenario's generators share."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Server, free_port, launch, make_instance, wait_finished

pytest.importorskip("eventum_entities")

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "soc-world"


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("worlds")
    config = make_instance(root, free_port())
    gens = root / "gens"
    for source in ("identity", "vpn", "endpoint"):
        shutil.copytree(EXAMPLE / source, gens / source)
    shutil.copy(EXAMPLE / "world.yml", gens / "world.yml")
    entries = [
        {"id": s, "path": s, "seed": 5, "live_mode": False, "now": "2026-03-01T09:00:00Z",
         "scenarios": ["soc"], "params": {"repeat": 60, "out_dir": str(root / "out")}}
        for s in ("identity", "vpn", "endpoint")
    ]  # fmt: skip
    (root / "startup.yml").write_text(json.dumps(entries))
    yield from launch(root, config)


def test_a_scenario_shows_its_population_and_episodes(instance: Server) -> None:
    wait_finished(instance, ("identity", "vpn", "endpoint"))
    client = instance.client()
    (world,) = client.get("/api/scenarios/soc/worlds").json()
    assert world["world"].endswith("world.yml")
    assert world["seed"] == 5
    assert sorted(world["generators"]) == ["endpoint", "identity", "vpn"]
    assert world["kinds"] == {"departments": 6, "hosts": 60, "users": 120}
    (episode,) = world["episodes"]
    assert episode["episode"] == "password_spray"
    victim = episode["entities"]["victim"]

    users = client.get("/api/scenarios/soc/worlds/entities/users", params={"limit": 200}).json()
    assert len(users) == 120
    assert users[victim["index"]]["key"] == victim["key"]
    assert users[victim["index"]]["department"] == "Finance"
    page = client.get("/api/scenarios/soc/worlds/entities/hosts?offset=10&limit=5").json()
    assert [h["index"] for h in page] == [10, 11, 12, 13, 14]
    assert page[0]["hostname"] == "WS-0011" and page[0]["ip"] == "10.20.0.11"
    assert client.get("/api/scenarios/soc/worlds/entities/nope").status_code == 404
    assert client.get("/api/scenarios/nope/worlds").status_code == 404
