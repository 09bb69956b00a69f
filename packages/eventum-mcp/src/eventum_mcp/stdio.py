"""Serving over stdio with stdout kept for JSON-RPC alone.

The protocol gets its own copy of the original stdout; file descriptor 1 is then pointed at
stderr, so anything else that writes to stdout (a plugin's print, the `stdout` output plugin in
`run_generator`, a C library) lands in stderr instead of corrupting the stream.
"""

from __future__ import annotations

import io
import os
import sys

import anyio
from mcp.server.fastmcp import FastMCP
from mcp.server.stdio import stdio_server


def serve(server: FastMCP) -> None:
    sys.stdout.flush()
    protocol = io.TextIOWrapper(os.fdopen(os.dup(1), "wb"), encoding="utf-8")
    os.dup2(2, 1)
    anyio.run(_serve, server, protocol)


async def _serve(server: FastMCP, protocol: io.TextIOWrapper) -> None:
    # FastMCP.run_stdio_async always takes sys.stdout; this is the same loop with our stream.
    low_level = server._mcp_server
    async with stdio_server(stdout=anyio.wrap_file(protocol)) as (read, write):
        await low_level.run(read, write, low_level.create_initialization_options())
