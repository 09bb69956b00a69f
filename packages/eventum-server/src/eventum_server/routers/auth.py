"""`/api/auth`: log in with HTTP Basic to get a session cookie; who am I; log out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from eventum_server.security import SESSION_COOKIE, require_user

router = APIRouter()


class UserInfo(BaseModel):
    username: str


@router.post("/login")
def login(
    request: Request, response: Response, user: Annotated[str, Depends(require_user)]
) -> UserInfo:
    token = request.app.state.sessions.open(user)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return UserInfo(username=user)


@router.get("/me")
def me(user: Annotated[str, Depends(require_user)]) -> UserInfo:
    return UserInfo(username=user)


@router.post("/logout")
def logout(
    request: Request, response: Response, _user: Annotated[str, Depends(require_user)]
) -> dict[str, bool]:
    request.app.state.sessions.close(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE)
    return {"ok": True}
