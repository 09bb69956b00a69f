"""A real MCP client over stdio, talking to `eventum mcp` started as a user's assistant would."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from eventum_mcp.testing import Client

LINES = """\
input:
  - linspace:
      start: "2024-01-01T00:00:00"
      end: "2024-01-01T00:00:09"
      count: 10
event:
  template:
    mode: all
    params:
      host: web-01
    templates:
      - line:
          template: templates/line.jinja
output:
  - stdout: {}
"""

LINE_TEMPLATE = "{{ timestamp.isoformat() }} {{ params.host }} GET /index.html 200\n"


AddGenerator = Callable[..., Path]


@pytest.fixture
def generators(tmp_path: Path) -> Path:
    """A generators folder holding `web`: ten timestamps in 2024, one line each, to stdout."""
    root = tmp_path / "generators"
    write_files(root / "web", {"generator.yml": LINES, "templates/line.jinja": LINE_TEMPLATE})
    return root


@pytest.fixture
def add_generator(generators: Path) -> AddGenerator:
    """Another generator in the folder: `add_generator(name, config, {relative path: text})`."""

    def add(name: str, config: str, files: dict[str, str] | None = None) -> Path:
        folder = generators / name
        write_files(folder, {"generator.yml": config, **(files or {})})
        return folder

    return add


def write_files(folder: Path, files: dict[str, str]) -> None:
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


@asynccontextmanager
async def connect(
    generators_dir: Path, *options: str, env: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    stderr = generators_dir.parent / "server-stderr.log"
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "eventum_core", "mcp", "--generators-dir", str(generators_dir), *options],
        env={**os.environ, **(env or {})},
    )
    with stderr.open("w") as errlog:
        async with (
            stdio_client(server, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            with anyio.fail_after(30):
                await session.initialize()
            yield Client(session, stderr)


Serve = Callable[..., None]


@pytest.fixture
def serve(generators: Path) -> Serve:
    """`serve(scenario, *options, env=...)`: start `eventum mcp` on the generators folder, run
    the async `scenario(client)` against it, stop the server."""

    def run(
        scenario: Callable[[Client], Awaitable[None]],
        *options: str,
        env: dict[str, str] | None = None,
    ) -> None:
        async def main() -> None:
            async with connect(generators, *options, env=env) as client:
                with anyio.fail_after(60):
                    await scenario(client)

        anyio.run(main)

    return run
