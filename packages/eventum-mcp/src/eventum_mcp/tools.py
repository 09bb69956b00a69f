"""How every tool module registers its tools: a `register(tool, ...)` function that decorates
its tools with `tool(...)`, the server's `ToolMaker`.

A guarded tool runs in a worker thread unless it is async, and whatever fails comes back as a
tool error with no absolute path or secret in it; every failure is logged (as Eventum 2.8 does)
with the tool, the transport and the reason.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import anyio.to_thread
from pydantic import Field

from eventum_core.errors import UserError
from eventum_core.logging import get_logger
from eventum_mcp.errors import ToolFailure

if TYPE_CHECKING:
    from mcp.server.fastmcp import FastMCP

    from eventum_mcp.redaction import Redactor

Params = Annotated[
    dict[str, Any] | None, Field(description="Values for `${params.name}` in the config.")
]
SkipPast = Annotated[
    bool,
    Field(
        description="Accepted as in Eventum; previews and runs are in sample mode, where no "
        "timestamp is skipped (a range in the past previews as written)."
    ),
]

log = get_logger(component="mcp")


class ToolMaker:
    """`@tool(...)`: registers a function as a guarded tool with behaviour hints."""

    def __init__(self, mcp: FastMCP, redactor: Redactor, transport: str) -> None:
        self._mcp, self._redactor, self._transport = mcp, redactor, transport

    def __call__(
        self, *, read_only: bool = True, destructive: bool = False
    ) -> Callable[[Callable[..., Any]], Any]:
        from mcp.types import ToolAnnotations

        hints = ToolAnnotations(readOnlyHint=read_only, destructiveHint=destructive)

        def register(fn: Callable[..., Any]) -> Any:
            guarded = _guarded(fn, self._redactor, self._transport)
            return self._mcp.tool(annotations=hints)(guarded)

        return register


def _guarded(fn: Callable[..., Any], redactor: Redactor, transport: str) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def call(**arguments: Any) -> Any:
        try:
            if inspect.iscoroutinefunction(fn):
                return await fn(**arguments)
            return await anyio.to_thread.run_sync(functools.partial(fn, **arguments))
        except (ToolFailure, UserError) as failure:  # the user's to fix: said as it is
            reason = redactor.message(str(failure))
            log.warning("tool failed", tool=fn.__name__, transport=transport, reason=reason)
            raise ToolFailure(reason) from None
        except Exception as error:
            log.exception("tool failed", tool=fn.__name__, transport=transport)
            message = f"internal error: {type(error).__name__}: {error}"
            raise ToolFailure(redactor.message(message)) from None

    return call
