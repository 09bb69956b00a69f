"""Getting a formatted batch into a sink: retries for failures that may pass, a dead-letter file
for what finally fails, so that every event is either written or accounted for."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import anyio

from eventum_core.config.plugin_config import RetryPolicy
from eventum_core.errors import WriteError

Write = Callable[[Sequence[str]], Awaitable[None]]
_jitter = random.Random()  # timing only: never part of what a seeded run generates


@dataclass
class Outcome:
    """Which items failed for good (index -> reason), and whether the sink is gone."""

    failed: dict[int, str] = field(default_factory=dict)
    attempts: int = 0
    sink_gone: bool = False


def _classify(error: BaseException) -> tuple[bool, str]:
    """(retryable, reason) for an exception a plugin let escape instead of a WriteError."""
    if isinstance(error, TimeoutError | ConnectionError):
        return True, f"{type(error).__name__}: {error}"
    return False, f"{type(error).__name__}: {error}"


async def deliver(
    write: Write,
    items: Sequence[str],
    *,
    policy: RetryPolicy,
    timeout: float,
) -> Outcome:
    """Write `items`, retrying the retryable failures of the ones still pending."""
    outcome = Outcome()
    pending = list(range(len(items)))
    deadline = time.monotonic() + policy.max_time
    while pending:
        outcome.attempts += 1
        try:
            with anyio.fail_after(timeout):
                await write([items[i] for i in pending])
            return outcome
        except TimeoutError:
            verdicts = dict.fromkeys(pending, (True, f"write timed out after {timeout:g} s"))
        except WriteError as error:
            verdicts = _verdicts(error, pending)
            outcome.sink_gone = outcome.sink_gone or error.sink_gone
        except Exception as error:  # a plugin bug or an unwrapped library error
            verdicts = dict.fromkeys(pending, _classify(error))
        for index, (retryable, reason) in verdicts.items():
            if not retryable:
                outcome.failed[index] = reason
        pending = [i for i, (retryable, _) in verdicts.items() if retryable]
        delay = _jitter.uniform(
            0, min(policy.max_delay, policy.initial_delay * 2 ** (outcome.attempts - 1))
        )
        if pending and (outcome.attempts >= policy.attempts or time.monotonic() + delay > deadline):
            outcome.failed.update((i, verdicts[i][1]) for i in pending)
            return outcome
        if pending:
            await anyio.sleep(delay)
    return outcome


def _verdicts(error: WriteError, pending: list[int]) -> dict[int, tuple[bool, str]]:
    """(retryable, reason) per failed item, indices mapped back to the whole batch."""
    if error.items is not None:
        return {pending[i]: verdict for i, verdict in error.items.items()}
    failed = pending if error.failed is None else [pending[i] for i in error.failed]
    retryable = error.retryable and not error.sink_gone
    return dict.fromkeys(failed, (retryable, error.reason))


class DeadLetters:
    """Appends what an output could not deliver to a JSON-lines file: the event and the error."""

    def __init__(self, path: Path, *, generator: str, output: str) -> None:
        self.path, self.generator, self.output = path, generator, output
        self._file: IO[str] | None = None
        self.count = 0

    def _append(self, lines: list[str]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write("".join(lines))
        self._file.flush()

    async def add(self, items: Sequence[str], reasons: Sequence[str]) -> None:
        now = datetime.now(UTC).isoformat()
        lines = [
            json.dumps(
                {
                    "time": now,
                    "generator": self.generator,
                    "output": self.output,
                    "error": reason,
                    "event": item,
                },
                ensure_ascii=False,
            )
            + "\n"
            for item, reason in zip(items, reasons, strict=True)
        ]
        await anyio.to_thread.run_sync(self._append, lines)
        self.count += len(items)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
