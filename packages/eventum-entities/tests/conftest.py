from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "soc-world"


@pytest.fixture
def eventum() -> Callable[..., subprocess.CompletedProcess[str]]:
    """The `eventum` CLI in a subprocess, as a user runs it."""

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
        return subprocess.run(
            [sys.executable, "-m", "eventum_core", *args],
            capture_output=True, text=True, timeout=timeout, env=env, check=False,
        )  # fmt: skip

    return run


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """A copy of examples/soc-world, so runs write their logs and labels under tmp_path."""
    target = tmp_path / "soc-world"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("out", "truth"))
    return target
