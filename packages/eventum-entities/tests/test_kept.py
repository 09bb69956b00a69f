"""A world's Faker values kept between runs: the next run makes the same entities without
Faker, and a cache that is off, broken or cannot hold a value changes nothing but speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .test_population import WORLD

_BUILD = """
import json, sys
from eventum_entities.config import WorldSpec
from eventum_entities.population import Population
world = json.loads(sys.argv[1])
population = Population(WorldSpec.model_validate(world), int(sys.argv[2]))
kinds = {name: [k.entity(i).as_dict() for i in range(k.count)] for name, k in population.kinds.items()}
print(json.dumps({"faker": "faker" in sys.modules, "kinds": kinds}, default=str))
"""


def build(cache: Path | str, seed: int = 1, world: dict | None = None) -> dict:
    """A population made whole in a new process, as a run makes it."""
    env = {**os.environ, "EVENTUM_CACHE_DIR": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", _BUILD, json.dumps(world or WORLD), str(seed)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_next_run_makes_the_same_entities_without_faker(tmp_path: Path) -> None:
    plain = build("")  # no cache at all
    first, second = build(tmp_path), build(tmp_path)
    assert plain["faker"] and first["faker"]
    assert not second["faker"]
    assert first["kinds"] == second["kinds"] == plain["kinds"]
    assert [p.name for p in (tmp_path / "world-values").iterdir()]  # one file per Faker field


def test_another_seed_or_field_is_not_read_from_the_cache(tmp_path: Path) -> None:
    build(tmp_path, seed=1)
    other = build(tmp_path, seed=2)
    assert other["faker"]
    assert other["kinds"] == build("", seed=2)["kinds"]
    world = json.loads(json.dumps(WORLD))
    world["entities"]["users"]["fields"]["name"]["locale"] = "de_DE"
    german = build(tmp_path, world=world)
    assert german["faker"]
    assert german["kinds"]["users"] == build("", world=world)["kinds"]["users"]


def test_a_broken_cache_file_is_made_again(tmp_path: Path) -> None:
    build(tmp_path)
    for file in (tmp_path / "world-values").iterdir():
        file.write_bytes(b"\x00not marshal")
    again = build(tmp_path)
    assert again["faker"]
    assert again["kinds"] == build("")["kinds"]
    assert not build(tmp_path)["faker"]  # and kept again


def test_values_marshal_cannot_hold_leave_their_field_uncached(tmp_path: Path) -> None:
    world = {"entities": {"people": {"count": 5, "fields": {"born": {"faker": "date_of_birth"}}}}}
    first, second = build(tmp_path, world=world), build(tmp_path, world=world)
    assert second["faker"]
    assert first["kinds"] == second["kinds"] == build("", world=world)["kinds"]


def test_a_cache_folder_that_cannot_be_made_is_not_used(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    assert build(blocker)["kinds"] == build("")["kinds"]
