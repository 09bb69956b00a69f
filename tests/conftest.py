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

    def run(
        *args: str, timeout: float = 60, env: dict[str, str] | None = None, **kwargs: object
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            [sys.executable, "-m", "eventum_core", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            check=False,
            **kwargs,
        )

    return run


@pytest.fixture
def write_generator(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "generator.yml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
