"""Logs go to stderr through structlog, as readable lines or JSON; stdout is for events."""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

LogFormat = Literal["plain", "json"]


def level_for(verbosity: int) -> int:
    """Eventum's -v count: 4 is INFO, 5 DEBUG; below that we still show warnings and errors."""
    if verbosity >= 5:
        return logging.DEBUG
    if verbosity == 4:
        return logging.INFO
    return logging.WARNING


_settings: tuple[int, LogFormat] | None = None


def settings() -> tuple[int, LogFormat] | None:
    """What `configure` was last called with, so worker processes log the same way."""
    return _settings


def configure(verbosity: int = 0, fmt: LogFormat = "plain") -> None:
    global _settings  # noqa: PLW0603 - logging is process-wide by nature
    _settings = (verbosity, fmt)
    renderer: structlog.typing.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    processors: list[structlog.typing.Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if verbosity == 0:
        processors.append(_drop_exc_info)  # no tracebacks unless asked for
    if fmt == "json":
        processors.append(structlog.processors.format_exc_info)
    processors.append(renderer)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level_for(verbosity)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def _drop_exc_info(
    _logger: object, _name: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    event.pop("exc_info", None)
    return event
