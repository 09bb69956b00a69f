"""The `syslog` formatter: RFC 5424 or RFC 3164 messages, framed for TCP when asked."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar

from eventum_core import Formatted, PluginContext
from eventum_formatter_syslog.config import SyslogFormatterConfig

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SD_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', "]": "\\]"})


def structured_data(elements: dict[str, dict[str, str]]) -> str:
    """RFC 5424 STRUCTURED-DATA: `[id name="value" ...]...`, or `-` when there is none."""
    if not elements:
        return "-"
    return "".join(
        "["
        + " ".join([sd_id, *(f'{k}="{v.translate(_SD_ESCAPE)}"' for k, v in params.items())])
        + "]"
        for sd_id, params in elements.items()
    )


def rfc5424_time(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def rfc3164_time(moment: datetime) -> str:
    return f"{_MONTHS[moment.month - 1]} {moment.day:2d} {moment:%H:%M:%S}"


def _octet_counted(message: str) -> str:
    size = len(message) if message.isascii() else len(message.encode("utf-8"))
    return f"{size} {message}"


class SyslogFormatter:
    """Each event becomes the MSG of one syslog message; the header comes from the config.

    A formatter sees event strings only, not their timestamps, so the header's time is the
    time of formatting (one reading per batch) in the generator's timezone, unless the event
    carries its own: `timestamp_field` names a (dotted) JSON field, `timestamp_pattern` a regex
    group. ISO 8601 text or, in JSON, epoch seconds; a time without offset is in the generator's
    timezone. An event whose time cannot be found keeps the time of formatting (logged once).
    """

    Config: ClassVar[type[SyslogFormatterConfig]] = SyslogFormatterConfig
    parallel_safe: ClassVar[bool] = True

    def __init__(self, config: SyslogFormatterConfig, context: PluginContext) -> None:
        self._zone: tzinfo = context.timezone or UTC
        self._log = context.logger
        self._warned = False
        pri = f"<{config.facility * 8 + config.severity}>"
        if config.rfc == 5424:
            self._prefix = f"{pri}1 "
            fields = (
                config.hostname,
                config.app_name,
                config.procid or "-",
                config.msgid or "-",
                structured_data(config.structured_data),
            )
            self._suffix = " " + " ".join(fields) + " "
            self._time: Callable[[datetime], str] = rfc5424_time
        else:
            self._prefix = pri
            tag = config.app_name + (f"[{config.procid}]" if config.procid else "")
            self._suffix = f" {config.hostname} {tag}: "
            self._time = rfc3164_time
        self._frame: Callable[[str], str] | None = {
            "none": None,
            "lf": lambda m: m + "\n",
            "octet-counting": _octet_counted,
        }[config.framing]
        self._extract = self._extractor(config)

    def format(self, events: Sequence[str]) -> Formatted:
        prefix, suffix = self._prefix, self._suffix
        now = self._time(datetime.now(self._zone))
        if self._extract is None:
            head = prefix + now + suffix
            items = [head + event for event in events]
        else:
            items = []
            for event in events:
                moment = self._extract(event)
                stamp = now if moment is None else self._time(moment)
                items.append(prefix + stamp + suffix + event)
        if self._frame is not None:
            items = list(map(self._frame, items))
        return Formatted(items, len(events))

    def _extractor(self, config: SyslogFormatterConfig) -> Callable[[str], datetime | None] | None:
        if config.timestamp_field is not None:
            path = config.timestamp_field.split(".")

            def from_json(event: str) -> datetime | None:
                try:
                    value: Any = json.loads(event)
                    for part in path:
                        value = value[part]
                except (ValueError, KeyError, TypeError, IndexError):
                    self._missing(event)
                    return None
                return self._moment(value, event)

            return from_json
        if config.timestamp_pattern is not None:
            search = re.compile(config.timestamp_pattern).search

            def from_text(event: str) -> datetime | None:
                found = search(event)
                if found is None or found["timestamp"] is None:
                    self._missing(event)
                    return None
                return self._moment(found["timestamp"], event)

            return from_text
        return None

    def _moment(self, value: Any, event: str) -> datetime | None:
        try:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return datetime.fromtimestamp(value, self._zone)
            moment = datetime.fromisoformat(str(value))
        except (ValueError, OverflowError, OSError):
            self._missing(event)
            return None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self._zone)
        return moment.astimezone(self._zone)

    def _missing(self, event: str) -> None:
        if not self._warned:
            self._warned = True
            self._log.warning(
                "event has no readable timestamp; using the time of formatting (reported once)",
                sample=event[:200],
            )
