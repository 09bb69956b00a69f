"""Waiting for the threads a run leaves behind.

A finished run leaves the event loop's worker threads (anyio's, told to stop when the loop
ended) alive for a moment. Whoever comes next wants them gone: the next run in this process,
which forks its event workers only while the process has a single thread (else they are
spawned, slower, and a plugin class that cannot be imported by name cannot be spawned at all),
and an exit without the interpreter's teardown, which must not cut a working thread off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable


def wait_for_threads(threads: Iterable[threading.Thread], timeout: float) -> bool:
    """Join those of `threads` that are not daemons (nor the main thread) within `timeout`
    seconds in all; whether every one has ended."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                return False
    return True
