"""One session-wide Ray cluster (head + two worker nodes, separate processes) for `-m cluster`
tests; `eventum generate --cluster` runs as a separate driver process against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytest.importorskip("eventum_event_template")

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from ray_helpers import DRIVER_ENV, LocalCluster, eventum_command  # noqa: E402


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[LocalCluster]:
    process = subprocess.Popen(
        [sys.executable, str(HERE / "local_cluster.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"},
    )
    assert process.stdout is not None and process.stdin is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=30)
        pytest.fail("the local Ray cluster did not start")
    info = json.loads(line)
    try:
        yield LocalCluster(info["address"], info["workers"], info["seconds"], process)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def eventum() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `eventum` in a subprocess, as a user would: the driver of a cluster run."""

    def run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            eventum_command(*args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **DRIVER_ENV},
            check=False,
        )

    return run
