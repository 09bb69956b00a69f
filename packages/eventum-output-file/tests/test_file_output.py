from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from pydantic import ValidationError

from eventum_core import PluginContext, UserError, WriteError
from eventum_core.testing import validation_context
from eventum_output_file import FileOutput, FileOutputConfig

NOW = datetime(2025, 1, 2, tzinfo=UTC)

pytestmark = pytest.mark.anyio


def validate(tmp_path: Path, data: dict[str, Any]) -> FileOutputConfig:
    return FileOutputConfig.model_validate(data, context=validation_context(tmp_path, now=NOW))


def make(tmp_path: Path, **data: Any) -> FileOutput:
    data.setdefault("path", "out.log")
    data.setdefault("separator", "\n")
    context = PluginContext(
        generator_id="t",
        kind="output",
        name="file",
        index=0,
        base_path=tmp_path,
        timezone=UTC,
        started_at=NOW,
    )
    return FileOutput(validate(tmp_path, data), context)


def open_descriptors_to(path: Path) -> int:
    found = 0
    for name in os.listdir("/proc/self/fd"):
        with_target = Path("/proc/self/fd") / name
        try:
            if os.readlink(with_target) == str(path):
                found += 1
        except OSError:
            continue
    return found


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o077)
    yield
    os.umask(old)


async def test_defaults(tmp_path: Path) -> None:
    config = validate(tmp_path, {"path": "x.log"})
    assert config.path == tmp_path / "x.log"
    assert config.flush_interval == 1
    assert config.cleanup_interval == 10
    assert config.file_mode == 640
    assert config.permissions == 0o640
    assert config.write_mode == "append"
    assert config.encoding == "utf_8"
    assert config.separator == os.linesep
    assert config.formatter.format == "plain"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"file_mode": 648},
        {"file_mode": 7778},
        {"file_mode": -1},
        {"cleanup_interval": 0.5},
        {"flush_interval": -1},
        {"write_mode": "truncate"},
        {"encoding": "nope"},
        {"colour": "red"},
    ],
)
async def test_invalid_config(tmp_path: Path, data: dict[str, Any]) -> None:
    data = {"path": "x.log", **data} if data else data
    with pytest.raises(ValidationError):
        validate(tmp_path, data)


async def test_writes_items_each_followed_by_separator(tmp_path: Path) -> None:
    out = make(tmp_path, separator="\r\n")
    await out.open()
    await out.write(["a", "b"])
    await out.write([])
    await out.write(["c"])
    await out.close()
    assert (tmp_path / "out.log").read_bytes() == b"a\r\nb\r\nc\r\n"


async def test_default_separator_is_os_linesep(tmp_path: Path) -> None:
    out = make(tmp_path, separator=FileOutputConfig.model_fields["separator"].default)
    await out.open()
    await out.write(["x"])
    await out.close()
    assert (tmp_path / "out.log").read_bytes() == f"x{os.linesep}".encode()


async def test_append_keeps_existing_content(tmp_path: Path) -> None:
    (tmp_path / "out.log").write_text("old\n")
    out = make(tmp_path)
    await out.open()
    await out.write(["new"])
    await out.close()
    assert (tmp_path / "out.log").read_text() == "old\nnew\n"


async def test_overwrite_truncates_at_open_then_appends(tmp_path: Path) -> None:
    (tmp_path / "out.log").write_text("old\n")
    out = make(tmp_path, write_mode="overwrite")
    await out.open()
    assert (tmp_path / "out.log").read_text() == ""
    await out.write(["one"])
    await out.write(["two"])
    await out.close()
    assert (tmp_path / "out.log").read_text() == "one\ntwo\n"


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("file_mode", "bits"), [(640, 0o640), (644, 0o644), (600, 0o600)])
async def test_file_mode_applied_on_creation_despite_umask(
    tmp_path: Path, file_mode: int, bits: int
) -> None:
    out = make(tmp_path, file_mode=file_mode)
    await out.open()
    await out.close()
    assert stat.S_IMODE((tmp_path / "out.log").stat().st_mode) == bits


async def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "out.log").touch()
    (tmp_path / "out.log").chmod(0o600)
    out = make(tmp_path, file_mode=644)
    await out.open()
    await out.close()
    assert stat.S_IMODE((tmp_path / "out.log").stat().st_mode) == 0o600


async def test_parent_directories_are_created(tmp_path: Path) -> None:
    out = make(tmp_path, path="a/b/c/out.log")
    await out.open()
    await out.write(["x"])
    await out.close()
    assert (tmp_path / "a/b/c/out.log").read_text() == "x\n"


async def test_reopens_after_rotation_by_rename(tmp_path: Path) -> None:
    path = tmp_path / "out.log"
    out = make(tmp_path, write_mode="overwrite", file_mode=600)
    await out.open()
    await out.write(["before"])
    path.rename(tmp_path / "out.log.1")
    await out.write(["after"])
    await out.write(["more"])
    await out.close()
    assert (tmp_path / "out.log.1").read_text() == "before\n"
    assert path.read_text() == "after\nmore\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_reopens_after_delete(tmp_path: Path) -> None:
    path = tmp_path / "out.log"
    out = make(tmp_path)
    await out.open()
    await out.write(["before"])
    path.unlink()
    await out.write(["after"])
    await out.close()
    assert path.read_text() == "after\n"


async def test_reopens_after_rotation_by_copy_and_new_file(tmp_path: Path) -> None:
    path = tmp_path / "out.log"
    out = make(tmp_path)
    await out.open()
    await out.write(["before"])
    path.unlink()
    path.write_text("created by another program\n")
    await out.write(["after"])
    await out.close()
    assert path.read_text() == "created by another program\nafter\n"


async def test_reopens_when_the_folder_is_removed(tmp_path: Path) -> None:
    out = make(tmp_path, path="logs/out.log")
    await out.open()
    (tmp_path / "logs/out.log").unlink()
    (tmp_path / "logs").rmdir()
    await out.write(["x"])
    await out.close()
    assert (tmp_path / "logs/out.log").read_text() == "x\n"


async def test_closed_after_idle_interval_and_reopened_on_write(tmp_path: Path) -> None:
    path = tmp_path / "out.log"
    out = make(tmp_path, cleanup_interval=1)
    await out.open()
    await out.write(["first"])
    assert open_descriptors_to(path) == 1
    deadline = time.monotonic() + 10
    while open_descriptors_to(path) and time.monotonic() < deadline:
        await anyio.sleep(0.1)
    assert open_descriptors_to(path) == 0
    await out.write(["second"])
    assert open_descriptors_to(path) == 1
    await out.close()
    assert open_descriptors_to(path) == 0
    assert path.read_text() == "first\nsecond\n"


async def test_steady_writes_keep_the_file_open(tmp_path: Path) -> None:
    path = tmp_path / "out.log"
    out = make(tmp_path, cleanup_interval=1)
    await out.open()
    for _ in range(8):
        await out.write(["x"])
        assert open_descriptors_to(path) == 1
        await anyio.sleep(0.25)
    await out.close()
    assert path.read_text() == "x\n" * 8


async def test_directory_path_fails_at_open_with_user_error(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    out = make(tmp_path, path="dir")
    with pytest.raises(UserError, match=r"dir: cannot open it: Is a directory"):
        await out.open()


async def test_parent_that_is_a_file_fails_at_open(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    out = make(tmp_path, path="file/out.log")
    with pytest.raises(UserError, match=r"file/out\.log: cannot open it"):
        await out.open()


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        yield locked
        locked.chmod(0o700)
        return
    # root ignores permission bits; sysfs still refuses new files
    probe = Path("/sys/kernel/eventum-probe.log")
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600))
    except PermissionError:
        yield probe.parent
        return
    probe.unlink()
    pytest.skip("no unwritable folder available to root here")


async def test_permission_denied_fails_at_open(tmp_path: Path, unwritable_dir: Path) -> None:
    out = make(tmp_path, path=str(unwritable_dir / "out.log"))
    with pytest.raises(UserError, match=r"out\.log: cannot open it: Permission denied"):
        await out.open()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
async def test_write_failure_is_a_non_retryable_write_error(tmp_path: Path) -> None:
    out = make(tmp_path, path="/dev/full")
    await out.open()
    with pytest.raises(WriteError, match="No space left") as caught:
        await out.write(["x"])
    assert caught.value.retryable is False
    assert caught.value.failed is None
    await out.close()


async def test_unencodable_items_fail_alone(tmp_path: Path) -> None:
    out = make(tmp_path, encoding="ascii")
    await out.open()
    with pytest.raises(WriteError) as caught:
        await out.write(["ok", "caf\u00e9", "fine", "\u20ac"])
    assert caught.value.failed == [1, 3]
    await out.close()
    assert (tmp_path / "out.log").read_text() == "ok\nfine\n"


async def test_encoding(tmp_path: Path) -> None:
    out = make(tmp_path, encoding="utf_16_le")
    await out.open()
    await out.write(["\u043f"])
    await out.close()
    assert (tmp_path / "out.log").read_bytes() == "\u043f\n".encode("utf_16_le")


async def test_write_after_close_is_an_error(tmp_path: Path) -> None:
    out = make(tmp_path)
    await out.open()
    await out.close()
    with pytest.raises(WriteError):
        await out.write(["x"])


async def test_concurrent_writes_never_interleave(tmp_path: Path) -> None:
    out = make(tmp_path)
    await out.open()
    batch = [f"{'y' * 50} {i}" for i in range(2000)]
    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(out.write, batch)
    await out.close()
    lines = (tmp_path / "out.log").read_text().splitlines()
    assert len(lines) == 40_000
    for start in range(0, 40_000, 2000):
        assert lines[start : start + 2000] == batch
