"""`eventum mcp`: contributed to the `eventum` command through the `eventum.cli` group.

Importing this module loads typer only; the SDK and the server load when the command runs.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="mcp",
    help="Serve Eventum's authoring tools to an AI assistant over MCP (stdio).",
    add_completion=False,
    pretty_exceptions_enable=False,
)


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


@app.command()
def mcp(
    generators_dir: Annotated[
        Path,
        typer.Option(
            "--generators-dir",
            exists=True,
            file_okay=False,
            resolve_path=True,
            help="The folder of generators (one folder each) the tools work in.",
        ),
    ],
    config_filename: Annotated[
        str,
        typer.Option("--config-filename", help="The config file inside each generator folder."),
    ] = "generator.yml",
    read_only: Annotated[
        bool,
        typer.Option(
            "--read-only", help="Refuse every tool that writes (files, deletes, run_generator)."
        ),
    ] = False,
    log_level: Annotated[
        LogLevel,
        typer.Option("--log-level", case_sensitive=False, help="Least level logged to stderr."),
    ] = LogLevel.WARNING,
    keyring_cryptfile: Annotated[
        Path | None,
        typer.Option(
            "--keyring-cryptfile",
            exists=True,
            dir_okay=False,
            resolve_path=True,
            help="Keyring for ${secrets.x} (password: EVENTUM_KEYRING_PASSWORD).",
        ),
    ] = None,
) -> None:
    """Run the MCP server over stdio: stdout carries JSON-RPC only, logs go to stderr."""
    import logging

    from eventum_core import logging as eventum_logging
    from eventum_core.keyring_secrets import Keyring
    from eventum_mcp.server import build_server
    from eventum_mcp.stdio import serve
    from eventum_mcp.workspace import Workspace

    tracebacks = 1 if log_level is LogLevel.DEBUG else 0  # as -v does for `eventum generate`
    eventum_logging.configure(tracebacks, level=logging.getLevelName(log_level.value))
    workspace = Workspace(generators_dir, config_filename, read_only)
    keyring = Keyring(keyring_cryptfile) if keyring_cryptfile is not None else None
    server = build_server(workspace, keyring=keyring, log_level=log_level.value)
    eventum_logging.get_logger(component="mcp").info(
        "serving MCP over stdio", generators_dir=str(generators_dir), read_only=read_only
    )
    serve(server)
