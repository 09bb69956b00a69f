"""Logs go to stderr through structlog, as readable lines or JSON; stdout is for events.

`get_logger` returns a small facade that imports and configures structlog only when a message
passes the level: a run that logs nothing below its level (the usual case) never pays for the
import, which is a sizeable part of a short run's start-up.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal

LogFormat = Literal["plain", "json"]
# The -v count, the format, and a level that overrides the count (None: from the count).
LogSettings = tuple[int, LogFormat, int | None]

_settings: LogSettings | None = None
_threshold = logging.WARNING
_configured = False


class _Held:
    """The messages `hold()` keeps until `release()`; None while messages are printed at once."""

    records: list[tuple[Logger, int, str, str, dict[str, Any]]] | None = None


_held = _Held()


def level_for(verbosity: int) -> int:
    """Eventum's -v count: 4 is INFO, 5 DEBUG; below that we still show warnings and errors."""
    if verbosity >= 5:
        return logging.DEBUG
    if verbosity == 4:
        return logging.INFO
    return logging.WARNING


def settings() -> LogSettings | None:
    """What `configure` was last called with, so worker processes log the same way."""
    return _settings


def configure(verbosity: int = 0, fmt: LogFormat = "plain", level: int | None = None) -> None:
    """Set the level (from the -v count, or `level` when a command takes a level name) and the
    format; structlog itself is set up on the first message that passes."""
    global _settings, _threshold, _configured
    threshold = level_for(verbosity) if level is None else level
    _settings, _threshold, _configured = (verbosity, fmt, level), threshold, False
    # Other libraries' records (aiokafka, urllib3, ...) as our lines, from -v up: without it a
    # failing library's own message only repeats the one line that says what went wrong.
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _Libraries)]
    root.addHandler(_Libraries())
    quiet = verbosity == 0 and level is None
    root.setLevel(logging.CRITICAL + 1 if quiet else threshold)


def hold() -> None:
    """Keep messages until `release()`. An event worker prints what it logged while making a
    batch once the batch is sent, while it waits for the next: the first message imports
    structlog (tens of milliseconds) and would otherwise delay the batch. A message carries the
    time it is printed; `exception` messages are printed at once, with their traceback."""
    _held.records = []


def release() -> None:
    """Print the messages kept since `hold()`, in order, and go on keeping them."""
    held, _held.records = _held.records, None
    try:
        for logger, level, method, event, kw in held or ():
            logger._emit(level, method, event, kw)
    finally:
        _held.records = None if held is None else []


def adopt(level: int) -> None:
    """structlog was set up by the caller (application mode): pass on messages from `level` up."""
    global _threshold, _configured
    _threshold, _configured = level, True


def _import_structlog() -> Any:
    """structlog, without rich when nothing imported rich yet: structlog.dev imports it (about
    40 ms, in every process that prints a line) for tracebacks that we format plainly anyway."""
    block = "structlog" not in sys.modules and "rich" not in sys.modules
    if block:
        sys.modules["rich"] = None  # type: ignore[assignment]  # `import rich` raises ImportError
    try:
        import structlog
    finally:
        if block:
            del sys.modules["rich"]
    return structlog


def _setup_structlog() -> None:
    global _configured  # noqa: PLW0603
    _configured = True
    structlog = _import_structlog()
    if _settings is None:
        return  # never configured (a library user, a test): structlog's own defaults

    verbosity, fmt, _ = _settings
    processors: list[Any] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if verbosity == 0:
        processors.append(_drop_exc_info)  # no tracebacks unless asked for
    if fmt == "json":
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        processors.append(
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
            )
        )
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(_threshold),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def _drop_exc_info(_logger: object, _name: str, event: Any) -> Any:
    event.pop("exc_info", None)
    return event


class Logger:
    """A structlog-like logger (`bind`, `debug` ... `exception`) that imports structlog lazily."""

    __slots__ = ("_context",)

    def __init__(self, **context: Any) -> None:
        self._context = context

    def bind(self, **context: Any) -> Logger:
        return Logger(**{**self._context, **context})

    def _emit(self, level: int, method: str, event: str, kw: dict[str, Any]) -> None:
        if level < _threshold:
            return
        if _held.records is not None and method != "exception":
            _held.records.append((self, level, method, event, kw))
            return
        if not _configured:
            _setup_structlog()
        structlog = _import_structlog()
        getattr(structlog.get_logger("eventum").bind(**self._context), method)(event, **kw)

    def debug(self, event: str, **kw: Any) -> None:
        self._emit(logging.DEBUG, "debug", event, kw)

    def info(self, event: str, **kw: Any) -> None:
        self._emit(logging.INFO, "info", event, kw)

    def warning(self, event: str, **kw: Any) -> None:
        self._emit(logging.WARNING, "warning", event, kw)

    def error(self, event: str, **kw: Any) -> None:
        self._emit(logging.ERROR, "error", event, kw)

    def exception(self, event: str, **kw: Any) -> None:
        self._emit(logging.ERROR, "exception", event, kw)


_METHODS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning"}


class _Libraries(logging.Handler):
    """Passes standard-library log records on to our logger, named by their library."""

    def emit(self, record: logging.LogRecord) -> None:
        method = _METHODS.get(record.levelno, "error")
        Logger(library=record.name)._emit(record.levelno, method, record.getMessage(), {})


def get_logger(**context: Any) -> Logger:
    """A logger with `context` bound (for example `generator=...`)."""
    return Logger(**context)
