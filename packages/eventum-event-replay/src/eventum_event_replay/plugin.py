"""The `replay` event plugin: streams a file's lines, one per timestamp."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from eventum_core import ConfigError, PluginContext, Produced, TimestampBatch
from eventum_event_replay.config import ReplayEventConfig


class ReplayEvent:
    """Each timestamp takes the next line of the file (without its line break).

    With `timestamp_pattern`, the span of its `timestamp` group is replaced by the new timestamp
    (`timestamp_format` for strftime, ISO 8601 otherwise); a line that does not match is kept as
    it is. The file is read `chunk_size` bytes at a time, so memory stays bounded whatever its
    size. At the end of the file the source is exhausted, or starts over with `repeat`.
    """

    Config: ClassVar[type[ReplayEventConfig]] = ReplayEventConfig

    def __init__(self, config: ReplayEventConfig, context: PluginContext) -> None:
        self._path = config.path
        self._log = context.logger
        self._repeat = config.repeat
        self._hint = config.chunk_size  # readlines() reads everything for a hint of 0
        self._encoding = config.encoding
        self._pattern = (
            re.compile(config.timestamp_pattern) if config.timestamp_pattern is not None else None
        )
        fmt = config.timestamp_format
        self._format: Callable[[datetime], str] = (
            datetime.isoformat if fmt is None else lambda moment: moment.strftime(fmt)
        )
        try:
            self._file = open(self._path, encoding=self._encoding)  # noqa: SIM115 - kept open
        except OSError as error:
            raise ConfigError(
                f"cannot open replay file {self._path}: {error.strerror or error}"
            ) from error
        self._lines: list[str] = []
        self._pos = 0
        self._lines_this_pass = 0
        self._exhausted = False

    def produce(self, batch: TimestampBatch) -> Produced:
        if self._exhausted:
            return Produced([], exhausted=True)
        lines, broken = self._take(len(batch))
        if self._pattern is not None and lines:
            lines = self._restamp(lines, batch)
        failed = len(batch) - len(lines) if broken else 0
        return Produced(lines, failed=failed, exhausted=self._exhausted)

    def close(self) -> None:
        self._file.close()

    def _take(self, count: int) -> tuple[list[str], bool]:
        """Up to `count` next lines (fewer only at the end), and whether the file broke."""
        taken: list[str] = []
        while len(taken) < count:
            if self._pos == len(self._lines):
                try:
                    more = self._refill()
                except UnicodeDecodeError as error:
                    self._log.error(
                        "cannot decode replay file; replay ends here",
                        path=str(self._path),
                        encoding=self._encoding,
                        reason=str(error),
                    )
                    self._finish()
                    return taken, True
                if not more:
                    self._finish()
                    break
            end = min(len(self._lines), self._pos + count - len(taken))
            taken.extend(self._lines[self._pos : end])
            self._pos = end
        return taken, False

    def _refill(self) -> bool:
        """Read the next chunk of lines, starting over at the end with `repeat`."""
        chunk = self._file.readlines(self._hint)
        if not chunk and self._repeat and self._lines_this_pass:
            self._file.seek(0)
            self._lines_this_pass = 0
            chunk = self._file.readlines(self._hint)
        if not chunk:
            return False
        self._lines_this_pass += len(chunk)
        self._lines = [line.rstrip("\n\r") for line in chunk]
        self._pos = 0
        return True

    def _finish(self) -> None:
        self._exhausted = True
        self._lines, self._pos = [], 0
        self._file.close()

    def _restamp(self, lines: list[str], batch: TimestampBatch) -> list[str]:
        search = self._pattern.search  # type: ignore[union-attr]
        fmt = self._format
        out: list[str] = []
        append = out.append
        unmatched = 0
        example = ""
        for line, moment in zip(lines, batch.datetimes(), strict=False):
            match = search(line)
            start, end = match.span("timestamp") if match else (-1, -1)
            if start < 0:
                unmatched += 1
                if unmatched == 1:
                    example = line
                append(line)
            else:
                append(f"{line[:start]}{fmt(moment)}{line[end:]}")
        if unmatched:
            self._log.warning(
                "lines do not match timestamp_pattern; kept unchanged",
                path=str(self._path),
                lines=unmatched,
                example=example[:200],
            )
        return out
