"""Git repositories made in a test and served over HTTP ("dumb": a bare repository after
`git update-server-info`, one of them behind Basic auth; "smart": `git http-backend`), and the
answers of GitHub's search API; for the repository tests of the REST API, Studio and MCP."""

from __future__ import annotations

import base64
import contextlib
import gzip
import http.server
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

GIT_USER, GIT_PASSWORD = "reader", "s3cret-t0ken-4f9a"
SECRET_NAME = "git_token"

PUBLISHED_GENERATOR = """\
input:
  - static: {count: 2}
event:
  template:
    mode: all
    templates:
      - line: {template: line.jinja}
output:
  - stdout: {}
"""
README = """\
# Web access log

Produces **web** access events, see [the docs](https://example.invalid/docs).

## Parameters
- none
"""


def run_git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Tester", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


class GitFiles(http.server.SimpleHTTPRequestHandler):
    """Static files of the served folder; `/private/...` asks for the test's Basic credentials."""

    expected = "Basic " + base64.b64encode(f"{GIT_USER}:{GIT_PASSWORD}".encode()).decode()
    exposed: ClassVar[list[str]] = []  # command lines showing the password, seen while serving
    upload_requests: ClassVar[list[bytes]] = []  # what smart-protocol clients asked for

    def do_GET(self) -> None:
        if self.path.startswith("/private/"):  # git is running now: is the password in sight?
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                with contextlib.suppress(OSError):
                    if GIT_PASSWORD.encode() in cmdline.read_bytes():
                        self.exposed.append(cmdline.read_text().replace("\0", " "))
        if self.path.startswith("/private/") and self.headers.get("authorization") != self.expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/smart/"):
            self._smart()
            return
        super().do_GET()

    def do_POST(self) -> None:
        self._smart()

    def _smart(self) -> None:
        """`/smart/...`: `git http-backend` as a CGI script, git's smart protocol."""
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.upload_requests.append(body)
        backend = subprocess.run(
            ["git", "http-backend"],
            input=body,
            capture_output=True,
            check=True,
            env={
                "PATH": os.environ["PATH"],
                "GIT_PROJECT_ROOT": self.directory,
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": path.removeprefix("/smart"),
                "QUERY_STRING": query,
                "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("content-type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "GIT_PROTOCOL": self.headers.get("git-protocol", ""),
            },
        ).stdout
        head, _, content = backend.partition(b"\r\n\r\n")
        fields = [line.partition(":")[::2] for line in head.decode().split("\r\n")]
        status = next((int(v.split()[0]) for k, v in fields if k.lower() == "status"), 200)
        self.send_response(status)
        for key, value in fields:
            if key.lower() != "status":
                self.send_header(key, value.strip())
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class GitHost:
    """A folder of bare repositories served over HTTP; `publish` makes one from a work tree."""

    root: Path
    url: str
    work: dict[str, Path] = field(default_factory=dict)

    def publish(self, name: str, files: dict[str, str], *, private: bool = False) -> str:
        path = f"private/{name}.git" if private else f"{name}.git"
        served = self.root / "served" / path
        run_git("init", "--quiet", "--bare", "--initial-branch=main", str(served), cwd=self.root)
        work = self.work[name] = self.root / "work" / name
        work.mkdir(parents=True)
        run_git("init", "--quiet", "--initial-branch=main", cwd=work)
        run_git("remote", "add", "origin", str(served), cwd=work)
        self.commit(name, files)
        self.push(name)
        return f"{self.url}/{path}"

    def commit(self, name: str, files: dict[str, str]) -> str:
        work = self.work[name]
        for relative, text in files.items():
            (work / relative).parent.mkdir(parents=True, exist_ok=True)
            (work / relative).write_text(text)
        run_git("add", "--all", cwd=work)
        run_git("commit", "--quiet", "--allow-empty", "--message", "change", cwd=work)
        return run_git("rev-parse", "HEAD", cwd=work)

    def push(self, name: str, *refs: str) -> None:
        work = self.work[name]
        run_git("push", "--quiet", "--force", "origin", *(refs or ("main",)), cwd=work)
        served = Path(run_git("remote", "get-url", "origin", cwd=work))
        run_git("update-server-info", cwd=served)  # what a "dumb" HTTP client reads


def generator_files(template: str = "{{ timestamp }} web\n") -> dict[str, str]:
    return {
        "generators/web/generator.yml": PUBLISHED_GENERATOR,
        "generators/web/line.jinja": template,
        "generators/web/README.md": README,
        "generators/notes/todo.txt": "not a generator: no generator.yml\n",
        "README.md": "# Generators\n",
    }


def github_item(owner: str, name: str, stars: int, clone_url: str) -> dict[str, Any]:
    """One item of GitHub's `GET /search/repositories` answer (the fields Eventum reads)."""
    return {
        "name": name,
        "full_name": f"{owner}/{name}",
        "owner": {"login": owner, "type": "Organization"},
        "html_url": f"https://github.com/{owner}/{name}",
        "clone_url": clone_url,
        "description": f"{name} generators",
        "topics": ["eventum-generators"],
        "stargazers_count": stars,
        "pushed_at": "2026-07-31T09:00:00Z",
        "license": {"key": "apache-2.0", "spdx_id": "Apache-2.0"},
        "archived": False,
        "private": False,
    }
