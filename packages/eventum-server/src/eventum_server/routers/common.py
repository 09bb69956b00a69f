"""Helpers the routers share."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import Request, WebSocket, WebSocketDisconnect

from eventum_core.app.application import Application

TAIL_BYTES = 64 * 1024
POLL_SECONDS = 0.25


def application(request: Request) -> Application:
    app: Application = request.app.state.application
    return app


async def stream_file(websocket: WebSocket, path: Path) -> None:
    """Send the end of a log file, then each line appended to it (follows rotation)."""
    position = max(0, path.stat().st_size - TAIL_BYTES) if path.exists() else 0
    pending = b""
    try:
        while True:
            size = path.stat().st_size if path.exists() else 0
            if size < position:  # rotated or truncated: start the new file from its beginning
                position = 0
            if size > position:
                with path.open("rb") as handle:
                    handle.seek(position)
                    chunk = handle.read(size - position)
                position += len(chunk)
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    await websocket.send_text(line.decode("utf-8", "replace"))
            await asyncio.sleep(POLL_SECONDS)
    except (WebSocketDisconnect, RuntimeError):
        return
