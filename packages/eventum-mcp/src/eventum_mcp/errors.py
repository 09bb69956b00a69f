"""The one way a tool fails: a message an assistant can act on, with no path or secret in it."""

from __future__ import annotations


class ToolFailure(Exception):
    """Raised by a tool; the MCP SDK answers the call with `isError` and this message."""
