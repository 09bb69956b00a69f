"""Config of the `opensearch` output plugin."""

from __future__ import annotations

from pydantic import Field, HttpUrl, model_validator

from eventum_core import FormatterSpec, OutputConfig, ResolvedPath


class OpenSearchOutputConfig(OutputConfig):
    """Index events into `index` through the `_bulk` API of one of `hosts`, in turn.

    `verify` is true by default, as in Eventum 2.8. `max_bulk_size` (not in Eventum) splits a
    large batch into bulk requests of at most that many documents.
    """

    formatter: FormatterSpec = FormatterSpec(format="json")
    hosts: list[HttpUrl] = Field(min_length=1)
    username: str = Field(min_length=1)
    password: str = Field(min_length=1)
    index: str = Field(min_length=1)
    connect_timeout: float = Field(default=10, gt=0)
    request_timeout: float = Field(default=300, gt=0)
    verify: bool = True
    ca_cert: ResolvedPath | None = None
    client_cert: ResolvedPath | None = None
    client_cert_key: ResolvedPath | None = None
    proxy_url: HttpUrl | None = None
    max_bulk_size: int = Field(default=5000, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> OpenSearchOutputConfig:
        if (self.client_cert is None) != (self.client_cert_key is None):
            raise ValueError("`client_cert` and `client_cert_key` go together")
        return self
