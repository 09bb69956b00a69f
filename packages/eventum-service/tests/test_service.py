"""`eventum service install / uninstall / status` in user mode, through the real CLI."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from eventum_core.app.settings import load_settings
from eventum_core.app.startup import load_startup
from eventum_core.testing.net import free_port
from eventum_core.testing.system import system_program

if TYPE_CHECKING:
    from conftest import Machine, Service  # fixture types only

EVENTUM = Path(sys.executable).parent / "eventum"
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}


def unit_values(unit: Path, key: str) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in unit.read_text().splitlines()
        if line.startswith(key + "=")
    ]


def exec_start(unit: Path) -> list[str]:
    (command,) = unit_values(unit, "ExecStart")
    return shlex.split(command)


def verify_unit(unit: Path) -> None:
    """systemd's own check of the unit: syntax, specifiers, and that ExecStart is executable."""
    result = subprocess.run(
        [system_program("systemd-analyze", "systemd"), "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert str(unit) not in result.stderr, result.stderr  # warnings name the file


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """A mistake is reported as exactly one line, with exit status 1 and no traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


def test_install_writes_settings_startup_keyring_generators_and_the_unit(
    machine: Machine, service: Service
) -> None:
    result = service("install", "--no-ask")
    assert result.returncode == 0, result.stderr

    settings = load_settings(machine.config_dir / "eventum.yml")
    assert settings.path.logs == machine.log_dir
    assert settings.path.startup == machine.config_dir / "startup.yml"
    assert settings.path.generators_dir == machine.config_dir / "generators"
    assert settings.path.keyring_cryptfile == machine.config_dir / "cryptfile.cfg"
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 9474)
    assert load_startup(settings) == []
    assert settings.path.generators_dir.is_dir()
    assert machine.log_dir.is_dir()
    assert settings.path.keyring_cryptfile.read_bytes() == b""
    for private in (machine.config_dir / "eventum.yml", settings.path.keyring_cryptfile):
        assert private.stat().st_mode & 0o077 == 0, private

    assert exec_start(machine.unit) == [
        str(EVENTUM),
        "run",
        "-c",
        str(machine.config_dir / "eventum.yml"),
    ]
    assert unit_values(machine.unit, "ExecReload") == ["/bin/kill -HUP $MAINPID"]
    assert unit_values(machine.unit, "Restart") == ["on-failure"]
    assert unit_values(machine.unit, "WantedBy") == ["default.target"]
    verify_unit(machine.unit)

    assert machine.calls() == ["--user daemon-reload"]
    assert "systemctl --user enable --now eventum" in result.stdout
    assert "Mode:       user" in result.stdout


def test_the_installed_unit_runs_eventum_which_starts_and_stops_cleanly(
    machine: Machine, service: Service, tmp_path: Path
) -> None:
    """ExecStart is run as systemd would run it. The one change to the written eventum.yml is a
    free port, so the API of an installed eventum-server cannot collide with anything."""
    config_dir = tmp_path / "my eventum"  # a space: ExecStart must quote the path
    assert service("install", "--no-ask", "--config-dir", str(config_dir)).returncode == 0
    command = exec_start(machine.unit)
    assert command[-1] == str(config_dir / "eventum.yml")
    verify_unit(machine.unit)

    port = free_port()
    settings_file = config_dir / "eventum.yml"
    text = settings_file.read_text()
    assert "server.port: 9474\n" in text
    settings_file.write_text(text.replace("server.port: 9474\n", f"server.port: {port}\n"))

    main_log = machine.log_dir / "main.log"
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (main_log.exists() and "eventum is starting" in main_log.read_text()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "eventum did not start"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "eventum stopped" in main_log.read_text()


def test_existing_files_are_kept(machine: Machine, service: Service) -> None:
    machine.config_dir.mkdir(parents=True)
    kept = {
        "eventum.yml": "# mine\n",
        "startup.yml": "- id: mine\n  path: mine/generator.yml\n",
        "cryptfile.cfg": "[keyring_2Dsetting]\n",
    }
    for name, text in kept.items():
        (machine.config_dir / name).write_text(text)

    result = service("install", "--no-ask")

    assert result.returncode == 0, result.stderr
    for name, text in kept.items():
        assert (machine.config_dir / name).read_text() == text, name
    assert f"Existing configuration preserved at {machine.config_dir / 'eventum.yml'}" in (
        result.stdout
    )
    assert "Existing startup file preserved" in result.stdout
    assert "Existing keyring preserved" in result.stdout
    assert machine.unit.exists()


def test_install_asks_for_the_folders_and_to_proceed(
    machine: Machine, service: Service, tmp_path: Path
) -> None:
    config_dir, log_dir = tmp_path / "cfg", tmp_path / "logs"

    result = service("install", input=f"{config_dir}\n{log_dir}\ny\n")

    assert result.returncode == 0, result.stderr
    assert f"Configuration directory [{machine.config_dir}]:" in result.stdout
    assert f"Log directory [{machine.log_dir}]:" in result.stdout
    assert "Proceed? [Y/n]:" in result.stdout
    assert load_settings(config_dir / "eventum.yml").path.logs == log_dir
    assert exec_start(machine.unit)[-1] == str(config_dir / "eventum.yml")


def test_install_answered_no_writes_nothing(machine: Machine, service: Service) -> None:
    result = service("install", input="\n\nn\n")

    assert result.returncode == 0, result.stderr
    assert "Aborted." in result.stdout
    assert not machine.unit.exists()
    assert not machine.config_dir.exists()
    assert machine.calls() == []


def test_an_installed_service_is_not_installed_again(machine: Machine, service: Service) -> None:
    assert service("install", "--no-ask").returncode == 0
    unit_text = machine.unit.read_text()

    line = error_line(service("install", "--no-ask", "--config-dir", str(machine.home / "other")))

    assert str(machine.unit) in line
    assert "eventum service uninstall --user" in line
    assert machine.unit.read_text() == unit_text
    assert not (machine.home / "other").exists()


def test_uninstall_stops_disables_and_removes_the_unit_and_keeps_the_files(
    machine: Machine, service: Service
) -> None:
    assert service("install", "--no-ask").returncode == 0

    result = service("uninstall")

    assert result.returncode == 0, result.stderr
    assert not machine.unit.exists()
    assert machine.calls()[1:] == [
        "--user stop eventum",
        "--user disable eventum",
        "--user daemon-reload",
    ]
    assert (machine.config_dir / "eventum.yml").exists()
    assert machine.log_dir.is_dir()
    assert f"Configuration files preserved in {machine.config_dir}/" in result.stdout
    assert "eventum service uninstall --user --purge" in result.stdout


@pytest.mark.parametrize(
    ("answers", "config_kept", "logs_kept"),
    [("y\ny\n", False, False), ("n\nn\n", True, True), ("y\nn\n", False, True)],
)
def test_uninstall_purge_asks_for_each_folder(
    machine: Machine, service: Service, answers: str, config_kept: bool, logs_kept: bool
) -> None:
    assert service("install", "--no-ask").returncode == 0

    result = service("uninstall", "--purge", input=answers)

    assert result.returncode == 0, result.stderr
    assert not machine.unit.exists()
    assert f"Remove configuration directory {machine.config_dir}/" in result.stdout
    assert f"Remove log directory {machine.log_dir}/" in result.stdout
    assert machine.config_dir.exists() == config_kept
    assert machine.log_dir.exists() == logs_kept


def test_purge_never_removes_the_home_folder(machine: Machine, service: Service) -> None:
    assert service("install", "--no-ask", "--log-dir", str(machine.home)).returncode == 0

    result = service("uninstall", "--purge", input="y\ny\n")

    assert result.returncode == 0, result.stderr
    assert not machine.config_dir.exists()
    assert machine.home.is_dir()
    assert f"Warning: {machine.home} holds {machine.home}: not removed" in result.stderr


def test_uninstall_without_a_unit_says_it_is_not_installed(
    machine: Machine, service: Service
) -> None:
    line = error_line(service("uninstall"))

    assert "not installed" in line
    assert str(machine.unit) in line
    assert machine.calls() == []


def test_status_reports_what_systemd_says(
    machine: Machine, service: Service, tmp_path: Path
) -> None:
    not_installed = service("status")
    assert not_installed.returncode == 0, not_installed.stderr
    assert not_installed.stdout == "Service:  not installed\n"

    config_dir = tmp_path / "cfg 100% $HOME"  # specifiers and variables are escaped in the unit
    assert service("install", "--no-ask", "--config-dir", str(config_dir)).returncode == 0
    verify_unit(machine.unit)
    result = service("status")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Service:  installed",
        f"Unit:     {machine.unit}",
        "State:    active",
        "Enabled:  yes",
        f"Config:   {config_dir / 'eventum.yml'}",
        "Journal:  journalctl --user -u eventum",
    ]
    assert machine.calls()[1:] == ["--user is-active eventum", "--user is-enabled eventum"]


@pytest.mark.parametrize("command", ["install", "uninstall", "status"])
def test_no_systemctl_is_one_clear_line(
    machine: Machine, service: Service, tmp_path: Path, command: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    options = ["--no-ask"] if command == "install" else []
    line = error_line(service(command, *options, env={"PATH": str(empty)}))

    assert "systemctl is not on PATH" in line
    assert not machine.config_dir.exists()
    assert not machine.unit.exists()


def test_systemd_not_running_is_one_clear_line_after_the_files_are_written(
    machine: Machine, service: Service
) -> None:
    down = {"SYSTEMCTL_FAILS": "daemon-reload"}

    line = error_line(service("install", "--no-ask", env=down))

    assert line == (
        "Error: `systemctl --user daemon-reload` failed: Failed to connect to bus: No medium "
        f"found ({machine.unit} is written: run it again once systemd runs)"
    )
    assert machine.unit.exists()
    assert (machine.config_dir / "eventum.yml").exists()

    removed = service("uninstall", env=down)
    assert removed.returncode == 0, removed.stderr
    assert removed.stderr.startswith("Warning: `systemctl --user daemon-reload` failed")
    assert not machine.unit.exists()


def test_a_folder_that_cannot_be_created_is_named(
    machine: Machine, service: Service, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    line = error_line(service("install", "--no-ask", "--log-dir", str(blocker / "logs")))

    assert line == f"Error: cannot create {blocker / 'logs'}: {blocker} is not a folder"
    assert not machine.config_dir.exists()
    assert not machine.unit.exists()
    assert machine.calls() == []


def test_the_unit_folder_can_be_redirected(
    machine: Machine, service: Service, tmp_path: Path
) -> None:
    staging = tmp_path / "staging" / "units"
    env = {"EVENTUM_SYSTEMD_UNIT_DIR": str(staging)}

    assert service("install", "--no-ask", env=env).returncode == 0
    assert (staging / "eventum.service").exists()
    assert not machine.unit.exists()
    assert "Service:  installed" in service("status", env=env).stdout
    assert service("uninstall", env=env).returncode == 0
    assert not (staging / "eventum.service").exists()


def test_without_user_the_mode_follows_the_effective_user(
    machine: Machine, service: Service, tmp_path: Path
) -> None:
    """Root gets a system service (multi-user.target, plain systemctl), anyone else a user one;
    every path is redirected so that neither touches /etc or /var."""
    system = os.geteuid() == 0
    units, config_dir = tmp_path / "units", tmp_path / "etc-eventum"
    env = {"EVENTUM_SYSTEMD_UNIT_DIR": str(units)}
    folders = ["--config-dir", str(config_dir), "--log-dir", str(tmp_path / "var-log-eventum")]

    result = service("install", "--no-ask", *folders, env=env, user=False)

    assert result.returncode == 0, result.stderr
    unit = units / "eventum.service"
    assert unit_values(unit, "WantedBy") == ["multi-user.target" if system else "default.target"]
    assert f"Mode:       {'system' if system else 'user'}" in result.stdout
    enable = "sudo systemctl enable --now" if system else "systemctl --user enable --now"
    assert f"{enable} eventum" in result.stdout
    assert machine.calls() == ["daemon-reload" if system else "--user daemon-reload"]
    verify_unit(unit)


def test_help_lists_the_commands_and_the_unit_folder_variable() -> None:
    root = subprocess.run(
        [sys.executable, "-m", "eventum_core", "--help"], capture_output=True, text=True, env=ENV
    )
    assert "service (eventum-service)" in root.stdout
    result = subprocess.run(
        [sys.executable, "-m", "eventum_core", "service", "--help"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert result.returncode == 0, result.stderr
    for word in ("install", "uninstall", "status", "EVENTUM_SYSTEMD_UNIT_DIR"):
        assert word in result.stdout
    install = subprocess.run(
        [sys.executable, "-m", "eventum_core", "service", "install", "--help"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    for default in ("/etc/eventum", "~/.config/eventum", "/var/log/eventum"):
        assert default in install.stdout  # square brackets would be eaten as rich markup


def test_loading_the_command_imports_no_pydantic() -> None:
    """`eventum service --help` stays quick: the settings model loads only for --purge."""
    code = "import sys, eventum_service.cli; print('pydantic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "False\n", result.stderr
