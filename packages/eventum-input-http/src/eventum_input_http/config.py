"""The `http` input's config, and the body of its `POST /generate` request."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from eventum_core import InputConfig


class HttpConfig(InputConfig):
    """Where to listen, and how many accepted requests may wait for the generator."""

    host: str = Field(default="0.0.0.0", min_length=1)
    port: int = Field(ge=1, le=65535)
    max_pending_requests: int = Field(default=100, ge=1)


class GenerateRequest(BaseModel):
    """`POST /generate` body: how many timestamps (all equal to the moment of the request)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(ge=1)
