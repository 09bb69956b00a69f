"""Who may call the API.

Every route except login, health and the docs depends on `require_user`: HTTP Basic with
`server.auth`, or the `session_id` cookie that login sets (sessions live in memory, as Eventum's).
Which files an endpoint may touch is eventum_core.app.confinement's to say.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading

from fastapi import HTTPException, Request, WebSocket, status

SESSION_COOKIE = "session_id"
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="eventum"'}


class Sessions:
    def __init__(self) -> None:
        self._users: dict[str, str] = {}
        self._lock = threading.Lock()

    def open(self, user: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._users[token] = user
        return token

    def user(self, token: str | None) -> str | None:
        if not token:
            return None
        with self._lock:
            return self._users.get(token)

    def close(self, token: str | None) -> None:
        with self._lock:
            self._users.pop(token or "", None)


def basic_user(header: str | None, user: str, password: str) -> str | None:
    """The user named by a valid `Authorization: Basic` header, else None."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        given_user, _, given_password = (
            base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    ok_user = secrets.compare_digest(given_user.encode(), user.encode())
    ok_password = secrets.compare_digest(given_password.encode(), password.encode())
    return given_user if ok_user and ok_password else None


def _authenticate(connection: Request | WebSocket) -> str | None:
    state = connection.app.state
    auth = state.application.settings.server.auth
    return basic_user(
        connection.headers.get("authorization"), auth.user, auth.password
    ) or state.sessions.user(connection.cookies.get(SESSION_COOKIE))


def require_user(request: Request) -> str:
    """The caller's user name, else 401. Studio's own requests (`X-Requested-With`) get no Basic
    challenge, so the browser shows the login page instead of its password dialog."""
    user = _authenticate(request)
    if user is None:
        challenge = None if request.headers.get("x-requested-with") else _CHALLENGE
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "authentication required", challenge)
    return user


async def websocket_user(websocket: WebSocket) -> str | None:
    """The user of a WebSocket handshake; closes it (policy violation) when unauthenticated."""
    user = _authenticate(websocket)
    if user is None:
        await websocket.close(code=1008)
    return user
