"""Every `eventum.cli` entry point installed loads and is a typer app (lazy import strings rot)."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer


def test_every_cli_entry_point_loads() -> None:
    eps = list(entry_points(group="eventum.cli"))
    assert eps, "eventum-server contributes `eventum server`"
    for ep in eps:
        assert isinstance(ep.load(), typer.Typer), ep


def test_plugin_command_runs_through_eventum(eventum) -> None:
    result = eventum("server", "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: eventum server" in result.stdout


def test_root_help_lists_plugin_commands(eventum) -> None:
    result = eventum("--help")
    assert result.returncode == 0
    assert "server (eventum-server)" in result.stdout
