"""The bad-input catalogue: every case under tests/bad_input/ run through the real CLI.

A case is a folder with the files of a broken setup and `expected.txt`:

    exit: 2                       # the exit code
    line: generator.yml:6: .*     # a regex the one stderr line must match (re.search)
    args: validate --path @DIR@   # optional; the default is a sample-mode `generate`
    lines: 2                      # optional: one line per mistake when a case has several

`@DIR@` in every file and in `args` becomes the case's folder (copied to a temporary one), so
eventum.yml can hold the absolute paths it needs. Each case must end with one line on stderr,
naming the file and the place (one line per mistake), and no traceback (no `-v`).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "bad_input"
DEFAULT_ARGS = "generate --path @DIR@/generator.yml --id t --live-mode false"
PLACEHOLDER = "@DIR@"
TIMEOUT = 120  # a hang guard, not a measure: a loaded 2-core machine starts Python slowly


def read_expected(case: Path) -> dict[str, str]:
    expected: dict[str, str] = {}
    for raw in (case / "expected.txt").read_text().splitlines():
        if raw.strip() and not raw.startswith("#"):
            key, _, value = raw.partition(":")
            expected[key.strip()] = value.strip()
    return expected


def materialise(case: Path, target: Path) -> None:
    shutil.copytree(case, target, dirs_exist_ok=True)
    for path in target.rglob("*"):
        if path.is_file() and path.name != "expected.txt":
            data = path.read_bytes()
            if PLACEHOLDER.encode() in data:
                path.write_bytes(data.replace(PLACEHOLDER.encode(), str(target).encode()))


def all_cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "expected.txt").is_file())


def test_the_catalogue_is_large_enough() -> None:
    assert len(all_cases()) >= 60


def run_case(case: Path, root: Path) -> tuple[subprocess.CompletedProcess[str] | None, Path]:
    expected = read_expected(case)
    work = root / case.name
    materialise(case, work)
    args = shlex.split(expected.get("args", DEFAULT_ARGS).replace(PLACEHOLDER, str(work)))
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"}
    env.pop("EVENTUM_KEYRING_PASSWORD", None)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "eventum_core", *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            cwd=work,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return None, work
    return result, work


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Future[tuple[subprocess.CompletedProcess[str] | None, Path]]]]:
    """Every case started at once, a few processes at a time (each is mostly interpreter
    start-up); each test waits for its own case, so no one test carries the whole catalogue's
    time on a loaded machine."""
    root = tmp_path_factory.mktemp("bad_input")
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        yield {case.name: pool.submit(run_case, case, root) for case in all_cases()}


@pytest.mark.parametrize("case", all_cases(), ids=lambda p: p.name)
def test_bad_input(
    case: Path,
    outcomes: dict[str, Future[tuple[subprocess.CompletedProcess[str] | None, Path]]],
) -> None:
    expected = read_expected(case)
    result, work = outcomes[case.name].result()
    assert isinstance(result, subprocess.CompletedProcess), f"still running after {TIMEOUT} s"
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == int(expected.get("lines", 1)), f"one line per mistake:\n{result.stderr}"
    assert result.returncode == int(expected["exit"]), result.stderr
    prefix = lines[0].split(":", 1)[0] + ":"
    assert all(line.startswith(prefix) for line in lines), result.stderr
    line = lines[0].replace(str(work), PLACEHOLDER)
    assert PLACEHOLDER in line or "--" in line, f"names neither a file nor an option: {line}"
    assert re.search(expected["line"], line), line
