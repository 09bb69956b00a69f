"""Trying a saved generator: load it as a run would, then check it, preview it, or run it for a
bounded time. Every answer and error goes through the generator's `Redactor`, which knows the
secret values its config was given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from pydantic import Field, ValidationError

from eventum_core import draw_seed
from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import GeneratorPlan, load_plan
from eventum_core.config.locations import dotted, reason
from eventum_core.discovery import Registry
from eventum_core.errors import UserError
from eventum_core.keyring_secrets import Keyring
from eventum_core.logging import get_logger
from eventum_core.pipeline.runner import GeneratorRun
from eventum_core.preview import (
    Recorder,
    check_plan,
    histogram,
    isoformat,
    open_event_plugin,
    sample_timestamps,
    scheduled_inputs,
    timestamp_batch,
)
from eventum_mcp.errors import ToolFailure
from eventum_mcp.redaction import RecordingSecrets, Redactor
from eventum_mcp.tools import Params, SkipPast, ToolMaker
from eventum_mcp.workspace import Workspace

MAX_RUN_SECONDS = 300.0
ALL_TIMESTAMPS_UP_TO = 100  # a larger preview lists only the first and last 50
ENDS = 50


@dataclass(frozen=True)
class Loaded:
    plan: GeneratorPlan
    redactor: Redactor

    def failure(self, error: BaseException) -> ToolFailure:
        """A plugin's error as a tool failure; its type is named unless it is the user's."""
        text = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
        return ToolFailure(self.redactor.message(text))


class Authoring:
    def __init__(self, workspace: Workspace, registry: Registry, keyring: Keyring | None) -> None:
        self.workspace = workspace
        self.registry = registry
        self.keyring = keyring

    def load(
        self, name: str, params: dict[str, Any] | None, *, skip_past: bool = True, **bounds: Any
    ) -> Loaded:
        """The generator's plan, in sample mode, in this process (one producer, no forks)."""
        source = self.workspace.config_file(name)
        recorded = RecordingSecrets(self.keyring.get) if self.keyring is not None else None
        try:
            parameters = GeneratorParameters.model_validate(
                {
                    "id": name,
                    "path": source,
                    "live_mode": False,
                    "skip_past": skip_past,
                    "params": params or {},
                    "workers": 1,
                    **bounds,
                }
            )
        except ValidationError as error:
            first = error.errors()[0]
            raise ToolFailure(f"{dotted(first['loc'])}: {reason(dict(first))}") from None
        try:
            plan = load_plan(parameters, registry=self.registry, secrets=recorded)
        except UserError as error:
            raise ToolFailure(self._redactor(recorded).message(str(error))) from None
        return Loaded(plan, self._redactor(recorded))

    def _redactor(self, recorded: RecordingSecrets | None) -> Redactor:
        """Knows the secret values substituted so far (so call it after loading)."""
        values = recorded.values if recorded is not None else []
        return Redactor(self.workspace.generators_dir, values)

    def validate(self, name: str, params: dict[str, Any] | None) -> dict[str, Any]:
        loaded = self.load(name, params)
        try:
            check_plan(loaded.plan)
        except Exception as error:  # whatever a plugin raises while building is the config's
            raise loaded.failure(error) from None
        plan = loaded.plan
        return {
            "valid": True,
            "input": [s.name for s in plan.inputs],
            "event": plan.event.name,
            "output": [f"{o.plugin.name} ({o.formatter.name})" for o in plan.outputs],
        }

    def preview_timestamps(
        self, name: str, size: int, *, skip_past: bool, params: dict[str, Any] | None
    ) -> dict[str, Any]:
        loaded = self.load(name, params, skip_past=skip_past)
        plan = loaded.plan
        try:
            stamps, sources = sample_timestamps(plan, size)
        except Exception as error:
            raise loaded.failure(error) from None
        zone = plan.parameters.zone
        scheduled = scheduled_inputs(plan)
        edges, counts = histogram(stamps, zone)
        answer: dict[str, Any] = {
            "total": len(stamps),
            "span_edges": edges,
            "span_counts": counts,
            "per_input": {
                f"input[{s.index}] {s.name}": int((sources == s.index).sum()) for s in scheduled
            },
            "timestamps": None,
            "first": None,
            "last": None,
        }
        if len(stamps) <= ALL_TIMESTAMPS_UP_TO:
            answer["timestamps"] = [isoformat(s, zone) for s in stamps]
        else:
            answer["first"] = [isoformat(s, zone) for s in stamps[:ENDS]]
            answer["last"] = [isoformat(s, zone) for s in stamps[-ENDS:]]
        left_out = [f"input[{s.index}] {s.name}" for s in plan.inputs if s not in scheduled]
        if left_out:
            answer["left_out"] = left_out  # interactive: they make timestamps only on request
        return answer

    def preview_events(
        self, name: str, count: int, *, skip_past: bool, params: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Events for the generator's first `count` timestamps, and what failed and why."""
        loaded = self.load(name, params, skip_past=skip_past)
        plan = loaded.plan
        recorder = Recorder(get_logger(generator=name, plugin=f"event.{plan.event.name}"))
        try:
            stamps, sources = sample_timestamps(plan, count)
            plugin = open_event_plugin(plan, recorder)
            try:
                produced = plugin.produce(timestamp_batch(plan, stamps, sources))
            finally:
                plugin.close()
        except Exception as error:
            raise loaded.failure(error) from None
        return {
            "events": [loaded.redactor.secrets(event) for event in produced.events],
            "errors": loaded.redactor.value(recorder.records),
            "failed": produced.failed,
            "dropped": produced.dropped,
            "exhausted": produced.exhausted,
        }

    async def run(
        self,
        name: str,
        *,
        timeout_seconds: float,
        max_events: int | None,
        skip_past: bool,
        params: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Run to the generator's own outputs in sample mode, stopped by the bounds."""
        self.workspace.refuse_if_read_only()
        seconds = min(max(timeout_seconds, 0.1), MAX_RUN_SECONDS)
        bound = max_events if max_events is not None and max_events > 0 else None
        loaded = await anyio.to_thread.run_sync(
            lambda: self.load(
                name, params, skip_past=skip_past, max_duration=seconds, max_events=bound
            )
        )
        result = await GeneratorRun(loaded.plan, draw_seed()).run()
        counters = result.counters
        if result.error and not counters.generated:
            raise ToolFailure(loaded.redactor.message(result.error))
        if result.error:
            outcome = "error"
        elif bound is not None and counters.generated >= bound:
            outcome = "max_events"
        elif counters.elapsed >= seconds:
            outcome = "timeout"
        else:
            outcome = "completed"
        answer: dict[str, Any] = {
            "id": name,
            "reason": outcome,
            "events_written": counters.written,
            "events_failed": counters.lost + counters.event.produce_failed,
            "seconds": round(counters.elapsed, 3),
        }
        if result.error:
            answer["error"] = loaded.redactor.message(result.error)
        return answer


def register(tool: ToolMaker, authoring: Authoring) -> None:
    """The tools that validate, preview and run a saved generator."""

    @tool()
    def validate_generator(name: str, params: Params = None) -> dict[str, Any]:
        """Load a saved generator as a run would and build its plugins (templates compile,
        files are read). A problem comes back as an error naming file, line and field."""
        return authoring.validate(name, params)

    @tool()
    def preview_timestamps(
        name: str,
        size: Annotated[int, Field(ge=1, le=1_000_000)] = 100,
        skip_past: SkipPast = True,
        params: Params = None,
    ) -> dict[str, Any]:
        """Up to `size` timestamps the generator's inputs would make, as a histogram
        (`span_edges`, `span_counts`) with every timestamp when there are at most 100, else
        the first and last 50."""
        return authoring.preview_timestamps(name, size, skip_past=skip_past, params=params)

    @tool()
    def preview_events(
        name: str,
        count: Annotated[int, Field(ge=1, le=1000)] = 10,
        params: Params = None,
        skip_past: SkipPast = True,
    ) -> dict[str, Any]:
        """Events for the generator's first `count` timestamps, with `errors` (a template's
        file and line when rendering failed), `failed`, `dropped` and `exhausted`. Nothing is
        written to the outputs."""
        return authoring.preview_events(name, count, skip_past=skip_past, params=params)

    @tool(read_only=False)
    async def run_generator(
        name: str,
        timeout_seconds: Annotated[float, Field(gt=0, le=MAX_RUN_SECONDS)] = 30.0,
        max_events: int | None = None,
        skip_past: SkipPast = True,
        params: Params = None,
    ) -> dict[str, Any]:
        """Run a saved generator in sample mode (as fast as it can) to its configured outputs,
        so it writes real events: stopped after `timeout_seconds` (300 at most) or
        `max_events`, or when a finite schedule ends. Answers `reason` (completed, timeout,
        max_events or error), `events_written` and `events_failed`. An output writing to
        stdout writes to this server's stderr: stdout carries the MCP protocol."""
        return await authoring.run(
            name,
            timeout_seconds=timeout_seconds,
            max_events=max_events,
            skip_past=skip_past,
            params=params,
        )
