"""Eventum input plugin `cron`: `count` timestamps at every tick of a cron expression."""

from eventum_input_cron.__about__ import __version__
from eventum_input_cron.config import CronConfig
from eventum_input_cron.plugin import CronInput

__all__ = ["CronConfig", "CronInput", "__version__"]
