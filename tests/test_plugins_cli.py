"""Plugin discovery as a third party sees it: a separately installed distribution found by
entry points, and a broken one that must not break the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def install_fake_distribution(site: Path, name: str, module_source: str, entry_points: str) -> None:
    """A minimal installed distribution: a module plus a .dist-info with entry points."""
    module = name.replace("-", "_")
    (site / f"{module}.py").write_text(module_source)
    info = site / f"{module}-9.9.9.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 9.9.9\n")
    (info / "entry_points.txt").write_text(entry_points)


THIRD_PARTY = """
from typing import ClassVar
from eventum_core import PluginConfig, Produced

class Config(PluginConfig):
    word: str = "hello"

class Shout:
    Config: ClassVar = Config
    def __init__(self, config, context):
        self.word = config.word
    def produce(self, batch):
        return Produced([f"{self.word.upper()} {t.year}" for t in batch.datetimes()])
    def close(self):
        pass
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    install_fake_distribution(
        path,
        "eventum-event-shout",
        THIRD_PARTY,
        "[eventum.events]\nshout = eventum_event_shout:Shout\n",
    )
    install_fake_distribution(
        path,
        "eventum-output-broken",
        "raise ImportError('libfoo.so missing')\n",
        "[eventum.outputs]\nbroken = eventum_output_broken:Broken\n",
    )
    return path


def cli(site: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "eventum_core", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=cwd,
    )


def test_plugins_lists_without_importing(site: Path) -> None:
    result = cli(site, "plugins")
    assert result.returncode == 0, result.stderr
    assert "shout" in result.stdout and "eventum-event-shout" in result.stdout
    assert "broken" in result.stdout and "9.9.9" in result.stdout
    assert "linspace" in result.stdout and "eventum-input-linspace" in result.stdout


def test_plugins_check_reports_the_broken_one(site: Path) -> None:
    result = cli(site, "plugins", "--check")
    assert result.returncode == 1
    assert "BROKEN" in result.stdout
    assert (
        "eventum-output-broken 9.9.9 failed to import: ImportError: libfoo.so missing"
        in result.stdout
    )
    assert "plugin(s) failed to load" in result.stderr


def test_third_party_plugin_runs_and_broken_one_is_harmless(site: Path, tmp_path: Path) -> None:
    (tmp_path / "generator.yml").write_text(
        "input:\n  - static: {count: 2}\nevent:\n  shout: {word: hi}\noutput:\n  - stdout: {}\n"
    )
    result = cli(
        site,
        "generate",
        "--path",
        str(tmp_path / "generator.yml"),
        "--id",
        "x",
        "--live-mode",
        "false",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("HI 20")
    assert "--help" not in result.stderr


def test_a_run_parses_no_distributions_metadata(site: Path, tmp_path: Path) -> None:
    """Distributions' names and versions are for listings and error messages: parsing each
    plugin's METADATA would slow every run's start for nothing."""
    (tmp_path / "generator.yml").write_text(
        "input:\n  - static: {count: 2}\nevent:\n  shout: {}\noutput:\n  - stdout: {}\n"
    )
    code = (
        "import importlib.metadata, sys\n"
        "def refuse(self):\n    raise AssertionError(f'read the METADATA of {self}')\n"
        "importlib.metadata.Distribution.metadata = property(refuse)\n"
        "from eventum_core.cli.app import main\n"
        "sys.argv = ['eventum', 'generate', '--path', sys.argv[1], '--id', 'x',"
        " '--live-mode', 'false']\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "generator.yml")],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("HELLO ") for line in lines)


def test_using_the_broken_plugin_names_its_distribution(site: Path, tmp_path: Path) -> None:
    (tmp_path / "generator.yml").write_text(
        "input:\n  - static: {count: 2}\nevent:\n  shout: {}\noutput:\n  - broken: {}\n"
    )
    result = cli(
        site,
        "generate",
        "--path",
        str(tmp_path / "generator.yml"),
        "--id",
        "x",
        "--live-mode",
        "false",
    )
    assert result.returncode == 2
    assert (
        "output plugin 'broken' from eventum-output-broken 9.9.9 failed to import" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_validate(site: Path, tmp_path: Path) -> None:
    (tmp_path / "generator.yml").write_text(
        "input:\n  - static: {count: 2}\nevent:\n  shout: {}\noutput:\n  - stdout: {formatter: {format: json}}\n"
    )
    result = cli(site, "validate", "--path", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "ok (input: static; event: shout; output: stdout (json))" in result.stdout


LOOSE_OUTPUT = """
from typing import ClassVar
from eventum_core import PluginConfig

class Config(PluginConfig):
    path: str = "out.txt"

class Loose:
    Config: ClassVar = Config
    def __init__(self, config, context):
        pass
    async def open(self):
        pass
    async def write(self, items):
        pass
    async def close(self):
        pass
"""


def test_an_output_config_that_is_not_an_output_config_is_a_clear_error(
    site: Path, tmp_path: Path
) -> None:
    install_fake_distribution(
        site,
        "eventum-output-loose",
        LOOSE_OUTPUT,
        "[eventum.outputs]\nloose = eventum_output_loose:Loose\n",
    )
    (tmp_path / "generator.yml").write_text(
        "input:\n  - static: {count: 2}\nevent:\n  shout: {}\noutput:\n  - loose: {}\n"
    )
    result = cli(
        site,
        "generate",
        "--path",
        str(tmp_path / "generator.yml"),
        "--id",
        "x",
        "--live-mode",
        "false",
    )
    assert result.returncode == 2
    assert (
        "output plugin 'loose' from eventum-output-loose 9.9.9 has a `Config` (Config) that does "
        "not subclass eventum_core.OutputConfig" in result.stderr
    )
    assert "Traceback" not in result.stderr
