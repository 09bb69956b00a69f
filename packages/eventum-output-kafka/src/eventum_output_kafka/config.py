"""Config of the `kafka` output plugin: Eventum's fields and defaults, checked together."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from eventum_core import Encoding, ExistingFile, FormatterSpec, OutputConfig

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
Compression = Literal["gzip", "snappy", "lz4", "zstd"]


class KafkaOutputConfig(OutputConfig):
    """Produce every event as one record of `topic`; the aiokafka tunables keep their names."""

    formatter: FormatterSpec = FormatterSpec(format="json")

    bootstrap_servers: list[str] = Field(min_length=1)
    topic: str = Field(min_length=1)
    key: str | None = None
    encoding: Encoding = "utf-8"
    client_id: str | None = None
    acks: Literal[0, 1, -1] = 1
    compression_type: Compression | None = None

    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_plain_username: str | None = None
    sasl_plain_password: str | None = None
    sasl_kerberos_service_name: str = "kafka"
    sasl_kerberos_domain_name: str | None = None
    ssl_cafile: ExistingFile | None = None
    ssl_certfile: ExistingFile | None = None
    ssl_keyfile: ExistingFile | None = None

    metadata_max_age_ms: int = Field(default=300_000, ge=0)
    request_timeout_ms: int = Field(default=40_000, ge=1)
    connections_max_idle_ms: int = Field(default=540_000, ge=1)
    max_batch_size: int = Field(default=16_384, ge=1)
    max_request_size: int = Field(default=1_048_576, ge=1)
    linger_ms: int = Field(default=0, ge=0)
    retry_backoff_ms: int = Field(default=100, ge=0)
    enable_idempotence: bool = False
    transactional_id: str | None = None
    transaction_timeout_ms: int = Field(default=60_000, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.sasl_plain_username is None) != (self.sasl_plain_password is None):
            raise ValueError("sasl_plain_username and sasl_plain_password go together")
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        if self.uses_sasl and self.sasl_plain_username is None:
            raise ValueError(
                f"security_protocol {self.security_protocol} needs sasl_plain_username "
                "and sasl_plain_password"
            )
        if not self.uses_sasl and self.sasl_plain_username is not None:
            raise ValueError("SASL credentials need security_protocol SASL_PLAINTEXT or SASL_SSL")
        if not self.uses_ssl and (self.ssl_cafile or self.ssl_certfile):
            raise ValueError("ssl_* files need security_protocol SSL or SASL_SSL")
        if (self.enable_idempotence or self.transactional_id) and self.acks != -1:
            raise ValueError("enable_idempotence and transactional_id need acks: -1")
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_ssl(self) -> bool:
        return self.security_protocol.endswith("SSL")
