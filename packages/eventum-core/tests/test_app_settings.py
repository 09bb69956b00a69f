"""eventum.yml and startup.yml loading for `eventum run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventum_core.app import settings as settings_file
from eventum_core.app.settings import load_settings
from eventum_core.app.startup import load_startup
from eventum_core.errors import ConfigError


def write_settings(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "eventum.yml"
    path.write_text(
        "server: {}\n"
        "generation: {}\n"
        "log: {}\n"
        f"path.logs: {tmp_path / 'logs'}\n"
        f"path.startup: {tmp_path / 'startup.yml'}\n"
        f"path.generators_dir: {tmp_path / 'gens'}\n"
        f"path.keyring_cryptfile: {tmp_path / 'kr.cfg'}\n" + extra
    )
    return path


def test_written_settings_read_back_the_same(tmp_path: Path) -> None:
    """What the API and MCP write to eventum.yml is what the next start reads."""
    path = write_settings(tmp_path, "server.mcp: {enabled: true, allowed_hosts: ['h:*']}\n")
    loaded = load_settings(path)
    settings_file.write_settings(path, loaded)
    assert load_settings(path) == loaded
    assert [p.name for p in tmp_path.iterdir()] == ["eventum.yml"]  # the temporary file renamed


def test_defaults_match_eventum(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path))
    assert settings.server.host == "0.0.0.0"
    assert settings.server.port == 9474
    assert settings.server.api_enabled
    assert settings.server.ui_enabled
    assert settings.server.auth.user == settings.server.auth.password == "eventum"
    assert settings.log.level == "info"
    assert settings.log.format == "plain"
    assert settings.log.max_bytes == 10485760
    assert settings.log.backups == 5
    assert settings.generation.batch.size == 10000
    assert settings.generation.batch.delay == 1.0
    assert settings.generation.queue.max_event_bytes == 256 * 1024 * 1024
    assert settings.path.generator_config_filename == Path("generator.yml")


def test_both_spellings_of_server_switches(tmp_path: Path) -> None:
    path = tmp_path / "eventum.yml"
    text = write_settings(tmp_path).read_text().replace("server: {}", "server.api.enabled: false")
    path.write_text(text + "server.ui_enabled: false\nserver.ssl.enabled: false\n")
    settings = load_settings(path)
    assert not settings.server.api_enabled
    assert not settings.server.ui_enabled
    assert not settings.server.enabled
    path.write_text(path.read_text() + "server.mcp.enabled: true\n")
    assert load_settings(path).server.enabled  # MCP over HTTP alone still needs the server


def test_dotted_keys_at_depth_and_errors_name_the_field(tmp_path: Path) -> None:
    path = write_settings(tmp_path)
    path.write_text(path.read_text().replace("log: {}", "log:\n  rotation.x: 1"))
    with pytest.raises(ConfigError, match=r"log\.rotation: unknown field"):
        load_settings(path)
    path.write_text(write_settings(tmp_path).read_text().replace(str(tmp_path / "logs"), "logs"))
    with pytest.raises(ConfigError, match="absolute"):
        load_settings(path)
    path.write_text("server: {}\n")
    with pytest.raises(ConfigError, match="generation"):
        load_settings(path)


def test_startup_entries_merge_over_generation_defaults(tmp_path: Path) -> None:
    (tmp_path / "gens" / "web").mkdir(parents=True)
    (tmp_path / "gens" / "web" / "generator.yml").write_text("{}")
    settings = load_settings(write_settings(tmp_path))
    (tmp_path / "startup.yml").write_text(
        "- id: a\n  path: web\n  batch.size: 50000\n  params: {x.y: 1}\n  autostart: false\n"
        "- id: b\n  path: web/generator.yml\n  live_mode: false\n  timezone: Asia/Tokyo\n"
        "  queue.max_event_bytes: null\n"
        f"- id: c\n  path: {tmp_path / 'gens' / 'web'}\n"
    )
    a, b, c = load_startup(settings)
    assert a.parameters.batch.size == 50000
    assert a.parameters.batch.delay == 1.0
    assert a.parameters.params == {"x": {"y": 1}}
    assert not a.autostart
    assert b.autostart
    assert a.parameters.path == b.parameters.path == tmp_path / "gens" / "web" / "generator.yml"
    assert c.parameters.path == a.parameters.path
    assert not b.parameters.live_mode
    assert b.parameters.timezone == "Asia/Tokyo"
    assert b.parameters.queue.max_event_bytes is None  # Eventum 2.8: no bound
    assert a.parameters.queue.max_event_bytes == 256 * 1024 * 1024


def test_startup_errors(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path))
    (tmp_path / "startup.yml").write_text("- id: a\n  path: x\n- id: a\n  path: y\n")
    with pytest.raises(ConfigError, match="used twice"):
        load_startup(settings)
    (tmp_path / "startup.yml").write_text("- id: a\n  path: x\n  batch.size: 0\n")
    with pytest.raises(ConfigError, match=r"batch\.size"):
        load_startup(settings)
    (tmp_path / "startup.yml").write_text("[]\n")
    assert load_startup(settings) == []
