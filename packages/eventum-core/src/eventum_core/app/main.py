"""`eventum run`: the application's life, driven by signals.

SIGINT / SIGTERM stop every generator gracefully (what was generated is written) and the server,
then exit; a second one during that exits at once. SIGHUP stops everything, re-reads eventum.yml
and startup.yml and starts again; if the new files are invalid the error is logged and the
previous configuration runs on.
"""

from __future__ import annotations

import collections
import os
import signal
import time
from pathlib import Path
from types import FrameType

from eventum_core import gc_pause
from eventum_core.app import logs
from eventum_core.app.application import Application
from eventum_core.app.service import ApplicationService, load_services
from eventum_core.app.startup import load_startup
from eventum_core.cli.errors import print_error
from eventum_core.errors import UserError
from eventum_core.logging import get_logger

EXIT_OK, EXIT_FAILED = 0, 1
_POLL = 0.1
log = get_logger()


class _Signals:
    """Signals queued by the handler and consumed by the main loop (no locks in handlers)."""

    def __init__(self) -> None:
        self.pending: collections.deque[int] = collections.deque()
        self.shutting_down = False

    def handler(self, signum: int, _frame: FrameType | None) -> None:
        if self.shutting_down and signum in (signal.SIGINT, signal.SIGTERM):
            os.write(2, b"\neventum: stopping now, events in flight are lost\n")
            os._exit(EXIT_FAILED)
        self.pending.append(signum)

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self.handler)


def run_application(config_path: Path) -> int:
    try:
        application = Application.from_config(config_path)
        # A startup.yml that exists but is broken would leave nothing to run: say so and stop.
        # (A missing one is fine: the API may create it. On SIGHUP the old generators go on.)
        if application.settings.path.startup.exists():
            load_startup(application.settings)
    except UserError as error:
        print_error(str(error))
        return EXIT_FAILED
    gc_pause.resume()
    settings = application.settings
    logs.configure(settings.log, settings.path.logs)
    signals = _Signals()
    signals.install()
    log.info("eventum is starting", config=str(application.config_path), pid=os.getpid())

    services = _start_services(application)
    if services is None:
        logs.shutdown()
        return EXIT_FAILED
    _load_generators(application)

    while True:
        while not signals.pending:
            time.sleep(_POLL)
        signum = signals.pending.popleft()
        name = signal.Signals(signum).name
        if signum == signal.SIGHUP:
            log.info("reloading", signal=name)
            services = _reload(application, services)
            if services is None:
                signals.shutting_down = True
                break
            continue
        signals.shutting_down = True
        log.info("stopping: writing what was generated", signal=name)
        break

    code = _shutdown(application, services or [])
    log.info("eventum stopped", exit_code=code)
    logs.shutdown()
    return code


def _start_services(application: Application) -> list[ApplicationService] | None:
    if not application.settings.server.enabled:
        return []
    services = load_services(application)
    if not services:
        log.warning(  # generators still run; the API, Studio and MCP are what is missing
            "server is enabled in eventum.yml but eventum-server is not installed: "
            "no API, Studio or MCP (pip install eventum-server)"
        )
    started: list[ApplicationService] = []
    for service in services:
        try:
            service.start()
        except Exception as error:
            log.error("server failed to start", reason=str(error))
            for running in started:
                running.stop()
            return None
        started.append(service)
    return started


def _load_generators(application: Application) -> None:
    try:
        application.load_startup()
    except UserError as error:
        log.error("cannot load the startup file", reason=str(error))


def _reload(
    application: Application, services: list[ApplicationService]
) -> list[ApplicationService] | None:
    _stop_generators(application)
    for service in services:
        service.stop()
    try:
        application.reload_settings()
    except UserError as error:
        log.error("cannot reload the settings; keeping the previous ones", reason=str(error))
    settings = application.settings
    logs.configure(settings.log, settings.path.logs)
    application.clear()
    started = _start_services(application)
    if started is None:
        return None
    _load_generators(application)
    return started


def _stop_generators(application: Application) -> bool:
    late = application.stop_all()
    if late:
        log.error("generators did not stop in time", generators=late)
    return not late


def _shutdown(application: Application, services: list[ApplicationService]) -> int:
    clean = _stop_generators(application)
    for service in services:
        try:
            service.stop()
        except Exception as error:
            log.error("server failed to stop", reason=str(error))
    lost = sum(g.result.counters.lost for g in application.generators() if g.result is not None)
    return EXIT_OK if clean and not lost else EXIT_FAILED
