"""eventum.yml: Eventum's `Settings` (`server`, `generation`, `log`, `path`), with its defaults.

Both spellings of the server switches are read: 2.0's `server.ui_enabled` / `server.api_enabled`
and 2.8's `server.ui.enabled` / `server.api.enabled`; the model keeps the flat pair.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from eventum_core.config.generation import GenerationSettings
from eventum_core.config.locations import LineIndex, describe
from eventum_core.config.yaml_source import load_yaml_file
from eventum_core.errors import ConfigError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _absolute(value: Path | None) -> Path | None:
    if value is not None and not value.is_absolute():
        raise ValueError(f"must be an absolute path (got {str(value)!r})")
    return value


class SSLSettings(_Model):
    enabled: bool = False
    verify_mode: Literal["none", "optional", "required"] | None = None
    ca_cert: Path | None = None
    cert: Path | None = None
    cert_key: Path | None = None

    _paths = field_validator("ca_cert", "cert", "cert_key")(_absolute)

    @model_validator(mode="after")
    def _cert_pair(self) -> SSLSettings:
        if (self.cert is None) != (self.cert_key is None):
            raise ValueError("cert and cert_key go together")
        if self.enabled and self.cert is None:
            raise ValueError("ssl.enabled needs cert and cert_key")
        return self


class AuthSettings(_Model):
    user: str = Field(default="eventum", min_length=1)
    password: str = Field(default="eventum", min_length=1)


class MCPSettings(_Model):
    enabled: bool = False
    allow_write: bool = False
    path: str = Field(default="/mcp", pattern=r"^/.*[^/]$|^/$")
    allowed_hosts: list[str] = []


class ServerSettings(_Model):
    ui_enabled: bool = True
    api_enabled: bool = True
    host: str = "0.0.0.0"
    port: int = Field(default=9474, ge=0, le=65535)
    ssl: SSLSettings = SSLSettings()
    auth: AuthSettings = AuthSettings()
    mcp: MCPSettings = MCPSettings()
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)

    @model_validator(mode="before")
    @classmethod
    def _nested_switches(cls, data: Any) -> Any:
        """2.8 writes `ui: {enabled: x}` / `api: {enabled: x}`; keep one flat form."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name in ("ui", "api"):
            nested = data.pop(name, None)
            if nested is None:
                continue
            if not isinstance(nested, dict) or set(nested) - {"enabled"}:
                raise ValueError(f"{name}: expected a mapping with `enabled`")
            if "enabled" in nested:
                if f"{name}_enabled" in data and data[f"{name}_enabled"] != nested["enabled"]:
                    raise ValueError(f"{name}.enabled and {name}_enabled disagree")
                data[f"{name}_enabled"] = nested["enabled"]
        return data

    @property
    def enabled(self) -> bool:
        """Whether `eventum run` serves anything: the API, Studio or MCP over HTTP."""
        return self.api_enabled or self.ui_enabled or self.mcp.enabled


LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class LogSettings(_Model):
    level: LogLevel = "info"
    format: Literal["plain", "json"] = "plain"
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    backups: int = Field(default=5, ge=1)
    third_party_level: LogLevel = "warning"


class PathSettings(_Model):
    logs: Path
    startup: Path
    generators_dir: Path
    keyring_cryptfile: Path
    generator_config_filename: Path = Path("generator.yml")
    repositories: Path | None = None

    _paths = field_validator(
        "logs", "startup", "generators_dir", "keyring_cryptfile", "repositories"
    )(_absolute)

    @field_validator("generator_config_filename")
    @classmethod
    def _bare_yaml_name(cls, value: Path) -> Path:
        if value.name != str(value) or value.suffix not in (".yml", ".yaml"):
            raise ValueError("must be a bare file name ending in .yml or .yaml")
        return value


class Settings(_Model):
    server: ServerSettings
    generation: GenerationSettings
    log: LogSettings
    path: PathSettings


def validate_settings(data: Any, *, source: Path, text: str | None = None) -> Settings:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with server, generation, log and path")
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            "\n".join(describe(error, source=source, lines=LineIndex(text or "")))
        ) from None


def load_settings(path: Path) -> Settings:
    """Read eventum.yml (dotted keys at any depth); `ConfigError` names the file and the field."""
    path = path.absolute()
    data, text = load_yaml_file(path, what="settings file")
    return validate_settings(data, source=path, text=text)


def write_settings(path: Path, settings: Settings) -> None:
    """Replace eventum.yml atomically (a temporary file renamed over it); a running instance
    reads it again on restart, as in Eventum."""
    text = yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
