"""A generator folder as a ZIP archive and back: to share a generator, or move it between
instances (the server's export and import, and the MCP tools). Unpacking trusts nothing in the
archive: names stay inside the new folder, links are refused, and the sizes it declares are
capped before anything is written."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from eventum_core.errors import UserError

UNPACKED_MAX_BYTES = 1 << 30  # what one imported generator may unpack to
UNPACKED_MAX_FILES = 10_000


class ArchiveError(UserError):
    """An archive that is not a generator, or would write outside its folder."""


@contextmanager
def staged_folder(destination: Path) -> Iterator[Path]:
    """A fresh folder beside `destination` to write a generator into, renamed to `destination`
    when the block ends without an error and removed otherwise: never half a generator."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        yield staging
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def pack(folder: Path, into: IO[bytes], *, exclude: frozenset[str] = frozenset()) -> None:
    """Every regular file under `folder`, named `<folder name>/<relative path>`, except the top
    level entries named in `exclude`. Symbolic links are left out, as in the file tree: they
    may lead outside the folder."""
    with zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED) as archive:
        for parent, dirs, files in os.walk(folder):
            here = Path(parent)
            top = here == folder
            dirs[:] = sorted(
                d for d in dirs if not (here / d).is_symlink() and not (top and d in exclude)
            )
            for name in sorted(files):
                path = here / name
                if (top and name in exclude) or path.is_symlink() or not path.is_file():
                    continue
                archive.write(path, (folder.name / path.relative_to(folder)).as_posix())


def _refuse(reason: str) -> ArchiveError:
    return ArchiveError(f"cannot import the archive: {reason}")


def _members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Each file with its path inside the generator folder; one top folder shared by every
    name (as `pack` writes) is dropped."""
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > UNPACKED_MAX_FILES:
        raise _refuse(f"more than {UNPACKED_MAX_FILES} files")
    if sum(i.file_size for i in infos) > UNPACKED_MAX_BYTES:
        raise _refuse(f"it unpacks to more than {UNPACKED_MAX_BYTES} bytes")
    paths = []
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or "\0" in info.filename:
            raise _refuse(f"'{info.filename[:200]}' would land outside the generator folder")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _refuse(f"'{info.filename[:200]}' is a symbolic link")
        paths.append(path)
    tops = {p.parts[0] for p in paths}
    if len(tops) == 1 and all(len(p.parts) > 1 for p in paths):
        paths = [PurePosixPath(*p.parts[1:]) for p in paths]
    return list(zip(infos, paths, strict=True))


def unpack(data: bytes, folder: Path, config_filename: Path) -> int:
    """Create `folder` from a ZIP archive holding a generator (its config file at the top, or in
    one top folder); the number of files written. Written beside `folder` first, then renamed:
    never half a generator."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse("it is not a ZIP archive") from None
    with archive:
        members = _members(archive)
        if not any(path == PurePosixPath(config_filename.name) for _, path in members):
            raise _refuse(f"no {config_filename.name} at its top (or in its one top folder)")
        try:
            with staged_folder(folder) as staging:
                for info, path in members:
                    target = staging / path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(info) as source, target.open("wb") as sink:
                        shutil.copyfileobj(source, sink)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise _refuse(f"{type(error).__name__}: {error}") from None
    return len(members)
