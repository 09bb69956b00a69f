"""Faults, with counts: nothing generated is lost or duplicated without being reported.

Sinks that disappear and return are tested per output package (clickhouse, http, kafka,
opensearch, tcp: `*_mid_run_*`; file: `test_reopens_*`); SIGTERM mid sample run is in
test_generate_e2e.py. Here: a full disk with a dead-letter file, a template that raises for some
events, and SIGHUP under `eventum run`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# One event a second on whole seconds: without the endpoint, Eventum's float linspace puts every
# one on its second (0 to 999 s in 1,000 with it puts some 1 µs before theirs, as Eventum does).
LINSPACE = """input:
  - linspace: {{start: "2024-01-01T00:00:00+00:00", end: "2024-01-01T00:16:40+00:00", count: {count}, endpoint: false}}
event:
  template:
    mode: all
    templates:
      - a: {{template: t.jinja}}
output:
{output}
"""


def summary(stderr: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"\b(\w+)=(\d+)\b", stderr)}


def test_a_full_disk_dead_letters_every_event(eventum, tmp_path: Path) -> None:
    (tmp_path / "t.jinja").write_text("{{ timestamp.isoformat() }} ok")
    dead = tmp_path / "dead.jsonl"
    output = f"  - file: {{path: /dev/full, dead_letter: {dead}, retry: {{attempts: 2, initial_delay: 0.01}}}}"
    path = tmp_path / "generator.yml"
    path.write_text(LINSPACE.format(count=1000, output=output))
    result = eventum("generate", "--path", str(path), "--id", "t", "--live-mode", "false", "-vvvv")
    assert result.returncode == 1
    assert "1000 events were not delivered" in result.stderr
    letters = [json.loads(line) for line in dead.read_text().splitlines()]
    assert len(letters) == 1000
    assert len({letter["event"] for letter in letters}) == 1000
    assert "Traceback" not in result.stderr


def test_a_template_that_raises_for_some_events(eventum, tmp_path: Path) -> None:
    # Every third second divides by zero: those events fail, the rest are written once each.
    (tmp_path / "t.jinja").write_text(
        "{{ timestamp.isoformat() }} {{ 10 // (timestamp.second % 3) }}"
    )
    out = tmp_path / "out.log"
    path = tmp_path / "generator.yml"
    path.write_text(LINSPACE.format(count=1000, output=f"  - file: {{path: {out}}}"))
    result = eventum("generate", "--path", str(path), "--id", "t", "--live-mode", "false", "-vvvv")
    lines = out.read_text().splitlines()
    failing = sum(1 for second in range(1000) if second % 60 % 3 == 0)
    counts = summary(result.stderr)
    assert counts["generated"] == 1000
    assert counts["produce_failed"] == failing
    assert counts["written"] == len(lines) == 1000 - failing
    assert len(set(lines)) == len(lines)
    assert "ZeroDivisionError" in result.stderr
    assert "Traceback" not in result.stderr


GENERATOR = """\
input:
  - timer: {seconds: 0.1, count: 5}
event:
  template:
    mode: all
    templates:
      - a: {template: t.jinja}
output:
  - file: {path: OUT}
"""


def test_sighup_reload_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    gens = tmp_path / "gens" / "g"
    gens.mkdir(parents=True)
    out = tmp_path / "g.out"
    (gens / "generator.yml").write_text(GENERATOR.replace("OUT", str(out)))
    (gens / "t.jinja").write_text("{{ timestamp.isoformat() }} {{ range(10**9) | random }}")
    (tmp_path / "startup.yml").write_text("- id: g\n  path: g\n")
    config = tmp_path / "eventum.yml"
    config.write_text(
        "server.api_enabled: false\nserver.ui.enabled: false\ngeneration: {}\n"
        "log: {format: json}\n"
        f"path.logs: {tmp_path / 'logs'}\npath.startup: {tmp_path / 'startup.yml'}\n"
        f"path.generators_dir: {tmp_path / 'gens'}\npath.keyring_cryptfile: {tmp_path / 'k.cfg'}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventum_core", "run", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    generator_log = tmp_path / "logs" / "generator_g.json"

    def wait_for(check: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 60
        while not check():
            assert proc.poll() is None, f"eventum exited before {what}"
            assert time.monotonic() < deadline, f"no {what} in 60 s"
            time.sleep(0.05)

    def started() -> int:
        return (
            generator_log.read_text().count('"generator started"') if generator_log.exists() else 0
        )

    def written() -> int:
        return len(out.read_text().splitlines()) if out.exists() else 0

    try:
        # Each signal once the run before it has started and written: on a loaded machine the
        # start alone can take longer than any fixed sleep (a SIGHUP before `eventum run` sets
        # its handlers ends the process; one before the generator starts leaves a run unlogged).
        for run, then in enumerate([signal.SIGHUP] * 3 + [signal.SIGTERM], start=1):
            wait_for(lambda run=run: started() >= run, f"start of run {run}")
            already = written()
            wait_for(lambda already=already: written() >= already + 20, f"events of run {run}")
            proc.send_signal(then)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    log = (tmp_path / "logs" / "generator_g.json").read_text()
    runs = [json.loads(line) for line in log.splitlines() if '"generator ended"' in line]
    assert len(runs) == 4  # the first start and three reloads
    lines = out.read_text().splitlines()
    assert sum(run["written"] for run in runs) == len(lines)
    assert sum(run["generated"] for run in runs) == len(lines)
    assert all(run["generated"] > 0 for run in runs)
    assert len(set(lines)) == len(lines)
    assert os.path.getsize(out) > 0
