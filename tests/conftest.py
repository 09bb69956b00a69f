from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Eventum = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def eventum() -> Eventum:
    """Run the `eventum` CLI in a subprocess, as a user would."""

    def run(*args: str, timeout: float = 60, **kwargs: object) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
        return subprocess.run(
            [sys.executable, "-m", "eventum_core", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
            **kwargs,  # type: ignore[call-overload]
        )

    return run


@pytest.fixture
def write_generator(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "generator.yml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
