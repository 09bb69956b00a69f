"""Eventum core: plugin protocols, discovery and the generation pipeline.

Plugins import only the names in `__all__`. They load on first use, so importing the package (as
the CLI does to print `--help`) costs nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from eventum_core.__about__ import __version__

if TYPE_CHECKING:
    from eventum_core.batch import (
        TIMESTAMP_DTYPE as TIMESTAMP_DTYPE,
    )
    from eventum_core.batch import (
        Formatted as Formatted,
    )
    from eventum_core.batch import (
        Produced as Produced,
    )
    from eventum_core.batch import (
        TimestampBatch as TimestampBatch,
    )
    from eventum_core.batch import (
        Timestamps as Timestamps,
    )
    from eventum_core.batch import (
        batch_index as batch_index,
    )
    from eventum_core.batch import (
        exact_chunks as exact_chunks,
    )
    from eventum_core.caches import cache_directory as cache_directory
    from eventum_core.caches import write_whole as write_whole
    from eventum_core.config.locations import (
        validation_messages as validation_messages,
    )
    from eventum_core.config.plugin_config import (
        Encoding as Encoding,
    )
    from eventum_core.config.plugin_config import (
        ExistingFile as ExistingFile,
    )
    from eventum_core.config.plugin_config import (
        FormatterSpec as FormatterSpec,
    )
    from eventum_core.config.plugin_config import (
        InputConfig as InputConfig,
    )
    from eventum_core.config.plugin_config import (
        OutputConfig as OutputConfig,
    )
    from eventum_core.config.plugin_config import (
        PluginConfig as PluginConfig,
    )
    from eventum_core.config.plugin_config import (
        ResolvedPath as ResolvedPath,
    )
    from eventum_core.config.plugin_config import (
        RetryPolicy as RetryPolicy,
    )
    from eventum_core.config.plugin_config import (
        TimestampPattern as TimestampPattern,
    )
    from eventum_core.context import (
        PluginContext as PluginContext,
    )
    from eventum_core.context import (
        Segment as Segment,
    )
    from eventum_core.context import (
        derive_rng as derive_rng,
    )
    from eventum_core.context import (
        draw_seed as draw_seed,
    )
    from eventum_core.datetimes import (
        VersatileDatetime as VersatileDatetime,
    )
    from eventum_core.datetimes import (
        aware as aware,
    )
    from eventum_core.datetimes import (
        clock_from as clock_from,
    )
    from eventum_core.datetimes import (
        epoch_micros as epoch_micros,
    )
    from eventum_core.datetimes import (
        resolve as resolve,
    )
    from eventum_core.datetimes import (
        resolve_span as resolve_span,
    )
    from eventum_core.errors import (
        ConfigError as ConfigError,
    )
    from eventum_core.errors import (
        EventDropped as EventDropped,
    )
    from eventum_core.errors import (
        EventsExhausted as EventsExhausted,
    )
    from eventum_core.errors import (
        EventumError as EventumError,
    )
    from eventum_core.errors import (
        UserError as UserError,
    )
    from eventum_core.errors import (
        WriteError as WriteError,
    )
    from eventum_core.lines import encode_lines as encode_lines
    from eventum_core.logging import get_logger as get_logger
    from eventum_core.protocols import (
        EventPlugin as EventPlugin,
    )
    from eventum_core.protocols import (
        Formatter as Formatter,
    )
    from eventum_core.protocols import (
        InputPlugin as InputPlugin,
    )
    from eventum_core.protocols import (
        OutputPlugin as OutputPlugin,
    )

_EXPORTS = {
    "TIMESTAMP_DTYPE": "eventum_core.batch",
    "batch_index": "eventum_core.batch",
    "exact_chunks": "eventum_core.batch",
    "Formatted": "eventum_core.batch",
    "Produced": "eventum_core.batch",
    "Timestamps": "eventum_core.batch",
    "TimestampBatch": "eventum_core.batch",
    "cache_directory": "eventum_core.caches",
    "write_whole": "eventum_core.caches",
    "Encoding": "eventum_core.config.plugin_config",
    "ExistingFile": "eventum_core.config.plugin_config",
    "FormatterSpec": "eventum_core.config.plugin_config",
    "InputConfig": "eventum_core.config.plugin_config",
    "OutputConfig": "eventum_core.config.plugin_config",
    "PluginConfig": "eventum_core.config.plugin_config",
    "ResolvedPath": "eventum_core.config.plugin_config",
    "RetryPolicy": "eventum_core.config.plugin_config",
    "TimestampPattern": "eventum_core.config.plugin_config",
    "validation_messages": "eventum_core.config.locations",
    "PluginContext": "eventum_core.context",
    "Segment": "eventum_core.context",
    "derive_rng": "eventum_core.context",
    "draw_seed": "eventum_core.context",
    "VersatileDatetime": "eventum_core.datetimes",
    "aware": "eventum_core.datetimes",
    "clock_from": "eventum_core.datetimes",
    "epoch_micros": "eventum_core.datetimes",
    "resolve": "eventum_core.datetimes",
    "resolve_span": "eventum_core.datetimes",
    "ConfigError": "eventum_core.errors",
    "EventDropped": "eventum_core.errors",
    "EventsExhausted": "eventum_core.errors",
    "EventumError": "eventum_core.errors",
    "UserError": "eventum_core.errors",
    "WriteError": "eventum_core.errors",
    "encode_lines": "eventum_core.lines",
    "get_logger": "eventum_core.logging",
    "EventPlugin": "eventum_core.protocols",
    "Formatter": "eventum_core.protocols",
    "InputPlugin": "eventum_core.protocols",
    "OutputPlugin": "eventum_core.protocols",
}

__all__ = [
    "TIMESTAMP_DTYPE",
    "ConfigError",
    "Encoding",
    "EventDropped",
    "EventPlugin",
    "EventsExhausted",
    "EventumError",
    "ExistingFile",
    "Formatted",
    "Formatter",
    "FormatterSpec",
    "InputConfig",
    "InputPlugin",
    "OutputConfig",
    "OutputPlugin",
    "PluginConfig",
    "PluginContext",
    "Produced",
    "ResolvedPath",
    "RetryPolicy",
    "Segment",
    "TimestampBatch",
    "TimestampPattern",
    "Timestamps",
    "UserError",
    "VersatileDatetime",
    "WriteError",
    "__version__",
    "aware",
    "batch_index",
    "cache_directory",
    "clock_from",
    "derive_rng",
    "draw_seed",
    "encode_lines",
    "epoch_micros",
    "exact_chunks",
    "get_logger",
    "resolve",
    "resolve_span",
    "validation_messages",
    "write_whole",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'eventum_core' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
