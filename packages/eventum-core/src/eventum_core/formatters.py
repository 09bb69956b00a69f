"""The formatters that need no third-party library: plain, json, json-batch, eventum-http-input."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from eventum_core.batch import Formatted
from eventum_core.config.plugin_config import PluginConfig
from eventum_core.context import PluginContext


class NoOptions(PluginConfig):
    """A formatter without options."""


class JsonOptions(PluginConfig):
    indent: int = Field(default=0, ge=0)


class PlainFormatter:
    """Events unchanged."""

    Config: ClassVar[type[PluginConfig]] = NoOptions

    def __init__(self, config: NoOptions, context: PluginContext) -> None:
        self.config = config

    def format(self, events: Sequence[str]) -> Formatted:
        return Formatted(list(events), len(events))


def _dumper(indent: int) -> json.JSONEncoder:
    # indent 0 keeps Eventum's one-line form with ", " and ": " separators.
    return json.JSONEncoder(ensure_ascii=False, indent=indent or None)


class JsonFormatter:
    """Each event re-serialised as JSON; an event that is not valid JSON is counted and left out."""

    Config: ClassVar[type[PluginConfig]] = JsonOptions

    def __init__(self, config: JsonOptions, context: PluginContext) -> None:
        self._encode = _dumper(config.indent).encode
        self._log = context.logger

    def format(self, events: Sequence[str]) -> Formatted:
        encode, loads = self._encode, json.loads
        items: list[str] = []
        failed = 0
        for event in events:
            try:
                items.append(encode(loads(event)))
            except ValueError as error:
                failed += 1
                if failed == 1:
                    self._log.warning(
                        "event is not valid JSON", reason=str(error), sample=event[:200]
                    )
        return Formatted(items, len(events), failed)


class JsonBatchFormatter:
    """The whole batch as one JSON array; invalid events are counted and left out."""

    Config: ClassVar[type[PluginConfig]] = JsonOptions

    def __init__(self, config: JsonOptions, context: PluginContext) -> None:
        self._indent = config.indent
        self._log = context.logger

    def format(self, events: Sequence[str]) -> Formatted:
        values = []
        failed = 0
        for event in events:
            try:
                values.append(json.loads(event))
            except ValueError as error:
                failed += 1
                if failed == 1:
                    self._log.warning(
                        "event is not valid JSON", reason=str(error), sample=event[:200]
                    )
        if not values:
            return Formatted([], len(events), failed)
        if self._indent:
            text = json.dumps(values, ensure_ascii=False, indent=self._indent)
        else:
            text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        return Formatted([text], len(events), failed)


class HttpInputFormatter:
    """`{"count": N}`: feeds another generator's `http` input with one request per batch."""

    Config: ClassVar[type[PluginConfig]] = NoOptions

    def __init__(self, config: NoOptions, context: PluginContext) -> None:
        self.config = config

    def format(self, events: Sequence[str]) -> Formatted:
        if not events:
            return Formatted([], 0)
        return Formatted([json.dumps({"count": len(events)})], len(events))
