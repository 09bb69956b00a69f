"""Config of the `file` output plugin."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, field_validator

from eventum_core import Encoding, OutputConfig, ResolvedPath


class FileOutputConfig(OutputConfig):
    """Append (or overwrite) events to the file at `path`.

    `file_mode` is written as the octal digits of `chmod` (`640` means `0o640`), as in Eventum.
    `flush_interval` is accepted for compatibility: every batch goes straight to the OS.
    """

    path: ResolvedPath
    flush_interval: float = Field(default=1, ge=0)
    cleanup_interval: float = Field(default=10, ge=1)
    file_mode: int = Field(default=640, ge=0, le=7777)
    write_mode: Literal["append", "overwrite"] = "append"
    encoding: Encoding = "utf_8"
    separator: str = os.linesep

    @field_validator("file_mode")
    @classmethod
    def _octal_digits(cls, value: int) -> int:
        if set(str(value)) & {"8", "9"}:
            raise ValueError("file_mode takes octal digits 0-7, as in chmod (e.g. 640)")
        return value

    @property
    def permissions(self) -> int:
        """`file_mode` as permission bits (640 -> 0o640)."""
        return int(str(self.file_mode), 8)
