"""An output's formatter in a process of its own, for a run with one producer.

When one process makes the events (`--workers auto` in sample mode, for a plugin whose state
must stay one sequence or that cannot be split), a `parallel_safe` formatter that is not `cheap`
(json, templates) formats in a forked process while this one makes the next batch: the second
core takes the formatting, and what is made stays what one process makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventum_core import logging as eventum_logging
from eventum_core.batch import Formatted
from eventum_core.context import PluginContext
from eventum_core.pipeline.workers import Channel, context_fields, start_process, stop_processes


class FormatProcess:
    """The formatter of `cls` and `config`, run in a forked process: `format` sends the events
    down a pipe and waits for the items (call it from a worker thread: the wait holds no GIL)."""

    def __init__(self, cls: type[Any], config: Any, context: PluginContext) -> None:
        self._conn, self._process = start_process(
            _serve,
            (cls, config, context_fields(context), eventum_logging.settings()),
            f"eventum-format-{context.generator_id}-{context.name}",
        )
        self._busy = False

    def format(self, events: Sequence[str]) -> Formatted:
        self._busy = True
        try:
            self._conn.send(list(events))
            reply = self._conn.recv()
        except (EOFError, OSError):
            raise RuntimeError("the formatter's process died") from None
        self._busy = False
        if isinstance(reply, str):  # why the formatter raised there
            raise RuntimeError(reply)
        return reply  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the process (killed if a batch is still in it: the run was stopped)."""
        stop_processes([(self._conn, self._process)], kill=self._busy)


def _serve(
    conn: Channel,
    cls: type[Any],
    config: Any,
    fields: dict[str, Any],
    log_settings: eventum_logging.LogSettings | None,
) -> None:
    eventum_logging.configure(*(log_settings or (0, "plain", None)))
    eventum_logging.hold()  # printed once a batch is sent, not while it is formatted
    try:
        formatter = cls(config, PluginContext(**fields))
        while (events := conn.recv()) is not None:
            try:
                conn.send(formatter.format(events))
            except Exception as error:
                conn.send(f"{type(error).__name__}: {error}")
            eventum_logging.release()
    except EOFError:
        pass  # the parent went away
    finally:
        eventum_logging.release()
        conn.close()
