"""`/api/asyncapi.yml` and `/api/asyncapi`: the WebSocket endpoints in AsyncAPI 3.0, public like
the OpenAPI docs. The page is plain HTML made here from the document (no script from a CDN: the
server may have no internet, and Studio's Content-Security-Policy allows none)."""

from __future__ import annotations

from html import escape
from importlib.resources import files
from typing import Any

import yaml
from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

router = APIRouter()


def _text() -> str:
    return files("eventum_server").joinpath("docs/asyncapi.yml").read_text(encoding="utf-8")


@router.get("/asyncapi.yml")
def asyncapi_document() -> Response:
    return Response(_text(), media_type="application/yaml")


def _channel(channel: dict[str, Any], messages: dict[str, Any]) -> str:
    summaries = [
        messages[m["$ref"].rsplit("/", 1)[-1]].get("summary", "")
        for m in channel.get("messages", {}).values()
    ]
    params = "".join(
        f"<li><code>{escape(name)}</code>: {escape(p.get('description', ''))}</li>"
        for name, p in channel.get("parameters", {}).items()
    )
    return (
        f"<section><h2><code>{escape(channel['address'])}</code></h2>"
        f"<p>{escape(channel.get('description', ''))}</p>"
        + (f"<ul>{params}</ul>" if params else "")
        + "".join(f"<p>Messages: {escape(s)}</p>" for s in summaries)
        + "</section>"
    )


@router.get("/asyncapi", response_class=HTMLResponse)
def asyncapi_page() -> HTMLResponse:
    document = yaml.safe_load(_text())
    info, messages = document["info"], document["components"]["messages"]
    channels = "".join(_channel(c, messages) for c in document["channels"].values())
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{escape(info['title'])}</title><h1>{escape(info['title'])}</h1>"
        f"<p>{escape(info['description'])}</p>{channels}"
        '<p><a href="/api/asyncapi.yml">AsyncAPI 3.0 document (YAML)</a></p></html>'
    )
