"""Config of the `tcp` output plugin."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from eventum_core import Encoding, ExistingFile, OutputConfig


class TcpOutputConfig(OutputConfig):
    """Stream events to `host:port`, each followed by `separator`, optionally over TLS."""

    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    encoding: Encoding = "utf_8"
    separator: str = "\n"
    connect_timeout: float = Field(default=10, gt=0)
    ssl: bool = False
    verify: bool = True
    ca_cert: ExistingFile | None = None
    client_cert: ExistingFile | None = None
    client_cert_key: ExistingFile | None = None

    @model_validator(mode="after")
    def _tls_fields_need_ssl(self) -> Self:
        if (self.client_cert is None) != (self.client_cert_key is None):
            raise ValueError("client_cert and client_cert_key go together")
        if not self.ssl and (self.ca_cert or self.client_cert or not self.verify):
            raise ValueError("verify, ca_cert, client_cert and client_cert_key need ssl: true")
        return self
