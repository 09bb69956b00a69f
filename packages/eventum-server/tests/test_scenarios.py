"""`/api/scenarios` against a real `eventum run`: membership in startup.yml, and `globals`
written by one generator and read by others in the same process, as in Eventum."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import yaml

from .conftest import Server, launch, scenario_instance, wait_until


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("scenarios")
    yield from launch(root, scenario_instance(root))


def run_to_the_end(client: httpx.Client, generator_id: str) -> None:
    assert client.post(f"/api/generators/{generator_id}/start").status_code == 200
    wait_until(
        lambda: client.get(f"/api/generators/{generator_id}/status").json()["status"] == "finished"
    )


def test_globals_are_shared_by_every_generator_in_the_process(instance: Server) -> None:
    """Eventum's `globals` are process-wide: scenarios group generators, they do not scope
    state. A reader in the writer's scenario, in another one or in none sees the same value."""
    client = instance.client()
    wait_until(lambda: client.get("/api/generators/writer/status").json()["status"] == "finished")
    assert (instance.root / "writer.out").read_text() == "set S-bob\n"
    for reader in ("reader", "outsider", "loner"):
        run_to_the_end(client, reader)
        assert (instance.root / f"{reader}.out").read_text() == "S-bob\n"

    # The API edits the store the generators use, whichever scenario it is reached through.
    assert client.get("/api/scenarios/corp/globals").json() == {"session": "S-bob"}
    assert client.get("/api/scenarios/other/globals").json() == {"session": "S-bob"}
    assert client.patch(
        "/api/scenarios/corp/globals", json={"session": "S-eve", "n": 1}
    ).json() == {
        "session": "S-eve",
        "n": 1,
    }
    run_to_the_end(client, "reader")
    assert (instance.root / "reader.out").read_text().splitlines()[-1] == "S-eve"
    assert client.get("/api/scenarios/other/globals/session").json() == "S-eve"
    assert client.delete("/api/scenarios/corp/globals/n").json() == {"ok": True}
    assert client.get("/api/scenarios/corp/globals/n").status_code == 404
    assert client.delete("/api/scenarios/corp/globals").json() == {"ok": True}
    assert client.get("/api/scenarios/corp/globals").json() == {}
    assert client.get("/api/scenarios/nope/globals").status_code == 404
    assert client.patch("/api/scenarios/nope/globals", json={"a": 1}).status_code == 404


def test_membership_round_trips_through_startup_yml(instance: Server) -> None:
    client = instance.client()
    startup = instance.root / "startup.yml"
    assert client.get("/api/scenarios/").json() == ["corp", "other"]
    assert client.get("/api/scenarios/corp").json() == {
        "name": "corp",
        "generator_ids": ["writer", "reader"],
    }
    assert client.get("/api/scenarios/nope").status_code == 404

    added = client.post("/api/scenarios/corp/generators/loner")
    assert added.status_code == 201
    assert added.json()["generator_ids"] == ["writer", "reader", "loner"]
    assert client.post("/api/scenarios/corp/generators/loner").status_code == 409
    assert client.post("/api/scenarios/corp/generators/ghost").status_code == 404
    assert client.get("/api/startup/loner").json()["scenarios"] == ["corp"]
    assert yaml.safe_load(startup.read_text())[3]["scenarios"] == ["corp"]
    removed = client.delete("/api/scenarios/corp/generators/loner")
    assert removed.json()["generator_ids"] == ["writer", "reader"]
    assert "scenarios" not in yaml.safe_load(startup.read_text())[3]
    assert client.delete("/api/scenarios/corp/generators/loner").status_code == 404

    assert client.post("/api/scenarios/edge/generators/loner").json() == {
        "name": "edge",
        "generator_ids": ["loner"],
    }
    renamed = client.post("/api/scenarios/edge/rename", json={"new_name": "perimeter"})
    assert renamed.json() == {"name": "perimeter", "generator_ids": ["loner"]}
    assert (
        client.post("/api/scenarios/perimeter/rename", json={"new_name": "corp"}).status_code == 409
    )
    assert client.delete("/api/scenarios/perimeter").json()["generator_ids"] == ["loner"]
    assert client.delete("/api/scenarios/perimeter").status_code == 404
    assert client.get("/api/scenarios/").json() == ["corp", "other"]
    # Membership is a startup.yml tag: the running application is untouched.
    ids = [g["id"] for g in client.get("/api/generators/").json()]
    assert ids == ["writer", "reader", "outsider", "loner"]

    # startup.yml entries carry `scenarios` through /api/startup too, checked like the rest.
    entry = client.get("/api/startup/loner").json()
    assert client.put("/api/startup/loner", json={**entry, "scenarios": ["lab"]}).status_code == 200
    assert client.get("/api/scenarios/lab").json()["generator_ids"] == ["loner"]
    assert client.put("/api/startup/loner", json={**entry, "scenarios": "lab"}).status_code == 422
    assert client.put("/api/startup/loner", json=entry).status_code == 200
    assert client.get("/api/scenarios/lab").status_code == 404


def test_globals_usage_names_the_keys_each_template_writes_and_reads(instance: Server) -> None:
    client = instance.client()
    usage = client.get("/api/scenarios/corp/generators/writer/globals-usage").json()
    assert usage == {
        "writes": [{"key": "session", "template": "main.jinja"}],
        "reads": [{"key": "session", "template": "main.jinja"}],
        "warnings": [],
    }
    usage = client.get("/api/scenarios/corp/generators/reader/globals-usage").json()
    assert usage["writes"] == [] and usage["reads"] == [
        {"key": "session", "template": "main.jinja"}
    ]
    assert client.get("/api/scenarios/nope/generators/reader/globals-usage").status_code == 404
    assert client.get("/api/scenarios/corp/generators/ghost/globals-usage").status_code == 404
    assert client.get("/api/scenarios/corp/generators/~root/globals-usage").status_code == 400
