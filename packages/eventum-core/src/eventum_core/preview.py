"""Trying a generator's parts without running it: the timestamps its inputs would make, events
from its event plugin for given timestamps, and a check that every plugin builds.

The server's preview API and the MCP server both use these, so a preview means the same thing
wherever it is asked for. Nothing here opens an output or sleeps.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from typing import Any

import numpy as np

from eventum_core.batch import TIMESTAMP_DTYPE, TimestampBatch
from eventum_core.config.generator import GeneratorPlan, InputSpec, PluginSpec
from eventum_core.context import PluginContext
from eventum_core.pipeline.merge import merge_inputs

SPANS = 100
_CHUNK = 10_000


def plugin_context(
    plan: GeneratorPlan, spec: PluginSpec[Any, Any], logger: Any = None
) -> PluginContext:
    """The context a preview builds a plugin with: the run's, in sample mode."""
    return plan.context(spec, seed=plan.parameters.seed or 0, live_mode=False, logger=logger)


def scheduled_inputs(plan: GeneratorPlan) -> list[InputSpec]:
    """Inputs that make timestamps from a schedule; interactive ones (HTTP) wait for requests,
    so a preview leaves them out rather than opening their servers."""
    return [s for s in plan.inputs if not s.traits["interactive"]]


def sample_timestamps(plan: GeneratorPlan, size: int) -> tuple[Any, Any]:
    """Up to `size` timestamps of the scheduled inputs in time order (datetime64[us], UTC) and
    the index of the input each came from."""
    inputs: list[tuple[int, Any]] = []
    try:
        for spec in scheduled_inputs(plan):
            inputs.append((spec.index, spec.cls(spec.config, plugin_context(plan, spec))))
        chunk = min(size, _CHUNK)
        parts: list[tuple[Any, Any]] = []
        taken = 0
        if inputs:
            streams = [(index, plugin.generate(chunk)) for index, plugin in inputs]
            for stamps, sources in merge_inputs(streams, chunk):
                parts.append((stamps, sources))
                taken += len(stamps)
                if taken >= size:
                    break
    finally:
        for _, plugin in inputs:
            plugin.stop()
    if not parts:
        return np.array([], dtype=TIMESTAMP_DTYPE), np.array([], dtype=np.uint16)
    stamps = np.concatenate([s for s, _ in parts])[:size]
    sources = np.concatenate([s for _, s in parts])[:size]
    return stamps, sources


def isoformat(stamp: Any, zone: tzinfo) -> str:
    """A datetime64[us] UTC instant (or its microseconds) as ISO 8601 in `zone`."""
    micros = int(np.asarray(stamp).astype("datetime64[us]").astype("int64"))
    return datetime.fromtimestamp(micros / 1e6, UTC).astimezone(zone).isoformat()


def histogram(stamps: Any, zone: tzinfo, spans: int = SPANS) -> tuple[list[str], list[int]]:
    """Counts of `stamps` in at most `spans` equal spans, and the spans' edges in `zone`."""
    if not len(stamps):
        return [], []
    values = stamps.astype("int64")
    counts, edges = np.histogram(values, bins=min(spans, len(np.unique(values))))
    return [isoformat(np.int64(e), zone) for e in edges], counts.tolist()


def timestamp_batch(plan: GeneratorPlan, stamps: Any, sources: Any = None) -> TimestampBatch:
    """A batch for the event plugin, with the tags of the inputs the timestamps came from."""
    if sources is None:
        sources = np.zeros(len(stamps), dtype=np.uint16)
    return TimestampBatch(
        timestamps=np.asarray(stamps, dtype=TIMESTAMP_DTYPE),
        sources=np.asarray(sources, dtype=np.uint16),
        input_tags=plan.input_tags,
        timezone=plan.parameters.zone,
    )


def open_event_plugin(plan: GeneratorPlan, logger: Any = None) -> Any:
    """The plan's event plugin, built as a run builds it; the caller closes it."""
    spec = plan.event
    return spec.cls(spec.config, plugin_context(plan, spec, logger))


def check_plan(plan: GeneratorPlan) -> None:
    """Build every part that needs no connection: scheduled inputs (datetimes resolve), the
    event plugin (templates compile, files are read) and formatters. Raises what they raise."""
    for spec in scheduled_inputs(plan):
        spec.cls(spec.config, plugin_context(plan, spec)).stop()
    open_event_plugin(plan).close()
    for output in plan.outputs:
        output.formatter.cls(output.formatter.config, plugin_context(plan, output.formatter))


class Recorder:
    """A plugin's logger that keeps what the plugin reports as errors or warnings (render
    failures with their template line) for a preview's answer, and passes everything on."""

    def __init__(self, logger: Any) -> None:
        self._logger = logger
        self.records: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        forward = getattr(self._logger, name)
        if name not in ("error", "warning", "exception"):
            return forward

        def record(event: str, *args: Any, **fields: Any) -> Any:
            self.records.append({"level": name, "event": event, **json_safe(fields)})
            return forward(event, *args, **fields)

        return record


def json_safe(value: Any) -> Any:
    """JSON-safe: template state may hold anything; what JSON cannot say is shown as repr."""
    return json.loads(json.dumps(value, default=repr))
