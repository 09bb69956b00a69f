"""The garbage collector paused while the process starts.

Start-up creates many objects that live as long as the process: collecting them while they are
made is wasted work (about a tenth of a short run's start-up). The CLI pauses the collector at
start and resumes it where a long run begins, after moving what start-up made out of its way."""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def resume() -> None:
    """Resume collection; objects made so far are frozen (also spares forked workers' pages)."""
    gc.freeze()
    gc.enable()
