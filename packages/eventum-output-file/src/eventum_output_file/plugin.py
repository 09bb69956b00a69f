"""The `file` output plugin: one write call per batch, reopening after rotation."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from typing import ClassVar

import anyio.to_thread

from eventum_core import PluginContext, UserError, WriteError, encode_lines
from eventum_output_file.config import FileOutputConfig

_FLAGS = os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)


class FileOutput:
    """Writes each batch to the file with a single `write` call, straight to the OS.

    Before each write the path is checked: if the file was deleted or renamed away (log
    rotation), a new file is opened in append mode. After `cleanup_interval` seconds without a
    write the file is closed, and reopened by the next write. All file I/O runs in worker threads
    (and a timer thread for the idle close), serialised by one lock.

    A failed write is not retryable: part of the batch may already be in the file, so a retry
    would duplicate it, and a full disk or an I/O error does not clear within a retry's delay.
    """

    Config: ClassVar[type[FileOutputConfig]] = FileOutputConfig

    def __init__(self, config: FileOutputConfig, context: PluginContext) -> None:
        self._path = config.path
        self._permissions = config.permissions
        self._overwrite = config.write_mode == "overwrite"
        self._separator = config.separator
        self._encoding = config.encoding
        self._idle_limit = config.cleanup_interval
        self._log = context.logger
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        self._last_used = 0.0
        self._timer: threading.Timer | None = None
        self._opened = False
        self._closed = False

    async def open(self) -> None:
        await anyio.to_thread.run_sync(self._open_first)

    async def write(self, items: Sequence[str]) -> None:
        if not items:
            return
        data, failed = encode_lines(items, self._separator, self._encoding)
        if data:
            await anyio.to_thread.run_sync(self._write, data)
        if failed:
            raise WriteError(
                f"{len(failed)} events cannot be encoded as {self._encoding}",
                retryable=False,
                failed=failed,
            )

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self._close)

    def _open_first(self) -> None:
        with self._lock:
            try:
                self._open(truncate=self._overwrite)
            except OSError as error:
                reason = error.strerror or str(error)
                raise UserError(f"output file {self._path}: cannot open it: {reason}") from error
            self._opened = True
        self._arm_timer()

    def _open(self, *, truncate: bool) -> int:
        """Open the file, creating it and its folders; a new file gets exactly `file_mode`."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        flags = _FLAGS | (os.O_TRUNC if truncate else 0)
        try:
            fd = os.open(self._path, flags | os.O_CREAT | os.O_EXCL, self._permissions)
        except FileExistsError:
            fd = os.open(self._path, flags | os.O_CREAT, self._permissions)
        else:
            if hasattr(os, "fchmod"):  # not subject to the umask, unlike the mode of open()
                os.fchmod(fd, self._permissions)
        info = os.fstat(fd)
        self._fd, self._identity = fd, (info.st_dev, info.st_ino)
        self._last_used = time.monotonic()
        return fd

    def _replaced(self) -> bool:
        """Whether the path no longer leads to the open file (deleted or rotated)."""
        try:
            info = os.stat(self._path)
        except FileNotFoundError:
            return True
        return (info.st_dev, info.st_ino) != self._identity

    def _write(self, data: bytes | bytearray) -> None:
        with self._lock:
            if not self._opened or self._closed:
                raise WriteError(f"output file {self._path} is not open", retryable=False)
            try:
                fd = self._fd
                if fd is None or self._replaced():
                    self._release()
                    fd = self._open(truncate=False)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            except OSError as error:
                reason = error.strerror or str(error)
                raise WriteError(f"cannot write to {self._path}: {reason}") from error
            self._last_used = time.monotonic()
        self._arm_timer()

    def _release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.close(fd)
        except OSError as error:
            self._log.warning("closing output file failed", path=str(self._path), reason=str(error))

    def _arm_timer(self) -> None:
        """Make sure one timer will check for idleness when `cleanup_interval` may be reached."""
        with self._lock:
            if self._timer is not None or self._closed or self._fd is None:
                return
            delay = max(self._last_used + self._idle_limit - time.monotonic(), 0.0)
            self._timer = threading.Timer(delay, self._on_timer)
            self._timer.daemon = True
            self._timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
            if self._fd is None or self._closed:
                return
            if time.monotonic() - self._last_used >= self._idle_limit:
                self._release()
                return
        self._arm_timer()

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._release()
