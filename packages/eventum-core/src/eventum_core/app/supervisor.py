"""Each generator of application mode in its own thread, with its own event loop.

`GeneratorRun` is bound to the loop it was created in, so the thread creates it and other threads
reach it only through the loop's token. A generator that fails to load or crashes ends in the
`failed` state with its error; the others are untouched.
"""

from __future__ import annotations

import contextlib
import threading
import time
from enum import StrEnum
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import structlog

from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import load_plan
from eventum_core.context import draw_seed
from eventum_core.discovery import Registry
from eventum_core.errors import UserError
from eventum_core.logging import get_logger
from eventum_core.pipeline.runner import GeneratorRun, RunResult
from eventum_core.secrets import SecretResolver

log = get_logger()


class Status(StrEnum):
    IDLE = "idle"  # never started
    STARTING = "starting"  # loading the config, opening outputs
    RUNNING = "running"
    STOPPING = "stopping"  # inputs stopped, draining what was generated
    STOPPED = "stopped"  # stopped on request, everything written
    FINISHED = "finished"  # ended on its own (sample mode, bounded inputs)
    FAILED = "failed"  # failed to start or crashed


ACTIVE = frozenset({Status.STARTING, Status.RUNNING, Status.STOPPING})


class ManagedGenerator:
    """One generator and the thread it runs in; restartable once it has ended."""

    def __init__(
        self,
        parameters: GeneratorParameters,
        *,
        registry: Registry,
        secrets: SecretResolver | None = None,
    ) -> None:
        self.parameters = parameters
        self.registry = registry
        self.secrets = secrets
        self.status = Status.IDLE
        self.error: str | None = None
        self.result: RunResult | None = None
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self._run: GeneratorRun | None = None
        self._token: Any = None
        self._thread: threading.Thread | None = None
        self._stop_requested = False
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return self.parameters.id

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def start(self) -> bool:
        """Start in a new thread; False when it is already running."""
        with self._lock:
            if self.status in ACTIVE:
                return False
            self.status, self.error, self.result = Status.STARTING, None, None
            self._run, self._token, self._stop_requested = None, None, False
            self.started_at, self.ended_at = time.time(), None
            self._thread = threading.Thread(
                target=self._main, name=f"generator-{self.id}", daemon=True
            )
            self._thread.start()
        return True

    def request_stop(self) -> None:
        """Stop taking timestamps; what was generated is still written. Returns at once."""
        with self._lock:
            if self.status not in ACTIVE:
                return
            self._stop_requested = True
            if self.status is Status.RUNNING:
                self.status = Status.STOPPING
            run, token = self._run, self._token
        if run is not None and token is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just ended
                anyio.from_thread.run_sync(run.stop, token=token)

    def join(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def stop(self, timeout: float | None = None) -> bool:
        """Graceful stop; True when the generator has ended within `timeout`."""
        self.request_stop()
        return self.join(timeout)

    def stats(self) -> dict[str, Any] | None:
        run = self._run
        counters = getattr(run, "counters", None) if run is not None else None
        if counters is None and self.result is not None:
            counters = self.result.counters
        if counters is None:
            return None
        snapshot: dict[str, Any] = counters.snapshot()
        snapshot["id"] = self.id
        snapshot["started_at"] = self.started_at
        return snapshot

    # -- the generator thread ---------------------------------------------------------------

    def _main(self) -> None:
        structlog.contextvars.bind_contextvars(generator=self.id)
        try:
            plan = load_plan(self.parameters, registry=self.registry, secrets=self.secrets)
            if self._stop_requested:
                self._end(Status.STOPPED, None)
                return
            anyio.run(self._serve, plan)
        except UserError as error:
            log.error("generator failed to start", reason=str(error))
            self._end(Status.FAILED, str(error))
        except BaseException as error:  # isolate: one generator's crash is its own
            log.exception("generator crashed")
            self._end(Status.FAILED, f"{type(error).__name__}: {error}")

    async def _serve(self, plan: Any) -> None:
        seed = self.parameters.seed
        run = GeneratorRun(plan, seed if seed is not None else draw_seed())
        with self._lock:
            self._run, self._token = run, anyio.lowlevel.current_token()
            stop_now = self._stop_requested
            if not stop_now:
                self.status = Status.RUNNING
        if stop_now:
            run.stop()
        log.info("generator started", live_mode=plan.parameters.live_mode)
        result = await run.run()
        with self._lock:
            self.result, self._token = result, None
        counters = result.counters
        summary = {
            "generated": counters.generated,
            "written": counters.written,
            "lost": counters.lost,
            "seconds": round(counters.elapsed, 3),
        }
        if result.error:
            log.error("generator failed", reason=result.error, **summary)
            self._end(Status.FAILED, result.error)
        else:
            log.info("generator ended", **summary)
            self._end(Status.STOPPED if self._stop_requested else Status.FINISHED, None)

    def _end(self, status: Status, error: str | None) -> None:
        with self._lock:
            self.status, self.error, self.ended_at = status, error, time.time()

    def describe(self) -> dict[str, Any]:
        """Status in this project's words and in Eventum's flags (its API's shape)."""
        status = self.status
        return {
            "id": self.id,
            "status": status.value,
            "error": self.error,
            "is_initializing": status is Status.STARTING,
            "is_running": status is Status.RUNNING,
            "is_stopping": status is Status.STOPPING,
            "is_ended_up": status in (Status.STOPPED, Status.FINISHED, Status.FAILED),
            "is_ended_up_successfully": status in (Status.STOPPED, Status.FINISHED),
            "started_at": self.started_at,
            "ended_at": self.ended_at,
        }
