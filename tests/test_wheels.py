"""Packaging as users get it: every package built as a wheel, installed into a clean venv with no
workspace around it, must find its plugins and run the quick-start generator."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.fail("uv is needed to build wheels: pip install uv")
    return found


@pytest.mark.slow
def test_wheels_install_and_run_in_a_clean_venv(tmp_path: Path) -> None:
    wheels, venv = tmp_path / "wheels", tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    subprocess.run(
        [uv(), "build", "--all-packages", "--wheel", "-q", "-o", str(wheels)],
        cwd=ROOT,
        check=True,
        env=env,
        timeout=600,
    )
    built = {p.name.split("-")[0] for p in wheels.glob("*.whl")}
    expected = {
        p.name.replace("-", "_")
        for p in (ROOT / "packages").iterdir()
        if (p / "pyproject.toml").exists()
    }
    assert built == expected
    subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            uv(),
            "pip",
            "install",
            "-q",
            "--python",
            str(python),
            "--find-links",
            str(wheels),
            "eventum-standard",
        ],
        check=True,
        env=env,
        timeout=600,
    )
    eventum = venv / "bin" / "eventum"
    check = subprocess.run([eventum, "plugins", "--check"], capture_output=True, text=True, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "BROKEN" not in check.stdout
    run = subprocess.run(
        [
            eventum,
            "generate",
            "--path",
            ROOT / "examples/quickstart/generator.yml",
            "--id",
            "wheels",
            "--live-mode",
            "false",
            "--max-events",
            "20",
            "--seed",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert len(run.stdout.splitlines()) == 20

    # eventum-standard has no server: `eventum run` with the server on (eventum.yml's default)
    # still runs its generators and says what is missing.
    (tmp_path / "gens").mkdir()
    (tmp_path / "startup.yml").write_text("[]\n")
    settings = tmp_path / "eventum.yml"
    settings.write_text(
        "server: {}\ngeneration: {}\nlog: {}\n"
        f"path.logs: {tmp_path / 'logs'}\npath.startup: {tmp_path / 'startup.yml'}\n"
        f"path.generators_dir: {tmp_path / 'gens'}\n"
        f"path.keyring_cryptfile: {tmp_path / 'keyring.cfg'}\n"
    )
    app = subprocess.Popen(
        [eventum, "run", "-c", settings], stderr=subprocess.PIPE, text=True, env=env
    )
    main_log = tmp_path / "logs" / "main.log"
    deadline = time.monotonic() + 60
    while "not installed" not in (main_log.read_text() if main_log.exists() else ""):
        assert app.poll() is None and time.monotonic() < deadline, app.stderr.read()  # type: ignore[union-attr]
        time.sleep(0.2)
    app.send_signal(signal.SIGTERM)
    assert app.wait(timeout=30) in (0, 143)
    assert "pip install eventum-server" in main_log.read_text()
