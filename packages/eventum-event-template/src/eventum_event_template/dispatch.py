"""`dispatch` in templates: drop the event, re-pick templates, or end generation.

Each method raises a signal that unwinds the render; the plugin turns it into a count or an end.
"""

from __future__ import annotations

from typing import NoReturn


class DispatchSignal(Exception):
    """Base of the signals a template raises through `dispatch`."""


class DropSignal(DispatchSignal):
    """Discard everything rendered for this timestamp."""


class NextSignal(DispatchSignal):
    """Discard what was rendered for this timestamp and pick templates again."""

    def __init__(self, max_repicks: int) -> None:
        super().__init__(max_repicks)
        self.max_repicks = max_repicks


class ExhaustSignal(DispatchSignal):
    """No more events: the generator ends gracefully after the events rendered so far."""


class Dispatcher:
    """The `dispatch` template global."""

    __slots__ = ()

    def drop(self) -> NoReturn:
        raise DropSignal

    def next(self, max_repicks: int = 64) -> NoReturn:
        if max_repicks < 1:
            raise ValueError("max_repicks must be >= 1")
        raise NextSignal(max_repicks)

    def exhaust(self) -> NoReturn:
        raise ExhaustSignal
