from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from eventum_core import PluginContext, WriteError
from eventum_output_stdout import StdoutOutput, StdoutOutputConfig

# Runs the plugin in a real process: config JSON in argv[1], batches (a JSON list of lists) in
# argv[2]. With argv[3] == "wait", it waits for a line on stdin after the first batch.
CHILD = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
import anyio
from eventum_core import PluginContext, WriteError
from eventum_output_stdout import StdoutOutput, StdoutOutputConfig

config = StdoutOutputConfig.model_validate(json.loads(sys.argv[1]))
batches = json.loads(sys.argv[2])
context = PluginContext(generator_id="t", kind="output", name="stdout", index=0,
    base_path=Path("."), timezone=UTC, started_at=datetime.now(UTC))

async def main():
    out = StdoutOutput(config, context)
    await out.open()
    try:
        for number, batch in enumerate(batches):
            await out.write(batch)
            if number == 0 and sys.argv[3:] == ["wait"]:
                sys.stdin.readline()
    except WriteError as error:
        with open(sys.argv[4], "w") as report:
            json.dump({"reason": error.reason, "retryable": error.retryable,
                       "failed": error.failed}, report)
        if "broken pipe" in error.reason:
            print("later output, such as a log line", flush=True)  # must not crash
    finally:
        await out.close()

anyio.run(main)
"""


def run_child(
    config: dict[str, Any], batches: list[list[str]], *extra: str, **kwargs: Any
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(config), json.dumps(batches), *extra],
        capture_output=True,
        timeout=60,
        check=True,
        **kwargs,
    )


def make(data: dict[str, Any] | None = None) -> StdoutOutput:
    config = StdoutOutputConfig.model_validate(data or {})
    context = PluginContext(
        generator_id="t",
        kind="output",
        name="stdout",
        index=0,
        base_path=Path("."),
        timezone=UTC,
        started_at=datetime.now(UTC),
    )
    return StdoutOutput(config, context)


def test_defaults() -> None:
    config = StdoutOutputConfig.model_validate({})
    assert config.flush_interval == 1
    assert config.stream == "stdout"
    assert config.encoding == "utf_8"
    assert config.separator == os.linesep
    assert config.formatter.format == "plain"


@pytest.mark.parametrize(
    "data",
    [
        {"flush_interval": -1},
        {"stream": "stdin"},
        {"encoding": "nope"},
        {"encoding": "rot13"},
        {"colour": 1},
    ],
)
def test_invalid_config(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        StdoutOutputConfig.model_validate(data)


def test_writes_every_item_followed_by_separator() -> None:
    result = run_child({"separator": "\n"}, [["one", "two"], ["three"], []])
    assert result.stdout == b"one\ntwo\nthree\n"
    assert result.stderr == b""


def test_default_separator_is_os_linesep() -> None:
    result = run_child({}, [["a", "b"]])
    assert result.stdout == f"a{os.linesep}b{os.linesep}".encode()


def test_custom_separator_and_encoding() -> None:
    result = run_child({"separator": "|", "encoding": "cp1251"}, [["\u043f\u0440\u0438", "x"]])
    assert result.stdout == "\u043f\u0440\u0438|x|".encode("cp1251")


def test_stderr_stream() -> None:
    result = run_child({"stream": "stderr", "separator": "\n"}, [["to err"]])
    assert result.stdout == b""
    assert result.stderr == b"to err\n"


def test_unencodable_items_fail_alone(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run_child(
        {"encoding": "ascii", "separator": "\n"},
        [["ok", "caf\u00e9", "fine"]],
        "-",
        str(report),
    )
    assert result.stdout == b"ok\nfine\n"
    error = json.loads(report.read_text())
    assert error["failed"] == [1]
    assert error["retryable"] is False
    assert "ascii" in error["reason"]


def test_each_batch_is_flushed_at_once() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps({"separator": "\n"}), '[["a"], ["b"]]', "wait"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        assert child.stdin is not None
        # The child is still running, blocked on stdin: the line must already be readable.
        assert child.stdout.readline() == b"a\n"
        assert child.poll() is None
        child.stdin.write(b"\n")
        child.stdin.close()
        assert child.stdout.read() == b"b\n"
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def test_closed_pipe_is_a_write_error_not_a_crash(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write, as after `| head`
    report = tmp_path / "report.json"
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                json.dumps({}),
                json.dumps([["x" * 1000] * 100, ["never"]]),
                "-",
                str(report),
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""  # no traceback, no "Exception ignored" at exit
    error = json.loads(report.read_text())
    assert error["retryable"] is False
    assert error["failed"] is None
    assert "broken pipe" in error["reason"]


@pytest.mark.anyio
async def test_in_process_write_goes_through_binary_buffer(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    out = make({"separator": "\n"})
    await out.open()
    print("before", flush=False)
    await out.write(["event"])
    await out.close()
    assert capfdbinary.readouterr().out == b"before\nevent\n"


@pytest.mark.anyio
async def test_write_before_open_is_an_error() -> None:
    with pytest.raises(WriteError):
        await make().write(["x"])
