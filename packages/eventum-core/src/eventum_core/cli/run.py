"""`eventum run`: application mode (every generator of startup.yml, and the server if installed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def run(
    config: Annotated[
        Path,
        typer.Option(
            "-c", "--config", exists=True, dir_okay=False, help="The eventum.yml settings file."
        ),
    ],
) -> None:
    """Run the generators of startup.yml (and the API when eventum-server is installed)."""
    from eventum_core.app.main import run_application

    raise typer.Exit(run_application(config))
