"""Config of the `stdout` output plugin."""

from __future__ import annotations

import codecs
import os
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from eventum_core import OutputConfig


def _text_codec(value: str) -> str:
    try:
        codecs.lookup(value)
        "a".encode(value)  # rejects bytes-to-bytes codecs such as base64
    except LookupError as error:
        raise ValueError(f"unknown text encoding: {value!r}") from error
    return value


Encoding = Annotated[str, AfterValidator(_text_codec)]
"""The name of a Python text codec (`utf_8`, `latin_1`, `cp1251`...)."""


class StdoutOutputConfig(OutputConfig):
    """Write events to the process's standard output or standard error.

    Every batch is flushed as soon as it is written, so `flush_interval` has no effect; it is
    accepted so that Eventum configs load unchanged.
    """

    flush_interval: float = Field(default=1, ge=0)
    stream: Literal["stdout", "stderr"] = "stdout"
    encoding: Encoding = "utf_8"
    separator: str = os.linesep
