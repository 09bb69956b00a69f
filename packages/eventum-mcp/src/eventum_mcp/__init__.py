"""Eventum's MCP server: `eventum mcp` lets an AI assistant author, check and try generators."""

from eventum_mcp.__about__ import __version__

__all__ = ["__version__"]
