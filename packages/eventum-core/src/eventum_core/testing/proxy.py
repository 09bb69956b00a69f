"""A real forward proxy for testing an output's `proxy_url`: Debian's tinyproxy on a free port.

It forwards plain HTTP requests sent in absolute form and tunnels HTTPS through CONNECT, and
logs each request line, so a test can tell that its requests went through the proxy.

    with ForwardProxy(tmp_path) as proxy:
        ...  # an output with proxy_url=proxy.url
        assert proxy.requests(port=server_port)
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from types import TracebackType

from eventum_core.testing.net import free_port, wait_listening
from eventum_core.testing.system import system_program

_REQUEST = re.compile(r"Request \(file descriptor \d+\): (\S+ \S+)")


class ForwardProxy:
    """tinyproxy in the foreground, its config and log in `folder`; stopped on exit."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log = folder / "tinyproxy.log"
        self._config = folder / "tinyproxy.conf"
        # No ConnectPort line: CONNECT may reach any port (test servers take free ones).
        self._config.write_text(
            f"Port {self.port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 64\n"
            f'LogFile "{self.log}"\nLogLevel Connect\nAllow 127.0.0.1\n'
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ForwardProxy:
        self._process = subprocess.Popen(
            [system_program("tinyproxy", "tinyproxy"), "-d", "-c", str(self._config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait_listening(self.port, self._process):
            return self
        self.stop()
        raise RuntimeError(f"tinyproxy did not start: {self._log_text()}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def requests(self, *, port: int | None = None) -> list[str]:
        """Request lines the proxy has served (`GET http://...`, `CONNECT host:port`), only
        those to `port` when it is given."""
        lines = _REQUEST.findall(self._log_text())
        if port is None:
            return lines
        return [line for line in lines if re.search(rf":{port}(/|$)", line.split(" ", 1)[1])]

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> ForwardProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
