"""Errors with a meaning for the user or for the pipeline.

`UserError` and its subclasses are mistakes in what the user wrote: the CLI prints their message as
one line and exits 2, with no traceback unless `-v`. The rest are signals between a plugin and core.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class EventumError(Exception):
    """Base of every error Eventum raises on purpose."""


class UserError(EventumError):
    """A mistake in a config file, a template, a CLI argument: shown as one clear line."""


class ConfigError(UserError):
    """A config file that cannot be read, parsed or validated; the message names file and place."""


class PluginNotFoundError(UserError):
    """A config names a plugin that is not installed."""


class PluginLoadError(EventumError):
    """An installed plugin failed to import or does not meet its protocol."""


class EventDropped(EventumError):
    """Raised by event code to drop the current event on purpose (counted as `dropped`)."""


class EventsExhausted(EventumError):
    """Raised by an event plugin whose source has ended: the generator finishes gracefully."""


class WriteError(EventumError):
    """An output could not write some or all of a batch.

    `retryable` tells core whether trying again may succeed (a timeout, a 503) or not (a 400, a
    parse error). `failed` lists the indices of the failed items when only some failed; None means
    all of them. `items` may say, per failed index, whether that item may be retried and why it
    failed (a bulk API answers per document): it then takes precedence over `failed` and
    `retryable`. `sink_gone` says the sink will never take another write (a closed pipe): core
    stops writing to this output and counts the rest as failed without trying.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool = False,
        failed: Sequence[int] | None = None,
        items: Mapping[int, tuple[bool, str]] | None = None,
        sink_gone: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.failed = sorted(items) if items is not None else failed
        self.items = items
        self.sink_gone = sink_gone
