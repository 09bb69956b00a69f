"""The `http` input: each `POST /generate` asks for `count` timestamps at that moment."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from http import HTTPStatus
from typing import ClassVar

import numpy as np

from eventum_core import TIMESTAMP_DTYPE, PluginContext, Timestamps, UserError
from eventum_input_http.config import HttpConfig
from eventum_input_http.server import DemandServer, Reply


class HttpInput:
    """An interactive input: a server thread queues requests, `generate` turns them into
    timestamps as the pipeline pulls.

    The server listens from construction, so a busy port fails the generator at start.
    `POST /stop` lets the already accepted requests through and then ends `generate`; `stop()`
    (core, at shutdown) ends it at once and closes the socket.
    """

    Config: ClassVar[type[HttpConfig]] = HttpConfig
    interactive: ClassVar[bool] = True

    def __init__(self, config: HttpConfig, context: PluginContext) -> None:
        self._limit = config.max_pending_requests
        self._pending: deque[tuple[int, int]] = deque()  # (count, microseconds since epoch)
        self._changed = threading.Condition()
        self._stopping = False  # no new requests; accepted ones are still served
        self._closed = False  # generate ends now
        self._last_us = 0
        self._log = context.logger
        try:
            self._server = DemandServer(
                (config.host, config.port),
                on_generate=self._accept,
                on_stop=self._request_stop,
                log=self._log.debug,
            )
        except OSError as exc:
            raise UserError(
                f"http input cannot listen on {config.host}:{config.port}: {exc.strerror or exc}"
            ) from None
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"eventum-http-input-{config.port}",
            daemon=True,
        )
        self._thread.start()
        self._log.info("http input listening", host=config.host, port=self.port)

    @property
    def port(self) -> int:
        """The port the server is bound to."""
        return int(self._server.server_address[1])

    def generate(self, size: int) -> Iterator[Timestamps]:
        while True:
            taken = self._take(size)
            if taken is None:
                return
            yield taken

    def _take(self, size: int) -> Timestamps | None:
        """Up to `size` timestamps from the oldest requests, waiting for one; None at the end."""
        with self._changed:
            while not self._pending and not self._closed and not self._stopping:
                self._changed.wait()
            if self._closed or not self._pending:
                return None
            counts, moments, room = [], [], size
            while self._pending and room:
                count, moment = self._pending[0]
                used = min(count, room)
                counts.append(used)
                moments.append(moment)
                room -= used
                if used == count:
                    self._pending.popleft()
                else:
                    self._pending[0] = (count - used, moment)
            self._changed.notify_all()
        stamps = np.repeat(np.array(moments, dtype=np.int64), counts)
        return stamps.view(TIMESTAMP_DTYPE)

    def _accept(self, count: int) -> Reply:
        with self._changed:
            if self._stopping or self._closed:
                return HTTPStatus.CONFLICT, {"detail": "the generator is stopping"}
            if len(self._pending) >= self._limit:
                return HTTPStatus.TOO_MANY_REQUESTS, {
                    "detail": f"{self._limit} requests are already waiting; retry later"
                }
            self._last_us = max(self._last_us, time.time_ns() // 1000)  # keep order on clock steps
            self._pending.append((count, self._last_us))
            self._changed.notify_all()
        return HTTPStatus.CREATED, {"count": count}

    def _request_stop(self) -> Reply:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        return HTTPStatus.OK, {"detail": "stopping"}

    def stop(self) -> None:
        with self._changed:
            if self._closed:
                return
            self._closed = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
