"""`eventum generate` ends its process without the interpreter's teardown, but not without what
a normal exit does first: threads that are still working, exit handlers, buffered output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CODE = """
import atexit, sys, threading, time
from pathlib import Path
from eventum_core.cli.session import end_process
out = Path(sys.argv[1])
def work():
    time.sleep(float(sys.argv[2]))
    (out / "thread").write_text("done")
threading.Thread(target=work).start()
atexit.register(lambda: (out / "atexit").write_text("ran"))
sys.stdout.write("buffered, no newline")
end_process(3)
"""


def _end(tmp_path: Path, thread_seconds: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path), str(thread_seconds)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_thread_ending_soon_is_waited_for_then_handlers_run_and_output_is_flushed(
    tmp_path: Path,
) -> None:
    result = _end(tmp_path, 0.1)
    assert result.returncode == 3
    assert result.stdout == "buffered, no newline"
    assert (tmp_path / "thread").read_text() == "done"
    assert (tmp_path / "atexit").read_text() == "ran"


def test_a_thread_still_working_after_a_second_gets_the_normal_exit(tmp_path: Path) -> None:
    result = _end(tmp_path, 2.5)
    assert result.returncode == 3
    assert (tmp_path / "thread").read_text() == "done"  # a normal exit waits for it
    assert (tmp_path / "atexit").read_text() == "ran"
