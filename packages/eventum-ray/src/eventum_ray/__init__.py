"""Eventum on a Ray cluster: `eventum generate --cluster ADDRESS` runs one seeded generator as
segments (Ray tasks) on many machines, put back together as one stream."""

from eventum_ray.__about__ import __version__

__all__ = ["__version__"]
