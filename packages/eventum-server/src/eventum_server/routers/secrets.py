"""`/api/secrets`: the keyring's names; one value on request. Keyring calls are slow (Argon2), so
these are plain functions run in the thread pool."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from eventum_core.app.application import Application
from eventum_server.routers.common import application

router = APIRouter()
App = Annotated[Application, Depends(application)]


class SecretValue(BaseModel):
    value: str


@router.get("/")
def list_secrets(app: App) -> list[str]:
    return app.keyring.names()


@router.get("/{name}")
def read_secret(name: str, app: App) -> SecretValue:
    try:
        return SecretValue(value=app.keyring.get(name))
    except KeyError:
        raise HTTPException(404, f"secret '{name}' is missing") from None


@router.put("/{name}")
def write_secret(name: str, body: SecretValue, app: App) -> dict[str, bool]:
    app.keyring.set(name, body.value)
    return {"ok": True}


@router.delete("/{name}")
def delete_secret(name: str, app: App) -> dict[str, bool]:
    try:
        app.keyring.remove(name)
    except KeyError:
        raise HTTPException(404, f"secret '{name}' is missing") from None
    return {"ok": True}
