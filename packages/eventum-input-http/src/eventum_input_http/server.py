"""A small threaded HTTP server (standard library only) that turns requests into demand."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from eventum_input_http.config import GenerateRequest

# What the plugin does with a request: an HTTP status and a JSON body.
Reply = tuple[HTTPStatus, dict[str, Any]]
_MAX_BODY = 1 << 20


class DemandServer(ThreadingHTTPServer):
    """Routes `POST /generate` and `POST /stop` to the plugin's callbacks."""

    daemon_threads = True
    # socketserver's backlog is 5: a burst of clients connecting at once overflowed it and the
    # kernel reset the connections it had no room for. The system's maximum holds any burst
    # `max_pending_requests` can take.
    request_queue_size = socket.SOMAXCONN

    def __init__(
        self,
        address: tuple[str, int],
        *,
        on_generate: Callable[[int], Reply],
        on_stop: Callable[[], Reply],
        log: Callable[..., Any],
    ) -> None:
        self.on_generate = on_generate
        self.on_stop = on_stop
        self.log = log
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: DemandServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        if self.path == "/generate":
            self._reply(*self._generate())
        elif self.path == "/stop":
            self._read_body()
            self._reply(*self.server.on_stop())
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"detail": f"no such endpoint: {self.path}"})

    def do_GET(self) -> None:
        self._reply(HTTPStatus.METHOD_NOT_ALLOWED, {"detail": "use POST"})

    def _generate(self) -> Reply:
        body = self._read_body()
        if body is None:
            return HTTPStatus.UNPROCESSABLE_ENTITY, {"detail": "request body too large"}
        try:
            data = json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return HTTPStatus.UNPROCESSABLE_ENTITY, {"detail": f"body is not JSON: {exc}"}
        try:
            request = GenerateRequest.model_validate(data)
        except ValidationError as exc:
            reasons = [
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            ]
            return HTTPStatus.UNPROCESSABLE_ENTITY, {"detail": "; ".join(reasons)}
        return self.server.on_generate(request.count)

    def _read_body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > _MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log("http input request", line=format % args)
