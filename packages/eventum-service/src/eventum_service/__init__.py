"""`eventum service`: install Eventum's application mode (`eventum run`) as a systemd service."""

from eventum_service.__about__ import __version__

__all__ = ["__version__"]
