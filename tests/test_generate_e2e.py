"""`eventum generate` end to end: real plugins, real files, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = (
    "def produce(params):\n    return f\"{params['timestamp'].isoformat()} INFO heartbeat ok\"\n"
)


def write(tmp_path: Path, inputs: str, output: str) -> Path:
    (tmp_path / "s.py").write_text(SCRIPT)
    path = tmp_path / "generator.yml"
    path.write_text(f"input:\n{inputs}\nevent:\n  script: {{path: s.py}}\noutput:\n{output}\n")
    return path


LINSPACE = """  - linspace:
      start: "2024-01-01T00:00:00+00:00"
      end: "2024-01-02T00:00:00+00:00"
      count: {count}"""


def test_sample_mode_to_file_writes_every_event(eventum, tmp_path: Path) -> None:
    out = tmp_path / "out" / "events.log"
    path = write(tmp_path, LINSPACE.format(count=50_000), "  - file: {path: '${params.out}'}")
    result = eventum(
        "generate",
        "--path",
        str(path),
        "--id",
        "t",
        "--live-mode",
        "false",
        "--params",
        f'{{"out": "{out}"}}',
    )
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 50_000
    assert lines[0] == "2024-01-01T00:00:00+00:00 INFO heartbeat ok"
    assert lines[-1] == "2024-01-02T00:00:00+00:00 INFO heartbeat ok"


def test_stdout_is_only_events(eventum, tmp_path: Path) -> None:
    path = write(tmp_path, LINSPACE.format(count=3), "  - stdout: {}")
    result = eventum("generate", "--path", str(path), "--id", "t", "--live-mode", "false", "-vvvv")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "2024-01-01T00:00:00+00:00 INFO heartbeat ok",
        "2024-01-01T12:00:00+00:00 INFO heartbeat ok",
        "2024-01-02T00:00:00+00:00 INFO heartbeat ok",
    ]
    assert "run finished" in result.stderr


def test_lost_events_exit_non_zero_and_say_how_many(eventum, tmp_path: Path) -> None:
    path = write(tmp_path, LINSPACE.format(count=1000), "  - file: {path: /dev/full}")
    result = eventum("generate", "--path", str(path), "--id", "t", "--live-mode", "false")
    assert result.returncode == 1
    assert "1000 events were not delivered" in result.stderr
    assert "Traceback" not in result.stderr


def test_max_events_and_max_duration_bound_an_endless_run(eventum, tmp_path: Path) -> None:
    out = tmp_path / "events.log"
    path = write(tmp_path, "  - timer: {seconds: 0.1, count: 100}", f"  - file: {{path: {out}}}")
    result = eventum(
        "generate",
        "--path",
        str(path),
        "--id",
        "t",
        "--live-mode",
        "false",
        "--max-events",
        "12345",
    )
    assert result.returncode == 0, result.stderr
    assert len(out.read_text().splitlines()) == 12345

    out.unlink()
    started = time.monotonic()
    result = eventum("generate", "--path", str(path), "--id", "t", "--max-duration", "1.5s")
    assert result.returncode == 0, result.stderr
    assert 1.4 < time.monotonic() - started < 8
    assert 1000 <= len(out.read_text().splitlines()) <= 1600


def _start(path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "eventum_core", "generate", "--path", str(path), "--id", "t", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigint_in_live_mode_flushes_what_was_generated(tmp_path: Path) -> None:
    out = tmp_path / "events.log"
    path = write(tmp_path, "  - timer: {seconds: 0.1, count: 5}", f"  - file: {{path: {out}}}")
    proc = _start(path, "-vvvv")
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    text = out.read_text()
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) >= 20
    assert len(lines) % 5 == 0
    assert f"written={len(lines)}" in stderr


def test_sigterm_mid_sample_run_writes_whole_lines(tmp_path: Path) -> None:
    out = tmp_path / "events.log"
    path = write(tmp_path, LINSPACE.format(count=20_000_000), f"  - file: {{path: {out}}}")
    proc = _start(path, "--live-mode", "false", "-vvvv")
    deadline = time.monotonic() + 30
    while (not out.exists() or out.stat().st_size < 1_000_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    text = out.read_text()
    assert text.endswith("\n")
    lines = text.splitlines()
    assert 0 < len(lines) < 20_000_000
    assert all(line.endswith("INFO heartbeat ok") for line in lines[-1000:])
    assert f"written={len(lines)}" in stderr
    assert f"generated={len(lines)}" in stderr


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['eventum', '--help']\n"
        "from eventum_core.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('jinja2', 'faker', 'mimesis', 'fastapi', 'chdb', 'numpy', 'pydantic', 'structlog') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert "HEAVY []" in result.stdout


def test_generate_without_templates_does_not_import_jinja(tmp_path: Path) -> None:
    path = write(tmp_path, LINSPACE.format(count=3), "  - stdout: {}")
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "eventum_core",
            "generate",
            "--path",
            str(path),
            "--id",
            "t",
            "--live-mode",
            "false",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line
    }
    assert not {"jinja2", "faker", "mimesis", "fastapi", "chdb"} & imported


def test_secrets_from_a_cryptfile(eventum, tmp_path: Path) -> None:
    keyring = tmp_path / "secrets.cfg"
    env = {**os.environ, "EVENTUM_KEYRING_PASSWORD": "pw-for-tests"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from eventum_core.cli.keyring import main; main()",
            "set",
            "token",
            "s3cr3t-value",
            "--cryptfile",
            str(keyring),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    out = tmp_path / "out.log"
    path = write(
        tmp_path,
        LINSPACE.format(count=2),
        "  - file: {path: '" + str(out) + "', separator: ' ${secrets.token}\n'}",
    )
    args = ("generate", "--path", str(path), "--id", "t", "--live-mode", "false",
            "--cryptfile", str(keyring))  # fmt: skip
    result = eventum(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert out.read_text().count("s3cr3t-value") == 2

    wrong = eventum(*args, env={**env, "EVENTUM_KEYRING_PASSWORD": "wrong"})
    assert wrong.returncode == 2
    assert "s3cr3t" not in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_progress_line_goes_to_stderr_only(eventum, tmp_path: Path) -> None:
    out = tmp_path / "events.log"
    path = write(tmp_path, LINSPACE.format(count=1_000_000), f"  - file: {{path: {out}}}")
    result = eventum(
        "generate",
        "--path",
        str(path),
        "--id",
        "t",
        "--live-mode",
        "false",
        "--progress",
        "true",
        "--workers",
        "1",
    )
    assert result.returncode == 0, result.stderr
    assert "events/s" in result.stderr
    assert "events/s" not in out.read_text()[:1000]


def test_events_that_fail_to_produce_make_the_exit_non_zero(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(
        "def produce(params):\n"
        "    if params['timestamp'].second % 2:\n"
        "        raise ValueError('odd second')\n"
        "    return 'ok'\n"
    )
    path = tmp_path / "generator.yml"
    path.write_text(
        "input:\n  - linspace: {start: '2024-01-01T00:00:00Z', end: '2024-01-01T00:00:10Z', count: 10, endpoint: false}\n"
        "event:\n  script: {path: s.py}\noutput:\n  - stdout: {}\n"
    )
    result = eventum("generate", "--path", str(path), "--id", "t", "--live-mode", "false")
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["ok"] * 5
    assert "5 events could not be produced" in result.stderr
    assert "odd second" in result.stderr


def test_other_libraries_logs_show_from_v_up(eventum, tmp_path: Path) -> None:
    """A library's own log line (aiokafka's "Unable connect ..." beside our "cannot open") would
    repeat the one error line; -v shows them, named by library, in our format."""
    path = write(tmp_path, LINSPACE.format(count=2), "  - stdout: {}")
    (tmp_path / "s.py").write_text(
        "import logging\n\n"
        "def produce(params):\n"
        "    logging.getLogger('somelib').error('library noise')\n"
        "    return 'ok'\n"
    )
    args = ("generate", "--path", str(path), "--id", "t", "--live-mode", "false")
    quiet = eventum(*args)
    assert quiet.returncode == 0 and quiet.stdout.splitlines() == ["ok", "ok"]
    assert quiet.stderr == ""
    verbose = eventum(*args, "-v")
    assert verbose.returncode == 0
    noise = [line for line in verbose.stderr.splitlines() if "library noise" in line]
    assert len(noise) == 2 and all("library=somelib" in line for line in noise)
