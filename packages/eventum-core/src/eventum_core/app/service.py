"""The extension point through which a server joins `eventum run`, without core importing it.

A distribution registers a factory in the `eventum.server` entry-point group. `eventum run` calls
it with the `Application` when eventum.yml enables the server; it returns an `ApplicationService`
(or None to decline). `start()` returns once the service is serving and raises if it cannot;
`stop()` returns once it has stopped.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from eventum_core.logging import get_logger

if TYPE_CHECKING:
    from eventum_core.app.application import Application

SERVICE_GROUP = "eventum.server"
log = get_logger()


@runtime_checkable
class ApplicationService(Protocol):
    """Protocol: a service running beside the generators (the REST API)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def load_services(application: Application) -> list[ApplicationService]:
    """Every installed service that accepts this application; a broken one is reported, skipped."""
    services: list[ApplicationService] = []
    for ep in entry_points(group=SERVICE_GROUP):
        try:
            service = ep.load()(application)
        except Exception as error:
            log.error("server extension failed to load", entry_point=ep.name, reason=str(error))
            continue
        if service is None:
            continue
        if not isinstance(service, ApplicationService):
            log.error("server extension is not an ApplicationService", entry_point=ep.name)
            continue
        services.append(service)
    return services
