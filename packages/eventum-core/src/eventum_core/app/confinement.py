"""Generator names and file paths that clients send (REST API, MCP), kept inside their folders.

A generator is a folder directly under `path.generators_dir`, named by one plain path component;
its files are named by paths relative to that folder. Nothing that resolves outside is handed
out: no absolute path, no `..`, no `~`, no symlink leading out. Refusals are `UserError`s, which
each transport answers its own way (400 for the REST API, a tool error for MCP).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from eventum_core.errors import UserError

_NAME_MAX = 255  # bytes in one path component on the file systems we run on


class InvalidGeneratorName(UserError):
    """A generator name that is not one plain folder name."""


class PathOutsideFolder(UserError):
    """A path that is not relative, or resolves outside the folder it must stay in."""


def _unusable(component: str) -> bool:
    """A name no file system takes: a NUL byte, or longer than a component may be."""
    return "\0" in component or len(component.encode("utf-8", "surrogatepass")) > _NAME_MAX


def _within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def folder_name(name: str) -> str:
    """`name` when it is one plain folder name: not empty, `.` or `..`, no separator, no `~`
    in front, no surrounding spaces, nothing a file system refuses."""
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or name.startswith("~")
        or name != name.strip()
        or _unusable(name)
    ):
        raise InvalidGeneratorName(f"invalid generator name {name[:80]!r}: expected a folder name")
    return name


def generator_folder(generators_dir: Path, name: str) -> Path:
    """The folder of generator `name`, refused when it is a symlink leading out."""
    folder = generators_dir / folder_name(name)
    if not _within(folder.resolve(), generators_dir.resolve()):
        raise PathOutsideFolder(f"generator {name!r} is outside the generators folder")
    return folder


def inside(folder: Path, relative: str) -> Path:
    """`folder / relative` resolved, when it stays inside `folder` (`\\` read as `/`)."""
    pure = PurePosixPath(relative.replace("\\", "/"))
    if any(_unusable(part) for part in pure.parts):
        raise PathOutsideFolder(f"{relative[:80]!r}: the path has an unusable name")
    if not relative or pure.is_absolute() or relative.startswith("~"):
        raise PathOutsideFolder(f"{relative!r}: expected a path relative to the generator folder")
    if ".." in pure.parts:
        raise PathOutsideFolder(f"{relative!r}: '..' is not allowed in a path")
    root = folder.resolve()
    target = (root / pure).resolve()
    if not _within(target, root):
        raise PathOutsideFolder(f"{relative!r} resolves outside the generator folder")
    return target
