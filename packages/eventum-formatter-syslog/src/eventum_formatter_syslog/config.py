"""Config of the `syslog` formatter: header fields checked against the RFC's limits."""

from __future__ import annotations

import re
import socket
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from eventum_core import PluginConfig, TimestampPattern

FACILITIES = {
    "kern": 0,
    "user": 1,
    "mail": 2,
    "daemon": 3,
    "auth": 4,
    "syslog": 5,
    "lpr": 6,
    "news": 7,
    "uucp": 8,
    "cron": 9,
    "authpriv": 10,
    "ftp": 11,
    "ntp": 12,
    "security": 13,
    "console": 14,
    "solaris-cron": 15,
    **{f"local{n}": 16 + n for n in range(8)},
}
SEVERITIES = {
    "emerg": 0,
    "alert": 1,
    "crit": 2,
    "err": 3,
    "error": 3,
    "warning": 4,
    "warn": 4,
    "notice": 5,
    "info": 6,
    "debug": 7,
}
_PRINTABLE = re.compile(r"[!-~]+")  # RFC 5424 PRINTUSASCII: no spaces, no control characters
_SD_NAME = re.compile(r"[!-~]{1,32}")
_SD_FORBIDDEN = set('= ]"')
# RFC 5424 field lengths; RFC 3164 limits its TAG to 32 characters.
_LIMITS = {"hostname": 255, "app_name": 48, "procid": 128, "msgid": 32}


def _code(value: Any, names: dict[str, int], top: int, what: str) -> int:
    if isinstance(value, str) and not value.isdigit():
        if value.lower() not in names:
            raise ValueError(f"unknown {what} {value!r}; one of {', '.join(names)} or 0-{top}")
        return names[value.lower()]
    code = int(value)
    if not 0 <= code <= top:
        raise ValueError(f"{what} must be 0-{top}")
    return code


class SyslogFormatterConfig(PluginConfig):
    """Each event becomes the MSG of one syslog message (RFC 5424 or RFC 3164).

    The time in the header is the time of formatting, unless `timestamp_field` (JSON events) or
    `timestamp_pattern` (a regex with a `timestamp` group) finds the event's own time.
    """

    rfc: Literal[5424, 3164] = 5424
    facility: int = FACILITIES["user"]
    severity: int = SEVERITIES["info"]
    hostname: str = Field(default_factory=socket.gethostname)
    app_name: str = "eventum"
    procid: str | None = None
    msgid: str | None = None
    structured_data: dict[str, dict[str, str]] = {}
    framing: Literal["none", "octet-counting", "lf"] = "none"
    timestamp_field: str | None = Field(default=None, min_length=1)
    timestamp_pattern: TimestampPattern | None = None

    @field_validator("rfc", mode="before")
    @classmethod
    def _rfc_number(cls, value: Any) -> Any:
        return int(value) if isinstance(value, str) and value.isdigit() else value

    @field_validator("facility", mode="before")
    @classmethod
    def _facility(cls, value: Any) -> int:
        return _code(value, FACILITIES, 23, "facility")

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> int:
        return _code(value, SEVERITIES, 7, "severity")

    @field_validator("procid", mode="before")
    @classmethod
    def _procid_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("hostname", "app_name", "procid", "msgid")
    @classmethod
    def _printable(cls, value: str | None, info: Any) -> str | None:
        if value is None:
            return None
        if not _PRINTABLE.fullmatch(value):
            raise ValueError("must be printable ASCII without spaces")
        if len(value) > _LIMITS[info.field_name]:
            raise ValueError(f"at most {_LIMITS[info.field_name]} characters (RFC 5424)")
        return value

    @field_validator("structured_data")
    @classmethod
    def _sd_names(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for sd_id, params in value.items():
            for name in (sd_id, *params):
                if not _SD_NAME.fullmatch(name) or _SD_FORBIDDEN & set(name):
                    raise ValueError(
                        f"{name!r}: SD-IDs and parameter names are 1-32 printable ASCII "
                        'characters without =, space, ] or "'
                    )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.timestamp_field is not None and self.timestamp_pattern is not None:
            raise ValueError("timestamp_field and timestamp_pattern exclude each other")
        if self.rfc == 3164:
            if self.structured_data or self.msgid is not None:
                raise ValueError("structured_data and msgid exist only in RFC 5424")
            if len(self.app_name) > 32:
                raise ValueError("app_name (the TAG) is at most 32 characters in RFC 3164")
        return self
