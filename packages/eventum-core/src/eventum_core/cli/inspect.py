"""`eventum plugins` and `eventum validate`: look at what is installed and at a generator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eventum_core.cli import values
from eventum_core.cli.errors import print_error


def plugins(
    check: Annotated[
        bool, typer.Option("--check", help="Import every plugin and report broken ones.")
    ] = False,
) -> None:
    """List installed plugins by kind, with their distribution and version."""
    from eventum_core.discovery import Registry, group_by_kind

    registry = Registry()
    broken = 0
    rows = registry.check() if check else [(info, None) for info in registry.infos()]
    for kind, infos in group_by_kind(info for info, _ in rows).items():
        typer.echo(f"{kind}s:")
        for info in infos:
            problem = next(p for i, p in rows if i is info)
            status = ""
            if check:
                status = "  ok" if problem is None else f"  BROKEN: {problem}"
                broken += problem is not None
            typer.echo(f"  {info.name:<22} {info.distribution:<30} {info.version}{status}")
    if broken:
        print_error(f"{broken} plugin(s) failed to load")
        raise typer.Exit(1)


def validate(
    path: Annotated[Path, typer.Option("--path", help="The generator.yml (or its folder).")],
    params: Annotated[
        str | None, typer.Option("--params", metavar="JSON", help="Values for ${params.x}.")
    ] = None,
    timezone: Annotated[str, typer.Option("--timezone")] = "UTC",
    id: Annotated[
        str | None,
        typer.Option("--id", help="Generator id (default: its folder's name), as in startup.yml."),
    ] = None,
) -> None:
    """Load and check a generator (plugins, their configs, the files they reference) without running it."""
    from eventum_core.cli.session import EXIT_USAGE, parameters_from
    from eventum_core.config.generator import load_plan
    from eventum_core.discovery import Registry
    from eventum_core.errors import UserError
    from eventum_core.preview import check_plan

    try:
        parameters = parameters_from(
            {
                "id": id or (path.parent if path.suffix in (".yml", ".yaml") else path).name,
                "path": path,
                "live_mode": False,
                "timezone": timezone,
                "params": values.json_object("--params", params),
            }
        )
        plan = load_plan(parameters, registry=Registry())
        check_plan(plan)
    except (UserError, values.BadValue) as error:
        print_error(str(error))
        raise typer.Exit(EXIT_USAGE) from None
    inputs = ", ".join(s.name for s in plan.inputs)
    outputs = ", ".join(f"{o.plugin.name} ({o.formatter.name})" for o in plan.outputs)
    typer.echo(f"{plan.source}: ok (input: {inputs}; event: {plan.event.name}; output: {outputs})")
