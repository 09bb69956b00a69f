"""The `eventum` command. Importing this module loads typer and nothing heavy: each command
imports what it needs when it runs, and plugin commands (`eventum.cli` entry points) are imported
only when invoked."""

from __future__ import annotations

import importlib
import sys
from functools import cache
from importlib.metadata import EntryPoint, entry_points

import typer

from eventum_core import gc_pause
from eventum_core.__about__ import __version__
from eventum_core.cli import generate, inspect, run
from eventum_core.cli.errors import print_error

CLI_GROUP = "eventum.cli"
CORE_COMMANDS = frozenset({"generate", "validate", "plugins", "run"})


@cache
def _plugin_commands() -> dict[str, EntryPoint]:
    """Plugin commands by name (one scan of entry points, nothing imported)."""
    return {ep.name: ep for ep in entry_points(group=CLI_GROUP) if ep.name not in CORE_COMMANDS}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eventum-core {__version__} (Python {sys.version.split()[0]})")
        raise typer.Exit()


def build_app(root_help: bool = True) -> typer.Typer:
    """The command tree; `root_help` False when `eventum`'s own help cannot be shown (a command
    was named), which spares reading the plugin commands' distribution names."""
    epilog = None
    if root_help and (plugin_commands := _plugin_commands()):
        epilog = "Commands from plugins: " + ", ".join(
            f"{name} ({ep.dist.name if ep.dist else '?'})"
            for name, ep in sorted(plugin_commands.items())
        )
    app = typer.Typer(
        name="eventum",
        help="Eventum: generate realistic events and deliver them anywhere.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        epilog=epilog,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ) -> None:
        """Eventum: generate realistic events and deliver them anywhere."""

    app.command("run", no_args_is_help=True)(run.run)
    app.command("generate", no_args_is_help=True)(generate.generate)
    app.command("validate")(inspect.validate)
    app.command("plugins")(inspect.plugins)
    return app


def _run_plugin_command(name: str, args: list[str]) -> None:
    ep = _plugin_commands()[name]
    try:
        sub = ep.load()
    except Exception as error:
        dist = f"{ep.dist.name} {ep.dist.version}" if ep.dist else "?"
        print_error(f"command '{name}' from {dist} failed to load: {error}")
        raise SystemExit(1) from None
    if not isinstance(sub, typer.Typer):
        print_error(f"command '{name}' is not a typer app ({ep.value})")
        raise SystemExit(1)
    gc_pause.resume()  # a plugin command may run for long
    sub(args=args, prog_name=f"eventum {name}")


def main() -> None:
    gc_pause.pause()
    args = sys.argv[1:]
    if args and not args[0].startswith("-") and args[0] in _plugin_commands():
        _run_plugin_command(args[0], args[1:])
        return
    # typer >= 0.20 carries its own copy of click: take the exception classes from wherever
    # typer's BadParameter lives.
    errors = importlib.import_module(typer.BadParameter.__module__)
    command = typer.main.get_command(build_app(root_help=not args or args[0].startswith("-")))
    try:
        code = command.main(args=args, prog_name="eventum", standalone_mode=False)
    except errors.UsageError as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            error.show()
            raise SystemExit(error.exit_code) from None
        # One line, like every other user mistake (typer would draw a multi-line box).
        where = error.ctx.command_path if error.ctx is not None else "eventum"
        message = error.format_message().rstrip(".")
        print_error(f"{message} (see '{where} --help')")
        raise SystemExit(error.exit_code) from None
    except errors.ClickException as error:
        print_error(error.format_message())
        raise SystemExit(error.exit_code) from None
    except typer.Abort:
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)
