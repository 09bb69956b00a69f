"""Helpers for tests that talk to an Eventum MCP server (over stdio or HTTP) with the SDK's
real client: this package's tests and eventum-server's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.types import CallToolResult

INITIALIZE = {  # a client's first JSON-RPC request, for tests that speak the protocol by hand
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


class Client:
    """A session with the server; `stderr` is the stdio server's log file, if there is one."""

    def __init__(self, session: ClientSession, stderr: Path | None = None) -> None:
        self.session = session
        self.stderr = stderr

    async def call(self, tool: str, **arguments: Any) -> Any:
        """The tool's answer; fails the test if the tool failed."""
        result = await self.session.call_tool(tool, arguments)
        assert not result.isError, f"{tool}: {text(result)}"
        structured = result.structuredContent
        assert structured is not None, tool
        return structured.get("result", structured) if set(structured) == {"result"} else structured

    async def fails(self, tool: str, **arguments: Any) -> str:
        """The error message of a call that must fail."""
        result = await self.session.call_tool(tool, arguments)
        assert result.isError, f"{tool} should have failed: {text(result)}"
        return text(result)

    async def resource(self, uri: str) -> Any:
        contents = (await self.session.read_resource(uri)).contents  # type: ignore[arg-type]
        return json.loads(contents[0].text)  # type: ignore[union-attr]
