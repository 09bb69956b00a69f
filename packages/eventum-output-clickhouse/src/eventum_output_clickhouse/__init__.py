"""Eventum output plugin `clickhouse`: events inserted into a ClickHouse table."""

from eventum_output_clickhouse.__about__ import __version__
from eventum_output_clickhouse.config import ClickHouseOutputConfig
from eventum_output_clickhouse.plugin import ClickHouseOutput

__all__ = ["ClickHouseOutput", "ClickHouseOutputConfig", "__version__"]
