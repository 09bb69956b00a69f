"""`eventum generate --cluster`: core's extension point for running a generator on many machines
(eventum-ray registers the runner under the `eventum.cluster` entry-point group)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from eventum_core.cli import session


def test_without_a_cluster_runner_cluster_answers_with_the_pip_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(session, "entry_points", lambda group: [])
    runner = session.run_on_cluster("auto", "auto")
    code = runner({}, verbosity=0, log_format="plain", cryptfile=None, progress=None)
    assert code == session.EXIT_USAGE
    assert capsys.readouterr().err == (
        "Error: --cluster needs eventum-ray, which is not installed: pip install eventum-ray\n"
    )


def test_generate_help_names_the_cluster_options_without_importing_a_runner() -> None:
    code = (
        "import sys\n"
        "from eventum_core.cli.app import main\n"
        "sys.argv = ['eventum', 'generate', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('ray' in sys.modules, 'eventum_ray' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"COLUMNS": "200", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert "--cluster" in result.stdout and "--segments" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_segments_without_cluster_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "eventum_core", "generate", "--path", "x", "--id", "x",
         "--segments", "4"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--segments: splits a --cluster run; give --cluster too" in result.stderr
