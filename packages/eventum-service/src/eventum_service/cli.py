"""`eventum service`: Eventum 2.2's command, contributed through the `eventum.cli` group.

There is no start or stop: once installed, systemd runs the service (`systemctl enable --now
eventum`). Mistakes (no systemd, a folder that cannot be written) are one `Error: ...` line and
exit status 1, as in Eventum.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from eventum_core.cli.errors import print_error
from eventum_core.errors import UserError
from eventum_service.layout import (
    STARTUP_TEXT,
    Layout,
    ServiceError,
    check_can_create,
    default_config_dir,
    default_log_dir,
    purge_refusal,
    read_log_dir,
    settings_text,
    user_mode,
    write_new,
)
from eventum_service.systemd import (
    SERVICE,
    UNIT_DIR_ENV,
    Systemctl,
    config_file_of,
    eventum_executable,
    unit_file,
    unit_text,
)

app = typer.Typer(
    name="service",
    help="Run Eventum (`eventum run`) as a systemd service: install, uninstall, status.",
    epilog=f"{UNIT_DIR_ENV}=DIR puts the unit file in DIR instead of systemd's folder.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

UserFlag = Annotated[
    bool,
    typer.Option("--user", help="A user service, even when run as root (always when not root)."),
]


def _fail(message: str) -> NoReturn:
    print_error(message)
    raise typer.Exit(1)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except UserError as error:
        _fail(str(error))
    except OSError as error:
        where = error.filename if error.filename is not None else "a file"
        _fail(f"cannot write {where}: {error.strerror or error}")


def _flag(user: bool) -> str:
    return " --user" if user else ""


def _folder(given: Path | None, question: str, default: Path, *, no_ask: bool) -> Path:
    if given is not None:
        return given
    if no_ask:
        return default
    return Path(typer.prompt(question, default=str(default)))


@app.command()
def install(
    config_dir: Annotated[
        Path | None,
        typer.Option(
            "--config-dir",
            help="eventum.yml, startup.yml, generators/ and the keyring "
            "(default /etc/eventum; user service: ~/.config/eventum).",
        ),
    ] = None,
    log_dir: Annotated[
        Path | None,
        typer.Option(
            "--log-dir",
            help="Log files (default /var/log/eventum; user service: ~/.local/state/eventum/logs).",
        ),
    ] = None,
    user: UserFlag = False,
    no_ask: Annotated[
        bool, typer.Option("--no-ask", help="Ask nothing: default folders, no confirmation.")
    ] = False,
) -> None:
    """Write the settings and a systemd unit running `eventum run -c <config-dir>/eventum.yml`.

    Files that exist are kept.
    """
    as_user = user_mode(user)
    with _errors():
        systemctl = Systemctl(user=as_user)
        unit = unit_file(as_user)
        if unit.exists():
            raise ServiceError(
                f"already installed: {unit} exists (`eventum service uninstall{_flag(as_user)}` "
                "removes it)"
            )
        layout = Layout.at(
            _folder(
                config_dir,
                "Configuration directory",
                default_config_dir(as_user),
                no_ask=no_ask,
            ),
            _folder(log_dir, "Log directory", default_log_dir(as_user), no_ask=no_ask),
        )
        executable = eventum_executable()
        for folder in (*layout.folders, unit.parent):
            check_can_create(folder, system=not as_user)

        typer.echo()
        typer.echo("Eventum service will be installed with the following settings:")
        typer.echo(f"  Mode:       {'user' if as_user else 'system'}")
        typer.echo(f"  Binary:     {executable}")
        typer.echo(f"  Config dir: {layout.config_dir}")
        typer.echo(f"  Log dir:    {layout.log_dir}")
        typer.echo(f"  Unit file:  {unit}")
        typer.echo()
        if not no_ask and not typer.confirm("Proceed?", default=True):
            typer.echo("Aborted.")
            raise typer.Exit(0)

        _write_files(layout)
        unit.parent.mkdir(parents=True, exist_ok=True)
        write_new(unit, unit_text(executable, layout.config_file, user=as_user))
        typer.echo(f"Installed {unit}")
        problem = systemctl.daemon_reload()
        if problem is not None:
            raise ServiceError(f"{problem} ({unit} is written: run it again once systemd runs)")
        typer.echo("Reloaded systemd daemon")

    sudo = "" if as_user else "sudo "
    typer.echo()
    typer.echo("Done! Next steps:")
    typer.echo(f"  1. Review configuration:    cat {layout.config_file}")
    typer.echo(f"  2. Start now and at boot:   {sudo}{systemctl.shown('enable', '--now', SERVICE)}")
    typer.echo(f"  3. Check status:            eventum service status{_flag(as_user)}")
    if as_user:
        typer.echo('  A user service stops at logout unless: loginctl enable-linger "$USER"')


def _write_files(layout: Layout) -> None:
    for folder in layout.folders:
        if not folder.is_dir():
            folder.mkdir(parents=True)
            typer.echo(f"Created {folder}/")
    if write_new(layout.config_file, settings_text(layout), private=True):
        typer.echo(f"Generated {layout.config_file}")
    else:
        typer.echo(f"Existing configuration preserved at {layout.config_file}")
    if write_new(layout.startup_file, STARTUP_TEXT):
        typer.echo(f"Generated {layout.startup_file}")
    else:
        typer.echo(f"Existing startup file preserved at {layout.startup_file}")
    # An empty file is a keyring with no secrets yet: `eventum-keyring set` initialises it.
    if write_new(layout.cryptfile, "", private=True):
        typer.echo(f"Created {layout.cryptfile}")
    else:
        typer.echo(f"Existing keyring preserved at {layout.cryptfile}")


@app.command()
def uninstall(
    user: UserFlag = False,
    purge: Annotated[
        bool,
        typer.Option(
            "--purge", help="Also remove the configuration and log folders (each one asked)."
        ),
    ] = False,
) -> None:
    """Stop and disable the service and remove its unit; configuration is kept unless --purge."""
    as_user = user_mode(user)
    with _errors():
        systemctl = Systemctl(user=as_user)
        unit = unit_file(as_user)
        if not unit.exists():
            raise ServiceError(f"the service is not installed ({unit} does not exist)")
        check_can_create(unit.parent, system=not as_user)
        config_file = config_file_of(unit)
        config_dir = config_file.parent if config_file is not None else None
        log_dir = _installed_log_dir(config_file) if purge else None

        typer.echo(f"Stopping {SERVICE} service...")
        systemctl.run("stop", SERVICE)
        typer.echo(f"Disabling {SERVICE} service...")
        systemctl.run("disable", SERVICE)
        unit.unlink()
        typer.echo(f"Removed {unit}")
        problem = systemctl.daemon_reload()
        if problem is None:
            typer.echo("Reloaded systemd daemon")
        else:
            typer.echo(f"Warning: {problem}", err=True)

        if purge:
            _purge("configuration directory", config_dir)
            _purge("log directory", log_dir)

    typer.echo()
    typer.echo("Done!")
    if not purge and config_dir is not None:
        typer.echo(f"Configuration files preserved in {config_dir}/")
        typer.echo()
        typer.echo("To also remove configuration and logs, run:")
        sudo = "" if as_user else "sudo "
        typer.echo(f"  {sudo}eventum service uninstall{_flag(as_user)} --purge")


def _installed_log_dir(config_file: Path | None) -> Path | None:
    """Read before the unit goes: a broken eventum.yml costs the log folder's purge, no more."""
    if config_file is None:
        return None
    try:
        return read_log_dir(config_file)
    except UserError as error:
        first = str(error).splitlines()[0]
        typer.echo(f"Warning: the log directory will not be removed: {first}", err=True)
        return None


def _purge(what: str, folder: Path | None) -> None:
    if folder is None or not folder.exists():
        return
    refusal = purge_refusal(folder)
    if refusal is not None:
        typer.echo(f"Warning: {refusal}", err=True)
        return
    if typer.confirm(f"Remove {what} {folder}/ and all its contents?", default=False):
        shutil.rmtree(folder)
        typer.echo(f"Removed {folder}/")


@app.command()
def status(user: UserFlag = False) -> None:
    """Show whether the service is installed, running and enabled."""
    as_user = user_mode(user)
    with _errors():
        systemctl = Systemctl(user=as_user)
        unit = unit_file(as_user)
        if not unit.exists():
            typer.echo(f"Service:  {typer.style('not installed', fg='red')}")
            return
        active = systemctl.query("is-active")
        enabled = systemctl.query("is-enabled")
    typer.echo(f"Service:  {typer.style('installed', fg='green')}")
    typer.echo(f"Unit:     {unit}")
    typer.echo(f"State:    {typer.style(active, fg='green' if active == 'active' else 'yellow')}")
    is_enabled = enabled == "enabled"
    enabled_text = "yes" if is_enabled else f"no ({enabled})"
    typer.echo(f"Enabled:  {typer.style(enabled_text, fg='green' if is_enabled else 'yellow')}")
    config_file = config_file_of(unit)
    if config_file is not None:
        typer.echo(f"Config:   {config_file}")
    typer.echo(f"Journal:  journalctl{_flag(as_user)} -u {SERVICE}")
