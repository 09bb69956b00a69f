"""How `eventum run` serves the API: uvicorn in its own thread, beside the generators.

`create_service` is the `eventum.server` entry point; core calls it with its `Application`.
"""

from __future__ import annotations

import ssl
import threading
import time
from typing import Any

from eventum_core.app.application import Application
from eventum_core.logging import get_logger

log = get_logger(component="server")
START_TIMEOUT = 30.0
# Open streams (an MCP client's event stream, a log WebSocket) are cut after this on shutdown.
GRACEFUL_SHUTDOWN = 5  # seconds

_VERIFY = {
    None: ssl.CERT_NONE,
    "none": ssl.CERT_NONE,
    "optional": ssl.CERT_OPTIONAL,
    "required": ssl.CERT_REQUIRED,
}


class ServerService:
    def __init__(self, application: Application) -> None:
        self.application = application
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def config(self) -> Any:
        import uvicorn

        from eventum_server.app import create_app

        server = self.application.settings.server
        options: dict[str, Any] = {}
        if server.ssl.enabled:
            options = {
                "ssl_certfile": str(server.ssl.cert),
                "ssl_keyfile": str(server.ssl.cert_key),
                "ssl_cert_reqs": _VERIFY[server.ssl.verify_mode],
            }
            if server.ssl.ca_cert is not None:
                options["ssl_ca_certs"] = str(server.ssl.ca_cert)
        return uvicorn.Config(
            create_app(self.application),
            host=server.host,
            port=server.port,
            log_config=None,
            access_log=False,
            lifespan="on",  # MCP's session manager runs in the app's lifespan
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
            ws="websockets-sansio",
            **options,
        )

    def start(self) -> None:
        settings = self.application.settings.server
        if settings.auth.user == "eventum" and settings.auth.password == "eventum":
            log.warning("the API uses the default credentials: change server.auth in eventum.yml")
        self._server = _server_class()(self.config())
        self._thread = threading.Thread(target=self._serve, name="eventum-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"cannot serve on {settings.host}:{settings.port}: "
                    f"{self._error or 'the server did not start'}"
                )
            time.sleep(0.02)
        url = f"{'https' if settings.ssl.enabled else 'http'}://{settings.host}:{settings.port}"
        if settings.ui_enabled:
            log.info("Eventum Studio is serving", url=f"{url}/")
        if settings.api_enabled or settings.ui_enabled:
            log.info("API is serving", url=f"{url}/api/swagger")
        if settings.mcp.enabled:
            log.info("MCP is serving", url=f"{url}{settings.mcp.path}")

    def _serve(self) -> None:
        try:
            self._server.run()
        except BaseException as error:  # SystemExit from a failed bind included
            self._error = error

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)


def _server_class() -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn, ending MCP clients' open event streams before it waits for requests."""

        async def shutdown(self, sockets: Any = None) -> None:
            app: Any = self.config.app  # ours: a FastAPI app
            mcp = getattr(app.state, "mcp", None)
            if mcp is not None:
                mcp.end_streams()
            await super().shutdown(sockets)

    return Server


def create_service(application: Application) -> ServerService | None:
    """The server when eventum.yml enables the API, Studio or MCP (`server.api_enabled` /
    `server.ui_enabled`, or 2.8's `server.api.enabled` / `server.ui.enabled`;
    `server.mcp.enabled`)."""
    if not application.settings.server.enabled:
        return None
    return ServerService(application)
