"""Shared by this package's tests: the local cluster's handle and the driver's command line."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class LocalCluster:
    address: str
    workers: list[dict]
    seconds: float
    process: subprocess.Popen

    def alive_workers(self) -> list[dict]:
        return [w for w in self.workers if _alive(w["raylet"])]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


DRIVER_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def eventum_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "eventum_core", *args]
