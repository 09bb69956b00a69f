"""Eventum Studio: the web UI, static files shipped in this package (`ui/`), served at `/`.

No build step: hand-written ES modules, CSS and HTML, so a wheel serves it with no Node around.
Studio talks to the server only through the REST API under `/api`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

UI_DIR = Path(__file__).parent / "ui"
_HEADERS = {
    "Cache-Control": "no-cache",  # revalidate (ETag): an upgraded server serves the new UI
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    ),
}


class _Studio(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(_HEADERS)
        return response


def mount_studio(app: FastAPI) -> None:
    """Serve `ui/` at `/` (after the API's routes, which win); `/` is index.html."""
    app.mount("/", _Studio(directory=UI_DIR, html=True), name="studio")
