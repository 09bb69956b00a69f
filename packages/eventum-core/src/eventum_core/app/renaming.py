"""Renames that touch a running instance and its startup.yml together (Eventum 2.8): who uses a
generator folder (its rename is refused while anyone does), and a generator's id."""

from __future__ import annotations

from pathlib import Path

from eventum_core.app.application import (
    Application,
    GeneratorBusy,
    GeneratorExists,
    GeneratorNotFound,
)
from eventum_core.app.startup import entry_from, read_raw_startup, write_raw_startup
from eventum_core.errors import UserError


def generators_using(application: Application, folder: Path) -> list[str]:
    """Generators (registered or in startup.yml) whose config is in `folder`."""
    root = folder.resolve()
    settings = application.settings
    paths = {g.parameters.id: g.parameters.path for g in application.generators()}
    for item in read_raw_startup(settings):
        try:
            entry = entry_from(item, settings, source=Path("<startup>"))
        except UserError:
            continue  # a broken entry points nowhere
        paths.setdefault(entry.id, entry.parameters.path)
    return sorted(i for i, path in paths.items() if path.resolve().is_relative_to(root))


class FolderInUse(GeneratorBusy):
    """A generator folder that generators use: renamed, their paths would point nowhere."""

    def __init__(self, folder: Path, users: list[str]) -> None:
        super().__init__(f"generator folder '{folder.name}' is used by {', '.join(users)}")
        self.users = users


def rename_folder(application: Application, folder: Path, destination: Path) -> None:
    """Rename a generator folder; refused when `destination` exists or while a generator
    (registered or in startup.yml) uses the folder."""
    if destination.exists():
        raise GeneratorExists(f"generator config '{destination.name}' already exists")
    users = generators_using(application, folder)
    if users:
        raise FolderInUse(folder, users)
    folder.rename(destination)


def _check_id(generator_id: str) -> None:
    """An id names the generator's log file: one plain name, as a generator folder's is."""
    if (
        not generator_id
        or generator_id in (".", "..")
        or generator_id != generator_id.strip()
        or any(c in generator_id for c in "/\\\0")
    ):
        raise UserError(f"invalid generator id {generator_id!r}: expected a plain name")


def rename_generator(application: Application, generator_id: str, new_id: str) -> None:
    """Give a generator a new id in the instance and in startup.yml; its folder, parameters
    and scenarios stay. Refused while it runs, or when `new_id` is taken by either."""
    _check_id(new_id)
    settings = application.settings
    items = read_raw_startup(settings)
    startup_ids = [str(item.get("id")) for item in items]
    registered = {g.id: g for g in application.generators()}
    if generator_id not in registered and generator_id not in startup_ids:
        raise GeneratorNotFound(f"generator '{generator_id}' not found")
    if new_id in registered or new_id in startup_ids:
        raise GeneratorExists(f"generator '{new_id}' already exists")
    generator = registered.get(generator_id)
    if generator is not None:
        if generator.active:
            raise GeneratorBusy(f"generator '{generator_id}' is running: stop it first")
        application.remove(generator_id)
        application.add(generator.parameters.model_copy(update={"id": new_id}))
    if generator_id in startup_ids:
        for item in items:
            if str(item.get("id")) == generator_id:
                item["id"] = new_id
        try:
            write_raw_startup(settings, items)
        except OSError:
            if generator is not None:  # the instance and startup.yml stay in step
                application.remove(new_id)
                application.add(generator.parameters)
            raise
