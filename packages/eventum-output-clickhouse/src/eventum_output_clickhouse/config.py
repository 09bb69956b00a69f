"""Config of the `clickhouse` output plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from eventum_core import FormatterSpec, OutputConfig, ResolvedPath

# ClickHouse formats that can be used for INSERT (text and binary input formats).
InputFormat = Literal[
    "TabSeparated",
    "TabSeparatedRaw",
    "TabSeparatedWithNames",
    "TabSeparatedWithNamesAndTypes",
    "TabSeparatedRawWithNames",
    "TabSeparatedRawWithNamesAndTypes",
    "TSV",
    "TSVRaw",
    "TSVWithNames",
    "TSVWithNamesAndTypes",
    "TSVRawWithNames",
    "TSVRawWithNamesAndTypes",
    "Template",
    "TemplateIgnoreSpaces",
    "CSV",
    "CSVWithNames",
    "CSVWithNamesAndTypes",
    "CustomSeparated",
    "CustomSeparatedWithNames",
    "CustomSeparatedWithNamesAndTypes",
    "CustomSeparatedIgnoreSpaces",
    "CustomSeparatedIgnoreSpacesWithNames",
    "CustomSeparatedIgnoreSpacesWithNamesAndTypes",
    "Values",
    "JSON",
    "JSONAsString",
    "JSONAsObject",
    "JSONStrings",
    "JSONColumns",
    "JSONColumnsWithMetadata",
    "JSONCompact",
    "JSONCompactColumns",
    "JSONEachRow",
    "JSONStringsEachRow",
    "JSONCompactEachRow",
    "JSONCompactEachRowWithNames",
    "JSONCompactEachRowWithNamesAndTypes",
    "JSONCompactStringsEachRow",
    "JSONCompactStringsEachRowWithNames",
    "JSONCompactStringsEachRowWithNamesAndTypes",
    "JSONObjectEachRow",
    "JSONLines",
    "NDJSON",
    "BSONEachRow",
    "TSKV",
    "Protobuf",
    "ProtobufSingle",
    "ProtobufList",
    "Avro",
    "AvroConfluent",
    "Parquet",
    "Arrow",
    "ArrowStream",
    "ORC",
    "One",
    "Npy",
    "RowBinary",
    "RowBinaryWithNames",
    "RowBinaryWithNamesAndTypes",
    "RowBinaryWithDefaults",
    "Native",
    "CapnProto",
    "LineAsString",
    "Regexp",
    "RawBLOB",
    "MsgPack",
    "MySQLDump",
    "DWARF",
    "Form",
]

_DSN_SCHEMES = (
    "chdb",
    "clickhouse",
    "clickhouses",
    "clickhousedb",
    "clickhouse+http",
    "clickhouse+https",
    "clickhouse+native",
    "clickhouse+asynch",
    "http",
    "https",
)


class ClickHouseOutputConfig(OutputConfig):
    """Insert events into a ClickHouse table with one `INSERT ... FORMAT` per batch.

    `dsn` takes precedence over the connection fields it sets; `chdb:///path` or `chdb://memory`
    selects an embedded ClickHouse engine (chDB) in this process, with no server. `host` is
    required unless `dsn` is set.
    """

    formatter: FormatterSpec = FormatterSpec(format="json")
    host: str | None = Field(default=None, min_length=1)
    port: int = Field(default=8123, ge=1, le=65535)
    protocol: Literal["http", "https"] = "http"
    database: str = Field(default="default", min_length=1)
    table: str = Field(min_length=1)
    username: str = "default"
    password: str = ""
    dsn: str | None = None
    connect_timeout: int = Field(default=10, ge=1)
    request_timeout: int = Field(default=300, ge=1)
    client_name: str | None = None
    verify: bool = True
    ca_cert: ResolvedPath | None = None
    client_cert: ResolvedPath | None = None
    client_cert_key: ResolvedPath | None = None
    server_host_name: str | None = None
    tls_mode: Literal["proxy", "strict", "mutual"] | None = None
    proxy_url: HttpUrl | None = None
    input_format: InputFormat = "JSONEachRow"
    header: str = ""
    footer: str = ""
    separator: str = "\n"
    pool_maxsize: int = Field(default=32, ge=1)

    @field_validator("dsn")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is not None and value.split("://", 1)[0].lower() not in _DSN_SCHEMES:
            raise ValueError(f"dsn scheme must be one of {', '.join(_DSN_SCHEMES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ClickHouseOutputConfig:
        if self.host is None and self.dsn is None:
            raise ValueError("set `host` (or a `dsn`)")
        if (self.client_cert is None) != (self.client_cert_key is None):
            raise ValueError("`client_cert` and `client_cert_key` go together")
        return self

    @property
    def embedded(self) -> bool:
        """Whether the dsn names an in-process chDB engine rather than a server."""
        return self.dsn is not None and self.dsn.lower().startswith("chdb:")
