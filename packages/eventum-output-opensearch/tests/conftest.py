from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from eventum_core.testing.net import free_port, wait_listening
from eventum_core.testing.system import system_program
from eventum_core.testing.tls import Pki


@pytest.fixture
def unused_port() -> int:
    return free_port()


class Nginx:
    """nginx in front of an upstream: basic auth and TLS, on its own port; can stop and restart.
    With `require_client_cert` it also asks for a client certificate signed by the test CA."""

    def __init__(
        self,
        folder: Path,
        upstream: str,
        tls: Pki,
        user: str,
        password: str,
        *,
        require_client_cert: bool = False,
    ) -> None:
        self.folder, self.port = folder, free_port()
        mutual = (
            f"ssl_client_certificate {tls.ca};\n    ssl_verify_client on;"
            if require_client_cert
            else ""
        )
        (folder / "htpasswd").write_text(f"{user}:{{PLAIN}}{password}\n")
        # One process, no master: killing it takes the whole server down at once.
        (folder / "nginx.conf").write_text(f"""
master_process off;
worker_processes 1;
daemon off;
error_log {folder}/error.log;
pid {folder}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  access_log {folder}/access.log;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  client_max_body_size 0;
  server {{
    listen 127.0.0.1:{self.port} ssl;
    ssl_certificate {tls.cert};
    ssl_certificate_key {tls.key};
    {mutual}
    auth_basic "opensearch";
    auth_basic_user_file {folder}/htpasswd;
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }}
  }}
}}
""")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        self.process = subprocess.Popen(
            [
                system_program("nginx", "nginx-light"),
                "-p",
                str(self.folder),
                "-c",
                str(self.folder / "nginx.conf"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait_listening(self.port, self.process):
            return self
        log = (
            (self.folder / "error.log").read_text() if (self.folder / "error.log").exists() else ""
        )
        raise RuntimeError(f"nginx did not start: {log}")

    def requests(self) -> int:
        """How many requests nginx has answered (or failed), from its access log: cheap to
        poll, unlike asking OpenSearch."""
        log = self.folder / "access.log"
        return log.read_bytes().count(b"\n") if log.exists() else 0

    def stop(self) -> None:
        """Gone at once: connections reset, the port refuses."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def nginx(tmp_path_factory: pytest.TempPathFactory, tls: Pki, osmem_clone: object):
    """Make nginx in front of this test's osmem clone (user `eventum`, password `s3cret`)."""
    started: list[Nginx] = []

    def make(upstream: str | None = None, *, require_client_cert: bool = False) -> Nginx:
        url = upstream or osmem_clone.url  # type: ignore[attr-defined]
        proxy = Nginx(tmp_path_factory.mktemp("nginx"), url, tls, "eventum", "s3cret",
                      require_client_cert=require_client_cert).start()  # fmt: skip
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.stop()
