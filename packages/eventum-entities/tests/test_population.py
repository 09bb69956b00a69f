"""The population is a function of the world file and the seed: any process makes the same
entities, in any order, without making the others."""

from __future__ import annotations

import random
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from eventum_entities.config import WorldSpec
from eventum_entities.population import Entities, Population

WORLD = {
    "entities": {
        "departments": {"count": 3, "key": "name", "fields": {"name": {"items": ["A", "B", "C"]}}},
        "hosts": {
            "count": 20,
            "key": "hostname",
            "fields": {
                "hostname": {"template": "H{{ index }}"},
                "ip": {"ip": "10.1.0.0/24"},
            },
        },
        "users": {
            "count": 50,
            "key": "username",
            "fields": {
                "name": {"faker": "first_name"},
                "username": {"template": "{{ name | lower }}{{ index }}"},
                "department": {"ref": "departments"},
                "host": {"ref": "hosts"},
                "weight": {"integer": [0, 5]},
                "admin": {"chance": 0.2},
                "tier": {"choice": ["gold", "silver"], "weights": [1, 3]},
            },
            "sessions": {"period": "1d", "start": ["8h", "9h"], "duration": ["1h", "8h"]},
        },
    }
}


def population(seed: int = 1) -> Population:
    return Population(WorldSpec.model_validate(WORLD), seed)


def snapshot(p: Population) -> dict[str, list[dict]]:
    return {name: [k.entity(i).as_dict() for i in range(k.count)] for name, k in p.kinds.items()}


def test_same_seed_same_population_different_seed_another() -> None:
    assert snapshot(population(1)) == snapshot(population(1))
    assert snapshot(population(1))["users"] != snapshot(population(2))["users"]


def test_an_entity_is_the_same_made_alone_or_after_the_others() -> None:
    everyone = population()
    snapshot(everyone)
    alone = population()
    assert alone.kind("users").entity(37).as_dict() == everyone.kind("users").entity(37).as_dict()


def cast_at_once(p: Population, threads: int) -> tuple[list[list[dict]], list[str]]:
    """What `threads` threads, released together, find as the gold-tier users of `p`."""
    barrier, seen, errors = threading.Barrier(threads), [], []

    def cast() -> None:
        barrier.wait()
        try:
            users = p.kind("users")
            seen.append([users.entity(i).as_dict() for i in users.matching({"tier": "gold"})])
        except Exception as error:
            errors.append(repr(error))

    started = [threading.Thread(target=cast) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return seen, errors


def test_generators_opening_a_world_at_once_see_only_whole_entities() -> None:
    """The generators of one `eventum run` cast an episode's entities (a `where`) in their own
    threads at the same time: none may see an entity another thread is still making."""
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows at once
    try:
        for seed in range(5):
            seen, errors = cast_at_once(population(seed), 4)
            assert not errors
            assert seen == [seen[0]] * 4
    finally:
        sys.setswitchinterval(switch)


def test_relations_are_entities_of_the_population() -> None:
    p = population()
    hosts = {p.kind("hosts").entity(i).key for i in range(20)}
    for i in range(50):
        user = p.kind("users").entity(i)
        assert user.host.key in hosts
        assert str(user.department) in {"A", "B", "C"}
    assert p.kind("hosts").entity(4).ip == "10.1.0.5"  # subnet addresses in order


def test_an_entity_is_its_key_as_text_and_equal_only_to_itself_among_entities() -> None:
    import json

    p = population()
    user = p.kind("users").entity(3)
    department = user.department
    assert str(department) == department.key and f"{department}" == department.key
    assert type(str(department)) is str
    assert department == department.key and department != "no such department"
    assert {department.key: 1}[department] == 1  # hashed as its text
    assert user == p.kind("users").entity(3) and user != p.kind("users").entity(4)
    twin = p.kind("users").entity(3)
    assert twin is user
    assert json.dumps({"user": user, "host": user.host}) == json.dumps(
        {"user": user.key, "host": user.host.key}
    )
    assert user.index == 3 and repr(user) == f"<users {user.key}>"
    keyless = Population(
        WorldSpec.model_validate({"entities": {"things": {"count": 2, "fields": {}}}}), 1
    )
    assert keyless.kind("things").entity(1) == "things-1"


def test_a_ref_back_to_an_entity_being_made_gets_it_once_its_key_is_made() -> None:
    def world(user_fields: dict) -> Population:
        spec = {
            "entities": {
                "users": {"count": 1, "key": "name", "fields": user_fields},
                "hosts": {
                    "count": 1,
                    "key": "hostname",
                    "fields": {"hostname": {"value": "H0"}, "owner": {"ref": "users"}},
                },
            }
        }
        return Population(WorldSpec.model_validate(spec), 1)

    key_first = world({"name": {"value": "ann"}, "host": {"ref": "hosts"}})
    user = key_first.kind("users").entity(0)
    assert user.host.owner is user and user.host.owner.host is user.host
    with pytest.raises(ValueError, match="comes before its key field 'name': declare the key"):
        world({"host": {"ref": "hosts"}, "name": {"value": "ann"}})


def test_templates_pick_filter_weight_and_look_up() -> None:
    p = population()
    entities = Entities(p, random.Random(5))
    users = entities.users
    assert len(users) == 50
    picked = {users.pick().key for _ in range(300)}
    assert len(picked) > 30
    in_a = users.where(department="A")
    assert len(in_a) > 0
    assert all(u.department.key == "A" for u in in_a)
    assert all(users.pick(department="B").department.key == "B" for _ in range(20))
    heavy = [users.weighted_pick("weight") for _ in range(300)]
    assert all(u.weight > 0 for u in heavy)
    some = users[7]
    assert users.get(some.key) == some
    assert users.get("nobody") is None
    assert entities["hosts"].get("H3").ip == "10.1.0.4"
    assert len(users.pick_n(5)) == 5


def test_sessions_are_keyed_by_entity_and_time() -> None:
    day = datetime(2026, 1, 1, tzinfo=UTC)
    users_a, users_b = population().kind("users"), population().kind("users")
    for i in range(10):
        noon = day + timedelta(hours=9, minutes=30)
        a, b = users_a.session_at(i, noon), users_b.session_at(i, noon)
        assert a == b or (a is not None and b is not None and (a.id, a.start) == (b.id, b.start))
        assert a is not None and a.start <= noon < a.end
        assert users_a.session_at(i, day + timedelta(hours=3)) is None  # before 08:00
    late = day + timedelta(hours=12)
    active = users_a.active(late)
    assert active == [i for i in range(50) if users_b.session_at(i, late) is not None]
    assert 0 < len(active) < 50
    assert (
        users_a.session_at(0, day + timedelta(days=1, hours=10)).id
        != users_a.session_at(0, day + timedelta(hours=10)).id
    )  # a new session every day


def test_a_bad_faker_provider_names_the_field(tmp_path: Path) -> None:
    from eventum_core import ConfigError
    from eventum_entities.template import check_fields

    world = tmp_path / "world.yml"
    world.write_text("entities:\n  users:\n    count: 2\n    fields:\n      x: {faker: no_such}\n")
    from eventum_entities.world import read_world

    with pytest.raises(ConfigError, match=r"world.yml:5: entities.users.fields.x: AttributeError"):
        check_fields(world, Population(read_world(world), 0))
