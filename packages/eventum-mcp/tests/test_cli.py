"""`eventum mcp` as a command: its options, its cost to `eventum --help`, and a stdout that
carries nothing but JSON-RPC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eventum_mcp.testing import INITIALIZE

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}


def eventum(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "eventum_core", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
        check=False,
        **kwargs,
    )


def test_root_help_lists_mcp_without_importing_the_sdk() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['eventum', '--help']\n"
        "from eventum_core.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('mcp', 'eventum_mcp.server') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, check=True
    )
    assert "mcp (eventum-mcp)" in result.stdout
    assert "LOADED []" in result.stdout


def test_mcp_help_shows_eventums_options() -> None:
    result = eventum("mcp", "--help")
    assert result.returncode == 0, result.stderr
    for option in (
        "--generators-dir",
        "--config-filename",
        "--read-only",
        "--log-level",
        "--keyring-cryptfile",
    ):
        assert option in result.stdout


def test_generators_dir_is_required_and_must_exist(tmp_path: Path) -> None:
    assert "--generators-dir" in eventum("mcp").stderr
    missing = eventum("mcp", "--generators-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr
    assert missing.stdout == ""


def test_stdout_carries_only_json_rpc(generators: Path) -> None:
    """Debug logs and a generator writing to stdout all land in stderr."""
    requests = [
        INITIALIZE,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "run_generator", "arguments": {"name": "web"}},
        },
    ]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eventum_core",
            "mcp",
            "--generators-dir",
            str(generators),
            "--log-level",
            "debug",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("".join(json.dumps(r) + "\n" for r in requests))
    process.stdin.flush()
    answers = []
    while not any(a.get("id") == 2 for a in answers):
        line = process.stdout.readline()
        assert line, "the server closed stdout before answering"
        answers.append(json.loads(line))
    rest, stderr = process.communicate(timeout=30)
    assert all(json.loads(line)["jsonrpc"] == "2.0" for line in rest.splitlines())
    assert answers[0]["result"]["serverInfo"]["name"] == "eventum"
    run = answers[-1]["result"]["structuredContent"]
    assert run["events_written"] == 10
    assert "2024-01-01T00:00:05+00:00 web-01 GET /index.html 200" in stderr
    assert "debug" in stderr.lower()
