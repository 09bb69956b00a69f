"""`eventum server`: contributed to the `eventum` command through the `eventum.cli` group."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="server",
    help="The Eventum API server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def openapi(
    config: Annotated[
        Path, typer.Option("-c", "--config", exists=True, dir_okay=False, help="eventum.yml")
    ],
) -> None:
    """Print the OpenAPI schema of the API as JSON."""
    from eventum_core.app.application import Application
    from eventum_server.app import create_app

    typer.echo(json.dumps(create_app(Application.from_config(config)).openapi(), indent=2))


@app.command()
def serve(
    config: Annotated[
        Path, typer.Option("-c", "--config", exists=True, dir_okay=False, help="eventum.yml")
    ],
) -> None:
    """Run the application with the API (the same as `eventum run` with the API enabled)."""
    from eventum_core.app.main import run_application

    raise typer.Exit(run_application(config))
