"""Eventum world: one population of entities across generators, incident episodes placed on the
run's clock, and ground-truth labels for every event an episode injects."""

from eventum_entities.__about__ import __version__

__all__ = ["__version__"]
