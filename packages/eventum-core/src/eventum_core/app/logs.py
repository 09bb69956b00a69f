"""Application-mode logs, laid out as Eventum writes them: the console, `main.log` (or
`main.json`) in `path.logs`, and one `generator_<id>.log|json` per generator, each rotated at
`log.max_bytes` keeping `log.backups` old files.

A record belongs to a generator when it carries `generator=<id>`: plugin loggers bind it, and each
generator thread binds it as a context variable so that core's own messages about that generator
land in its file too.
"""

from __future__ import annotations

import logging
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

import structlog

from eventum_core import logging as eventum_logging
from eventum_core.app.settings import LogSettings

_FORMAT_SUFFIX = {"plain": "log", "json": "json"}


def main_log_path(logs_dir: Path, fmt: str) -> Path:
    return logs_dir / f"main.{_FORMAT_SUFFIX[fmt]}"


def generator_log_path(logs_dir: Path, fmt: str, generator_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in generator_id)
    return logs_dir / f"generator_{safe}.{_FORMAT_SUFFIX[fmt]}"


def _generator_of(record: logging.LogRecord) -> str | None:
    event = record.msg
    if isinstance(event, dict):
        value = event.get("generator")
        return None if value is None else str(value)
    return None


class _MainOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return _generator_of(record) is None


class GeneratorFiles(logging.Handler):
    """Writes each generator's records to its own rotating file, opened on first use."""

    def __init__(self, logs_dir: Path, settings: LogSettings, formatter: logging.Formatter) -> None:
        super().__init__()
        self._dir, self._settings, self._formatter = logs_dir, settings, formatter
        self._handlers: dict[str, RotatingFileHandler] = {}
        self._guard = threading.Lock()

    def _handler(self, generator_id: str) -> RotatingFileHandler:
        with self._guard:
            handler = self._handlers.get(generator_id)
            if handler is None:
                handler = RotatingFileHandler(
                    generator_log_path(self._dir, self._settings.format, generator_id),
                    maxBytes=self._settings.max_bytes,
                    backupCount=self._settings.backups,
                    encoding="utf-8",
                )
                handler.setFormatter(self._formatter)
                self._handlers[generator_id] = handler
            return handler

    def emit(self, record: logging.LogRecord) -> None:
        generator_id = _generator_of(record)
        if generator_id is not None:
            self._handler(generator_id).handle(record)

    def close(self) -> None:
        with self._guard:
            for handler in self._handlers.values():
                handler.close()
            self._handlers.clear()
        super().close()


def _formatter(fmt: str, *, colors: bool = False) -> logging.Formatter:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=colors, exception_formatter=structlog.dev.plain_traceback
        )
    )
    pre: list[Any] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *pre],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *([structlog.processors.format_exc_info] if fmt == "json" else []),
            renderer,
        ],
    )


def configure(settings: LogSettings, logs_dir: Path, *, console: bool = True) -> None:
    """Route structlog and stdlib logging to the console and the rotating files."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    level = getattr(logging, settings.level.upper())
    file_formatter = _formatter(settings.format)

    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    main = RotatingFileHandler(
        main_log_path(logs_dir, settings.format),
        maxBytes=settings.max_bytes,
        backupCount=settings.backups,
        encoding="utf-8",
    )
    main.setFormatter(file_formatter)
    main.addFilter(_MainOnly())
    root.addHandler(main)
    root.addHandler(GeneratorFiles(logs_dir, settings, file_formatter))
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(_formatter(settings.format, colors=sys.stderr.isatty()))
        root.addHandler(stream)
    root.setLevel(level)
    third_party = getattr(logging, settings.third_party_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "asyncio", "keyring"):
        logging.getLogger(name).setLevel(max(third_party, level))
    logging.getLogger("eventum").setLevel(level)

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    eventum_logging.adopt(level)


def shutdown() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
