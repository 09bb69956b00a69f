"""The `stdout` output plugin: one joined, flushed write per batch."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import IO, Any, ClassVar

import anyio.to_thread

from eventum_core import PluginContext, UserError, WriteError, encode_lines
from eventum_output_stdout.config import StdoutOutputConfig


class StdoutOutput:
    """Writes each batch to `stream` as one write, then flushes it so it shows at once.

    A reader that has gone away (`eventum generate ... | head`) makes the write fail with a
    non-retryable `WriteError`; the stream is then pointed at the null device so that Python's
    own flush at exit does not fail again.
    """

    Config: ClassVar[type[StdoutOutputConfig]] = StdoutOutputConfig

    def __init__(self, config: StdoutOutputConfig, context: PluginContext) -> None:
        self._name = config.stream
        self._separator = config.separator
        self._encoding = config.encoding
        self._text: IO[str] | None = None
        self._binary: IO[bytes] | None = None
        self._broken = False

    async def open(self) -> None:
        # Looked up now, not at import, so a redirected sys.stdout is honoured.
        text: IO[str] | None = getattr(sys, self._name)
        if text is None:
            raise UserError(f"output stdout: this process has no {self._name} to write to")
        self._text = text
        self._binary = getattr(text, "buffer", None)

    async def write(self, items: Sequence[str]) -> None:
        if self._text is None:
            raise WriteError("output is not open", retryable=False)
        if self._broken:
            raise WriteError(f"{self._name} is closed (broken pipe)", sink_gone=True)
        if not items:
            return
        data, failed = encode_lines(items, self._separator, self._encoding)
        if data:
            await anyio.to_thread.run_sync(self._write, self._text, data)
        if failed:
            raise WriteError(
                f"{len(failed)} events cannot be encoded as {self._encoding}",
                retryable=False,
                failed=failed,
            )

    async def close(self) -> None:
        if self._text is None or self._broken:
            return
        with contextlib.suppress(OSError, ValueError):  # already closed: nothing left to keep
            await anyio.to_thread.run_sync(self._text.flush)

    def _write(self, text: IO[str], data: bytes | bytearray) -> None:
        try:
            text.flush()  # anything already printed through the text layer goes first
            if self._binary is not None:
                self._binary.write(data)
                self._binary.flush()
            else:
                text.write(data.decode(self._encoding))
                text.flush()
        except BrokenPipeError as error:
            self._broken = True
            self._silence(text)
            raise WriteError(
                f"{self._name} is closed (broken pipe): the reader has gone", sink_gone=True
            ) from error
        except (OSError, ValueError) as error:
            raise WriteError(f"cannot write to {self._name}: {error}", retryable=False) from error

    @staticmethod
    def _silence(stream: Any) -> None:
        """Point the stream's descriptor at the null device: its buffer can never be written."""
        with contextlib.suppress(OSError, ValueError):  # no real descriptor (a StringIO)
            descriptor = stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, descriptor)
            os.close(null)
