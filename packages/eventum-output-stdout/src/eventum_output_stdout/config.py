"""Config of the `stdout` output plugin."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field

from eventum_core import Encoding, OutputConfig


class StdoutOutputConfig(OutputConfig):
    """Write events to the process's standard output or standard error.

    Every batch is flushed as soon as it is written, so `flush_interval` has no effect; it is
    accepted so that Eventum configs load unchanged.
    """

    flush_interval: float = Field(default=1, ge=0)
    stream: Literal["stdout", "stderr"] = "stdout"
    encoding: Encoding = "utf_8"
    separator: str = os.linesep
