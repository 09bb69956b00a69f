"""Config of the `http` output plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl, model_validator

from eventum_core import FormatterSpec, OutputConfig, ResolvedPath


class HttpOutputConfig(OutputConfig):
    """Send each formatted item as the body of one request to `url`.

    A response with a status other than `success_code` is a failure. `verify` is false by
    default, as in Eventum.
    """

    formatter: FormatterSpec = FormatterSpec(format="json-batch")
    url: HttpUrl
    method: Literal["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    success_code: int = Field(default=201, ge=100)
    headers: dict[str, str] = Field(default_factory=dict)
    username: str | None = None
    password: str | None = None
    connect_timeout: float = Field(default=10, gt=0)
    request_timeout: float = Field(default=300, gt=0)
    verify: bool = False
    ca_cert: ResolvedPath | None = None
    client_cert: ResolvedPath | None = None
    client_cert_key: ResolvedPath | None = None
    proxy_url: HttpUrl | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HttpOutputConfig:
        if (self.client_cert is None) != (self.client_cert_key is None):
            raise ValueError("`client_cert` and `client_cert_key` go together")
        if self.password is not None and self.username is None:
            raise ValueError("`password` needs `username`")
        return self
