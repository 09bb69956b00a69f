"""`subprocess.run(command, cwd=None, env=None, timeout=None)` in templates."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class SubprocessResult:
    stdout: str
    stderr: str
    exit_code: int


class SubprocessRunner:
    """Runs a shell command; a timed-out command is killed with the processes it started."""

    __slots__ = ()

    def run(
        self,
        command: str,
        cwd: str | None = None,
        env: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> SubprocessResult:
        limit = DEFAULT_TIMEOUT if timeout is None or timeout <= 0 else min(timeout, MAX_TIMEOUT)
        environ = None if env is None else {str(k): str(v) for k, v in env.items()}
        process = subprocess.Popen(
            command,
            shell=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=environ,
            start_new_session=os.name == "posix",
        )
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise
        return SubprocessResult(
            stdout=stdout.decode(errors="replace"),
            stderr=stderr.decode(errors="replace"),
            exit_code=process.returncode,
        )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=5)
