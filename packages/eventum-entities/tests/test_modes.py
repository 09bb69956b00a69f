"""The world in `eventum run` (generators of one scenario in one process) and in live mode."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from eventum_entities.truth import read_labels

NOW = "2026-03-01T09:00:00Z"


def run_until_ended(config: Path, logs: Path, count: int) -> tuple[int, str]:
    """`eventum run -c config` until `count` generators have ended: how many did, its stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventum_core", "run", "-c", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    ended: list[Path] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            ended = [
                p for p in logs.glob("generator_*.log") if "generator ended" in p.read_text()
            ] if logs.exists() else []  # fmt: skip
            if len(ended) == count:
                break
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return len(ended), stderr


def run_config(tmp_path: Path, entries: list[dict[str, object]], generators: Path) -> Path:
    """An eventum.yml for `eventum run` of `entries` (startup.yml) in `generators`, no server."""
    startup = tmp_path / "startup.yml"
    startup.write_text(json.dumps(entries))
    config = tmp_path / "eventum.yml"
    config.write_text(
        "server.api_enabled: false\nserver.ui.enabled: false\ngeneration: {}\nlog: {}\n"
        f"path.logs: {tmp_path / 'logs'}\npath.startup: {startup}\n"
        f"path.generators_dir: {generators}\npath.keyring_cryptfile: {tmp_path / 'k.cfg'}\n"
    )
    return config


def test_eventum_run_shares_the_population_and_the_episode_across_a_scenario(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    entries = [
        {"id": source, "path": source, "seed": 3, "live_mode": False, "now": NOW,
         "scenarios": ["soc-world"], "params": {"repeat": 900, "out_dir": str(out)}}
        for source in ("identity", "vpn", "endpoint")
    ]  # fmt: skip
    config = run_config(tmp_path, entries, scenario)
    ended, stderr = run_until_ended(config, tmp_path / "logs", 3)
    assert ended == 3, stderr
    labels = read_labels(scenario / "truth")
    assert sorted(label["generator"] for label in labels) == ["endpoint"] + ["identity"] * 13 + [
        "vpn"
    ]
    victims = {label["entities"]["victim"]["key"] for label in labels}
    assert len(victims) == 1
    (victim,) = victims
    assert f"user={victim} " in next(
        line for line in (out / "vpn.log").read_text().splitlines() if "event_id" in line
    )
    # Each generator used the same population: a user's host is the same in every source.
    host_of: dict[str, str] = {}
    for source in ("identity", "endpoint"):
        for line in (out / f"{source}.log").read_text().splitlines():
            event = json.loads(line)
            if event["event"] != "logon" and "event_id" not in event:
                assert host_of.setdefault(event["user"], event["host"]) == event["host"]


def test_live_mode_plays_the_episode_at_its_time(tmp_path: Path, eventum) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "world.yml").write_text(
        "entities:\n  users: {count: 5, key: name, fields: {name: {template: 'u{{ index }}'}}}\n"
        "episodes:\n  soon:\n    start: {at: 2s}\n    entities: {who: {kind: users}}\n"
        "    steps:\n      - {name: ping, generator: live, template: step.jinja, count: 2, every: 1s}\n"
    )
    (tmp_path / "bg.jinja").write_text("{{ timestamp.isoformat() }} bg {{ entities.users.pick() }}")
    (tmp_path / "step.jinja").write_text(
        "{{ timestamp.isoformat() }} step {{ episode.entities.who }} {{ episode.event_id }}"
    )
    (tmp_path / "generator.yml").write_text(
        "input:\n  - timer: {seconds: 0.5, count: 1}\n  - episodes: {world: world.yml}\n"
        "event:\n  template:\n    mode: all\n    world: world.yml\n"
        "    templates:\n      - bg: {template: bg.jinja}\n"
        f"output:\n  - file: {{path: {tmp_path / 'out.log'}}}\n"
    )
    result = eventum(
        "generate", "--path", str(tmp_path / "generator.yml"), "--id", "live",
        "--max-duration", "5s",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "out.log").read_text().splitlines()
    steps = [line for line in lines if " step " in line]
    labels = read_labels(tmp_path / "truth")
    assert len(steps) == len(labels) == 2
    assert [line.split()[-1] for line in steps] == [label["event_id"] for label in labels]
    assert all(line.split()[2] in {f"u{i}" for i in range(5)} for line in lines)


def test_sessions_give_login_then_logout_for_each_session(tmp_path: Path, eventum) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "world.yml").write_text(
        "entities:\n  users:\n    count: 4\n    key: name\n    fields: {name: {template: 'u{{ index }}'}}\n"
        "    sessions: {period: 1d, start: [8h, 9h], duration: [1h, 2h]}\n"
    )
    (tmp_path / "edge.jinja").write_text(
        "{% set b = entities.users.boundary(timestamp) %}{{ timestamp.isoformat() }} {{ b.entity }}"
        " {{ 'login' if b.phase == 'start' else 'logout' }} {{ b.id }}"
    )
    (tmp_path / "generator.yml").write_text(
        "input:\n  - sessions: {world: world.yml, kind: users, span: 2d}\n"
        "event:\n  template:\n    mode: all\n    world: world.yml\n"
        "    templates:\n      - edge: {template: edge.jinja}\n"
        f"output:\n  - file: {{path: {tmp_path / 'out.log'}}}\n"
    )
    result = eventum(
        "generate", "--path", str(tmp_path / "generator.yml"), "--id", "s", "--live-mode",
        "false", "--seed", "2", "--now", "2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in (tmp_path / "out.log").read_text().splitlines()]
    assert len(lines) == 4 * 2 * 2  # four users, two days, a login and a logout each
    by_session: dict[str, list[tuple[str, str, str]]] = {}
    for moment, user, what, session in lines:
        by_session.setdefault(session, []).append((moment, user, what))
    assert len(by_session) == 8
    for events in by_session.values():
        (login, user, first), (logout, same_user, second) = events
        assert (first, second) == ("login", "logout") and user == same_user and login < logout


def two_generator_world(root: Path) -> None:
    """Generators `first` and `second` (live, unfixed start) and one episode 3 s after the
    world's start: a step on `first`, then one on `second` a second later."""
    (root / "world.yml").write_text(
        "seed: 5\n"
        "entities:\n  users: {count: 3, key: name, fields: {name: {template: 'u{{ index }}'}}}\n"
        "episodes:\n  soon:\n    start: {at: 3s}\n    entities: {who: {kind: users}}\n    steps:\n"
        "      - {name: a, generator: first, template: step.jinja}\n"
        "      - {name: b, generator: second, template: step.jinja, delay: 1s}\n"
    )
    for name in ("first", "second"):
        folder = root / name
        folder.mkdir()
        (folder / "bg.jinja").write_text("{{ timestamp.isoformat() }} bg")
        (folder / "step.jinja").write_text("{{ timestamp.isoformat() }} step {{ episode.step }}")
        (folder / "generator.yml").write_text(
            "input:\n  - timer: {seconds: 1, count: 1}\n  - episodes: {world: ../world.yml}\n"
            "event:\n  template:\n    mode: all\n    world: ../world.yml\n"
            "    templates:\n      - bg: {template: bg.jinja}\n"
            f"output:\n  - file: {{path: {root / name}.log}}\n"
        )


def assert_one_clock(root: Path) -> None:
    """Both steps labelled, a second apart, at the times each generator wrote them."""
    labels = read_labels(root / "truth")
    assert [label["step"] for label in labels] == ["a", "b"], labels
    a, b = (datetime.fromisoformat(label["time"]) for label in labels)
    assert b - a == timedelta(seconds=1)
    for name, label in zip(("first", "second"), labels, strict=True):
        steps = [line for line in (root / f"{name}.log").read_text().splitlines() if "step" in line]
        assert [datetime.fromisoformat(line.split()[0]) for line in steps] == [
            datetime.fromisoformat(label["time"])
        ]


def test_generators_started_apart_place_the_episode_on_one_clock(tmp_path: Path) -> None:
    """The second starts 1.5 s after the first (another process, a second `eventum generate`):
    it joins the world's clock instead of placing the episode from its own start, and the
    ground truth keeps the first one's label."""
    two_generator_world(tmp_path)
    command = [sys.executable, "-m", "eventum_core", "generate", "--path"]
    first = subprocess.Popen(
        [*command, str(tmp_path / "first" / "generator.yml"), "--id", "first",
         "--max-duration", "6s"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(1.5)
    second = subprocess.run(
        [*command, str(tmp_path / "second" / "generator.yml"), "--id", "second",
         "--max-duration", "5s"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 0, stderr
    assert second.returncode == 0, second.stderr
    assert_one_clock(tmp_path)


def test_eventum_run_places_a_live_episode_on_one_clock(tmp_path: Path) -> None:
    """Generators of one `eventum run` start apart too (milliseconds, or across a minute)."""
    root = tmp_path / "generators"
    root.mkdir()
    two_generator_world(root)
    entries = [{"id": name, "path": name, "max_duration": 6} for name in ("first", "second")]
    ended, stderr = run_until_ended(run_config(tmp_path, entries, root), tmp_path / "logs", 2)
    assert ended == 2, stderr
    assert_one_clock(root)
