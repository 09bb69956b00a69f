"""Eventum core: plugin protocols, discovery and the generation pipeline.

Plugins import only the names in `__all__`. They load on first use, so importing the package (as
the CLI does to print `--help`) costs nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from eventum_core.__about__ import __version__

if TYPE_CHECKING:
    from eventum_core.batch import TIMESTAMP_DTYPE, Formatted, Produced, Timestamps, TimestampBatch
    from eventum_core.config.plugin_config import (
        ExistingFile,
        FormatterSpec,
        InputConfig,
        OutputConfig,
        PluginConfig,
        ResolvedPath,
    )
    from eventum_core.context import PluginContext, Segment, derive_rng
    from eventum_core.datetimes import VersatileDatetime, clock_from, resolve, resolve_span
    from eventum_core.errors import (
        ConfigError,
        EventDropped,
        EventsExhausted,
        EventumError,
        UserError,
        WriteError,
    )
    from eventum_core.protocols import EventPlugin, Formatter, InputPlugin, OutputPlugin

_EXPORTS = {
    "TIMESTAMP_DTYPE": "eventum_core.batch",
    "Formatted": "eventum_core.batch",
    "Produced": "eventum_core.batch",
    "Timestamps": "eventum_core.batch",
    "TimestampBatch": "eventum_core.batch",
    "ExistingFile": "eventum_core.config.plugin_config",
    "FormatterSpec": "eventum_core.config.plugin_config",
    "InputConfig": "eventum_core.config.plugin_config",
    "OutputConfig": "eventum_core.config.plugin_config",
    "PluginConfig": "eventum_core.config.plugin_config",
    "ResolvedPath": "eventum_core.config.plugin_config",
    "PluginContext": "eventum_core.context",
    "Segment": "eventum_core.context",
    "derive_rng": "eventum_core.context",
    "VersatileDatetime": "eventum_core.datetimes",
    "clock_from": "eventum_core.datetimes",
    "resolve": "eventum_core.datetimes",
    "resolve_span": "eventum_core.datetimes",
    "ConfigError": "eventum_core.errors",
    "EventDropped": "eventum_core.errors",
    "EventsExhausted": "eventum_core.errors",
    "EventumError": "eventum_core.errors",
    "UserError": "eventum_core.errors",
    "WriteError": "eventum_core.errors",
    "EventPlugin": "eventum_core.protocols",
    "Formatter": "eventum_core.protocols",
    "InputPlugin": "eventum_core.protocols",
    "OutputPlugin": "eventum_core.protocols",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eventum_core' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
