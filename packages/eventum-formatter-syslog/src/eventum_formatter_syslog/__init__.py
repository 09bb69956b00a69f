"""Eventum formatter `syslog`: events as RFC 5424 or RFC 3164 syslog messages."""

from eventum_formatter_syslog.__about__ import __version__
from eventum_formatter_syslog.config import SyslogFormatterConfig
from eventum_formatter_syslog.plugin import SyslogFormatter

__all__ = ["SyslogFormatter", "SyslogFormatterConfig", "__version__"]
