"""examples/soc-world end to end: three log sources share one population and one episode, and
the ground truth lists exactly the injected events, whatever the split of the run."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from eventum_core import PluginContext
from eventum_core.protocols import Sidecar
from eventum_core.testing import make_context, validation_context
from eventum_entities.inputs import EpisodesConfig, EpisodesInput
from eventum_entities.population import Population
from eventum_entities.truth import read_labels
from eventum_entities.world import read_world

SOURCES = ("identity", "vpn", "endpoint")
SEED, NOW, REPEAT = "3", "2026-03-01T09:00:00Z", 900  # 15 minutes: the episode ends by 12m30s
VPN = re.compile(r"user=(\S+) .*host=(\S+)")


def generate(eventum, scenario: Path, source: str, out: Path, *options: str) -> None:  # type: ignore[no-untyped-def]
    result = eventum(
        "generate", "--path", str(scenario / source / "generator.yml"), "--id", source,
        "--live-mode", "false", "--seed", SEED, "--now", NOW,
        "--params", json.dumps({"repeat": REPEAT, "out_dir": str(out)}), *options,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def users_and_hosts(source: str, line: str) -> tuple[str, str]:
    if source == "vpn":
        found = VPN.search(line)
        assert found, line
        return found[1], found[2]
    event = json.loads(line)
    return event["user"], event.get("host", "")


def event_ids(out: Path, sources: tuple[str, ...] = SOURCES) -> dict[str, str]:
    """event id -> the source whose log carries it."""
    ids: dict[str, str] = {}
    for source in sources:
        for line in (out / f"{source}.log").read_text().splitlines():
            found = re.search(r'event_id"?[=:] ?"?([0-9a-f]{16})', line)
            if found:
                assert found[1] not in ids
                ids[found[1]] = source
    return ids


@pytest.fixture
def run_all(eventum, scenario: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    for source in SOURCES:
        generate(eventum, scenario, source, out)
    return out


def test_the_same_users_and_hosts_appear_in_every_source_and_only_from_the_population(
    scenario: Path, run_all: Path
) -> None:
    population = Population(read_world(scenario / "world.yml"), int(SEED))
    users = {u.key: u for u in (population.kind("users").entity(i) for i in range(120))}
    hosts = {population.kind("hosts").entity(i).key for i in range(60)}
    seen: dict[str, set[str]] = {}
    for source in SOURCES:
        lines = (run_all / f"{source}.log").read_text().splitlines()
        assert len(lines) > REPEAT
        seen[source] = set()
        for line in lines:
            user, host = users_and_hosts(source, line)
            assert user in users, line
            assert host in hosts or ("event_id" in line and not host), line
            seen[source].add(user)
            if "event_id" not in line and (
                "process_creation" in line or "identity" in line or "vpn" in line
            ):
                assert host == users[user].host.key, line  # a user's own host, in every source
    shared = seen["identity"] & seen["vpn"] & seen["endpoint"]
    assert len(shared) > 100


def test_the_sidecar_lists_exactly_the_injected_events(scenario: Path, run_all: Path) -> None:
    labels = read_labels(scenario / "truth")
    in_outputs = event_ids(run_all)
    assert len(labels) == len(in_outputs) == 12 + 1 + 1 + 1
    assert {label["event_id"]: label["generator"] for label in labels} == in_outputs
    by_step = {label["step"]: label for label in labels}
    assert by_step["vpn_new_country"]["labels"] == {
        "tactic": "credential-access",
        "mitre": ["T1133"],
    }
    assert by_step["encoded_powershell"]["outputs"] == ["file"]
    victim = by_step["success"]["entities"]["victim"]["key"]
    vpn_line = next(
        line for line in (run_all / "vpn.log").read_text().splitlines() if "event_id" in line
    )
    assert f"user={victim} " in vpn_line and "country=RU" in vpn_line
    manifest = json.loads((scenario / "truth" / "manifest.json").read_text())
    (episode,) = manifest["episodes"]
    assert episode["entities"]["victim"]["key"] == victim
    assert [s["step"] for s in episode["steps"]] == [
        "spray",
        "success",
        "vpn_new_country",
        "encoded_powershell",
    ]
    assert episode["start"] == labels[0]["time"]


def test_the_same_seed_repeats_population_episodes_and_labels(
    eventum, scenario: Path, run_all: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = {s: (run_all / f"{s}.log").read_text() for s in SOURCES}
    first_labels = read_labels(scenario / "truth")
    again = tmp_path / "again"
    for source in SOURCES:
        generate(eventum, scenario, source, again)
    assert {s: (again / f"{s}.log").read_text() for s in SOURCES} == first
    assert read_labels(scenario / "truth") == first_labels  # a repeated run starts them afresh


def _identity_labels(scenario: Path) -> list[tuple[str, str, str]]:
    return sorted(
        (label["event_id"], label["time"], json.dumps(label["entities"]))
        for label in read_labels(scenario / "truth")
    )


def test_labels_are_the_same_with_event_workers_and_split_by_segment(
    eventum, scenario: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    generate(eventum, scenario, "identity", tmp_path / "one", "--workers", "1")
    one = _identity_labels(scenario)
    assert len(one) == 13
    generate(eventum, scenario, "identity", tmp_path / "two", "--workers", "2")
    assert _identity_labels(scenario) == one
    for index in (0, 1):
        generate(
            eventum, scenario, "identity", tmp_path / f"seg{index}", "--workers", "1",
            "--segment", f"{index}/2", "--batch.size", "200",
        )  # fmt: skip
    assert _identity_labels(scenario) == one  # both segments appended to one sidecar
    ids = set()
    for index in (0, 1):
        for line in (tmp_path / f"seg{index}" / "identity.log").read_text().splitlines():
            if "event_id" in line:
                ids.add(json.loads(line)["event_id"])
    assert ids == {label[0] for label in one}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_max_events_cutting_a_batch_inside_the_episode_labels_only_the_events_written(
    eventum, scenario: Path, tmp_path: Path, workers: str
) -> None:  # type: ignore[no-untyped-def]
    """The identity log's episode events are events 575-630 and 647 of 1813: 603 of batches of
    50 cuts the batch holding the 7th to 13th (and, with a worker, drops the batches it made)."""
    out = tmp_path / "out"
    generate(
        eventum, scenario, "identity", out, "--workers", workers, "--batch.size", "50",
        "--max-events", "603",
    )  # fmt: skip
    assert len((out / "identity.log").read_text().splitlines()) == 603
    labels = read_labels(scenario / "truth")
    assert len(labels) == 6
    assert {label["event_id"] for label in labels} == set(event_ids(out, ("identity",)))


def _sidecar(folder: Path, now: str = NOW) -> tuple[EpisodesConfig, PluginContext]:
    """The identity generator's `episodes` config and context in `folder`, as a run has them."""
    base = folder / "identity"
    config = EpisodesInput.Config.model_validate(
        {"world": "../world.yml"}, context=validation_context(base)
    )
    return config, make_context("input", "episodes", base, started_at=datetime.fromisoformat(now),
                                seed=int(SEED))  # fmt: skip


def test_a_driver_gathers_the_labels_its_segments_left_in_copies_of_the_folder(
    eventum, scenario: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The segments of a cluster run on machines that do not see the folder label into copies
    of it: what each collects (the `Sidecar` hooks) the driver gathers into its own folder,
    each label once (a rerun's again) and in time order: the one-process run's labels."""
    assert isinstance(EpisodesInput, Sidecar)
    generate(eventum, scenario, "identity", tmp_path / "one", "--workers", "1")
    one = read_labels(scenario / "truth")
    manifest = json.loads((scenario / "truth" / "manifest.json").read_text())
    driver, *nodes = (tmp_path / name for name in ("driver", "node0", "node1"))
    for folder in (driver, *nodes):
        shutil.copytree(scenario, folder, ignore=shutil.ignore_patterns("truth"))
    collected = []
    for index, node in enumerate(nodes):
        generate(
            eventum, node, "identity", tmp_path / f"seg{index}", "--workers", "1",
            "--segment", f"{index}/2", "--batch.size", "200",
        )  # fmt: skip
        collected.append(EpisodesInput.collect_sidecar(*_sidecar(node)))
    assert EpisodesInput.collect_sidecar(*_sidecar(nodes[0], "2026-03-02T09:00:00Z")) is None
    config, _ = _sidecar(driver)
    EpisodesInput.gather_sidecar(config, [*collected, collected[1]])  # segment 1 rerun
    gathered = read_labels(driver / "truth")
    assert len(one) == 13 and all(len(part["labels"]) < 13 for part in collected)
    assert gathered == sorted(one, key=lambda r: (r["time"], r["event_id"]))
    ours = json.loads((driver / "truth" / "manifest.json").read_text())
    assert ours == {**manifest, "world": str(driver / "world.yml")}
