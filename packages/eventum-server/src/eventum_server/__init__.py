"""Eventum server: the REST API of `eventum run`, joined to it through `eventum.server`."""

from eventum_server.__about__ import __version__
from eventum_server.app import create_app
from eventum_server.service import ServerService, create_service

__all__ = ["ServerService", "__version__", "create_app", "create_service"]
