"""`eventum run` as a real process: isolation, SIGTERM graceful stop, SIGHUP reload, log files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("eventum_input_timer")
pytest.importorskip("eventum_event_template")
pytest.importorskip("eventum_output_file")

GENERATOR = """\
input:
  - timer: {{seconds: 0.1, count: {count}}}
event:
  template:
    mode: all
    templates:
      - a: {{template: t.jinja}}
output:
  - file: {{path: {out}}}
"""


def make_generator(root: Path, name: str, *, count: int = 10, broken: bool = False) -> Path:
    folder = root / "gens" / name
    folder.mkdir(parents=True, exist_ok=True)
    text = GENERATOR.format(count=count, out=root / f"{name}.out")
    if broken:
        text = text.replace("file:", "no_such_output:")
    (folder / "generator.yml").write_text(text)
    (folder / "t.jinja").write_text(name + " {{ timestamp }}")
    return folder


def write_app(root: Path, startup: str, *, log_format: str = "plain") -> Path:
    (root / "startup.yml").write_text(startup)
    config = root / "eventum.yml"
    config.write_text(
        "server.api_enabled: false\nserver.ui.enabled: false\ngeneration: {}\n"
        f"log: {{format: {log_format}, max_bytes: 1024, backups: 2}}\n"
        f"path.logs: {root / 'logs'}\npath.startup: {root / 'startup.yml'}\n"
        f"path.generators_dir: {root / 'gens'}\npath.keyring_cryptfile: {root / 'kr.cfg'}\n"
    )
    return config


@pytest.fixture
def run_app() -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(config: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "eventum_core", "run", "-c", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def wait_for(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_sigterm_stops_gracefully_and_isolates_a_broken_generator(
    tmp_path: Path, run_app: Callable[[Path], subprocess.Popen[str]]
) -> None:
    make_generator(tmp_path, "good", count=50)
    make_generator(tmp_path, "bad", broken=True)
    config = write_app(
        tmp_path,
        "- id: good\n  path: good\n- id: bad\n  path: bad\n- id: idle\n  path: good\n"
        "  autostart: false\n",
        log_format="json",
    )
    proc = run_app(config)
    out = tmp_path / "good.out"
    wait_for(lambda: len(lines(out)) >= 200)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr

    logs = tmp_path / "logs"
    good_log = [json.loads(line) for line in lines(logs / "generator_good.json")]
    ended = next(r for r in good_log if r["event"] == "generator ended")
    assert ended["written"] == ended["generated"] == len(lines(out))  # nothing lost on stop
    bad_log = lines(logs / "generator_bad.json")
    assert any("no_such_output" in line and "failed to start" in line for line in bad_log)
    assert not (logs / "generator_idle.json").exists()
    main = [json.loads(line) for line in lines(logs / "main.json")]
    assert any(r["event"] == "stopping: writing what was generated" for r in main)
    assert all("generator" not in r for r in main)


def test_sighup_reloads_startup(
    tmp_path: Path, run_app: Callable[[Path], subprocess.Popen[str]]
) -> None:
    make_generator(tmp_path, "one", count=2)
    make_generator(tmp_path, "two", count=2)
    config = write_app(tmp_path, "- id: one\n  path: one\n")
    proc = run_app(config)
    wait_for(lambda: len(lines(tmp_path / "one.out")) > 0)
    (tmp_path / "startup.yml").write_text("- id: two\n  path: two\n")
    proc.send_signal(signal.SIGHUP)
    wait_for(lambda: len(lines(tmp_path / "two.out")) > 0)
    stopped_at = len(lines(tmp_path / "one.out"))
    time.sleep(0.5)
    assert len(lines(tmp_path / "one.out")) == stopped_at  # the old generator is gone
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 0
    main = (tmp_path / "logs" / "main.log").read_text()
    assert "reloading" in main
    # rotated at max_bytes=1024 with 2 backups at most
    assert not (tmp_path / "logs" / "main.log.3").exists()


def test_invalid_settings_exit_1_with_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "eventum.yml"
    config.write_text("server: {}\n")
    done = subprocess.run(
        [sys.executable, "-m", "eventum_core", "run", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ},
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ")
    assert "generation" in done.stderr
