"""Repositories that publish generators in the open: GitHub's repository search for the topic
`eventum-generators` (Eventum 2.8). Nothing is registered or reviewed: a repository is listed
because it carries the topic.

Requests are anonymous, as a browser's. The API's address is `EVENTUM_GITHUB_API_URL`
(default `https://api.github.com`), for a GitHub Enterprise server or a test.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from eventum_server.__about__ import __version__

TOPIC = "eventum-generators"
OFFICIAL_OWNER = "eventum-generator"
API_URL_ENV = "EVENTUM_GITHUB_API_URL"
DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 30
MAX_PAGE = 10  # GitHub answers the first 1000 results only
MAX_QUERY = 100
TIMEOUT = 10.0
# What a search qualifier is written with is taken out of the user's words, so they narrow
# the list and never replace the topic that defines it.
_QUALIFIER_CHARACTERS = re.compile(r"[^\w \-./]")


class SearchFailed(Exception):
    pass


class SearchLimited(SearchFailed):
    def __init__(self, message: str, seconds: int | None) -> None:
        super().__init__(message)
        self.seconds = seconds


@dataclass(frozen=True)
class Answer:
    entries: list[dict[str, Any]] | None  # None: not modified since `etag`
    total_count: int
    etag: str | None
    rate: dict[str, Any]


def api_url() -> str:
    return os.environ.get(API_URL_ENV, "").rstrip("/") or DEFAULT_API_URL


def normalize(query: str | None) -> str:
    return " ".join(_QUALIFIER_CHARACTERS.sub(" ", query or "").split())[:MAX_QUERY].strip()


def search(words: str, page: int, *, etag: str | None = None) -> Answer:
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": f"eventum-server/{__version__}",
    }
    if etag:
        headers["If-None-Match"] = etag
    params = {
        "q": f"topic:{TOPIC} {words}".strip(),
        "sort": "stars",
        "order": "desc",
        "per_page": str(PER_PAGE),
        "page": str(max(1, min(page, MAX_PAGE))),
    }
    try:
        with httpx.Client(timeout=TIMEOUT) as client:
            response = client.get(
                f"{api_url()}/search/repositories", params=params, headers=headers
            )
    except httpx.HTTPError as error:
        raise SearchFailed(f"{type(error).__name__}: {error}") from None
    reset_at = _moment(response.headers.get("x-ratelimit-reset"))
    rate = {
        "remaining": _integer(response.headers.get("x-ratelimit-remaining")),
        "reset_at": reset_at,
    }
    if response.status_code == 304:
        return Answer(None, 0, etag, rate)
    if response.status_code in (403, 429):
        delay = _integer(response.headers.get("retry-after"))
        if delay is None and reset_at is not None:
            delay = max(0, int((reset_at - datetime.now(UTC)).total_seconds()))
        raise SearchLimited(_message(response), delay)
    if response.status_code != 200:
        raise SearchFailed(_message(response))
    try:
        payload = response.json()
        items = payload["items"]
        total = int(payload.get("total_count", len(items)))
    except (ValueError, KeyError, TypeError) as error:
        raise SearchFailed(f"GitHub's answer cannot be read: {error}") from None
    entries = [e for e in map(_entry, items if isinstance(items, list) else []) if e]
    return Answer(entries, total, response.headers.get("etag"), rate)


def _message(response: httpx.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return f"GitHub answered {response.status_code}" + (f": {message}" if message else "")


def _entry(item: Any) -> dict[str, Any] | None:
    """One repository as it describes itself; one GitHub describes oddly is left out."""
    if not isinstance(item, dict):
        return None
    owner: dict[str, Any] = item["owner"] if isinstance(item.get("owner"), dict) else {}
    license_: dict[str, Any] = item["license"] if isinstance(item.get("license"), dict) else {}
    spdx = license_.get("spdx_id")
    try:
        return {
            "name": str(item["name"]),
            "full_name": str(item["full_name"]),
            "url": str(item["clone_url"]),
            "page_url": str(item["html_url"]),
            "owner": str(owner.get("login") or ""),
            "description": item.get("description"),
            "topics": [str(t) for t in item.get("topics") or []],
            "stars": int(item.get("stargazers_count") or 0),
            "updated_at": _moment(item.get("pushed_at")),
            "license": None if spdx in (None, "NOASSERTION") else str(spdx),
            "archived": bool(item.get("archived", False)),
            "official": str(owner.get("login") or "").lower() == OFFICIAL_OWNER,
        }
    except (KeyError, TypeError, ValueError):
        return None


def _integer(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str) and value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None
