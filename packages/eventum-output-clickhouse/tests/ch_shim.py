"""A test server that speaks enough of ClickHouse's HTTP interface, backed by the chDB engine.

Queries and inserts go to the real engine; the server adds what the tests need from a network
sink: basic authentication, TLS, a forced status, a delay, and going down and coming back on the
same port.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import socket
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import chdb


def engine_dir() -> str:
    """The one on-disk chDB engine of this test process: chDB opens one path per process, so
    every test module (and package) that uses chDB shares it, each with its own tables."""
    return os.environ.setdefault("EVENTUM_TEST_CHDB_DIR", tempfile.mkdtemp(prefix="eventum-chdb-"))


_FORMAT = re.compile(r"\s+FORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_CODE = re.compile(r"Code:\s*(\d+)")


class ClickHouseShim:
    def __init__(
        self,
        engine: str,
        *,
        username: str = "default",
        password: str = "",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.conn = chdb.connect(engine)
        self.lock = threading.Lock()
        self.credentials = (username, password)
        self.tls = tls
        self.status: int | None = None  # answer every request with this status when set
        self.delay = 0.0
        self.inserts = 0
        self.tokens: list[str] = []  # the deduplication tokens of the inserts, in order
        self.refusing = False
        self.outage: tuple[int, float] | None = None  # (after this many inserts, seconds down)
        self.port = 0
        self.connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> ClickHouseShim:
        shim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                shim.connections.add(self.connection)

            def finish(self) -> None:
                shim.connections.discard(self.connection)
                super().finish()

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = None if shim.refusing else shim.answer(self.path, dict(self.headers), body)
                if answer is None:  # down: the connection drops without an answer
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, headers, data = answer
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Go down: the port refuses connections until `start()` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for connection in list(self.connections):  # kept-alive connections go down too
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _go_down(self, seconds: float) -> None:
        self.stop()
        time.sleep(seconds)
        self.start()
        self.refusing = False

    def close(self) -> None:
        self.stop()
        self.conn.close()

    def answer(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict, bytes] | None:
        if self.delay:
            time.sleep(self.delay)
        if self.status is not None:
            return self.status, {}, b"forced failure"
        user, password = self._credentials(headers)
        if (user, password) != self.credentials:
            message = f"Code: 516. DB::Exception: {user}: Authentication failed"
            return 401, {"X-ClickHouse-Exception-Code": "516"}, message.encode()
        params = {k: v[0] for k, v in parse_qs(urlparse(path).query).items()}
        query = params.get("query", "")
        if query.lstrip().upper().startswith("INSERT"):
            token = params.get("insert_deduplication_token")
            if token:
                query = query.replace(
                    " FORMAT ", f" SETTINGS insert_deduplication_token = '{token}' FORMAT ", 1
                )
            sql, fmt = f"{query}\n{body.decode()}", "TabSeparated"
        else:
            sql = query + body.decode()
            match = _FORMAT.search(sql)
            fmt = match.group(1) if match else "TabSeparated"
            sql = sql[: match.start()] if match else sql
        try:
            with self.lock:
                result = self.conn.query(sql, fmt)
        except Exception as error:
            code = _CODE.search(str(error))
            return (
                500,
                {"X-ClickHouse-Exception-Code": code.group(1) if code else "1001"},
                (str(error).encode()),
            )
        summary: dict[str, str] = {}
        if sql.lstrip().upper().startswith("INSERT"):
            self.inserts += 1
            self.tokens.append(params.get("insert_deduplication_token", ""))
            if self.outage and self.inserts == self.outage[0]:
                self.refusing = True  # committed, but the answer is lost with the connection
                threading.Thread(target=self._go_down, args=(self.outage[1],), daemon=True).start()
                return None
            summary["written_rows"] = str(getattr(result, "rows_written", lambda: 0)())
        return 200, {"X-ClickHouse-Summary": json.dumps(summary)}, result.bytes()

    @staticmethod
    def _credentials(headers: dict[str, str]) -> tuple[str, str]:
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            return user, password
        return headers.get("X-ClickHouse-User", "default"), headers.get("X-ClickHouse-Key", "")
