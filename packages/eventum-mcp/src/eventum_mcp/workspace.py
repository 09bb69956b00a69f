"""The generators folder the server may touch, and nothing outside it.

A generator is a folder directly under `--generators-dir` holding the config file. Every name and
relative path an assistant sends is checked by eventum_core.app.confinement, as the REST API's
are: no absolute paths, no `..`, and no symlink that resolves outside the generator folder. Only
text files of the kinds a generator is made of can be read or written (as in Eventum: a `.py`
file would be code the `script` plugin runs).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eventum_core.app.confinement import generator_folder, inside
from eventum_mcp.errors import ToolFailure

if TYPE_CHECKING:
    from eventum_mcp.tools import ToolMaker

EDITABLE_SUFFIXES = frozenset({".yml", ".yaml", ".jinja", ".csv", ".json"})
MAX_READ_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Workspace:
    generators_dir: Path
    config_filename: str = "generator.yml"
    read_only: bool = False
    read_only_because: str = "--read-only"  # what made it read-only, for the refusal

    def __post_init__(self) -> None:
        object.__setattr__(self, "generators_dir", self.generators_dir.resolve())

    def refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ToolFailure(
                f"the server is read-only ({self.read_only_because}): writes are disabled"
            )

    def generators(self) -> list[str]:
        """Folders directly under the generators folder that hold a config file."""
        root = self.generators_dir
        if not root.is_dir():
            return []
        return sorted(
            p.name
            for p in root.iterdir()
            if p.is_dir() and not p.is_symlink() and (p / self.config_filename).is_file()
        )

    def generator_dir(self, name: str, *, exists: bool = True) -> Path:
        """The folder of generator `name`, which must be one plain folder name."""
        folder = generator_folder(self.generators_dir, name)
        if exists and not folder.is_dir():
            raise ToolFailure(f"generator {name!r} not found")
        return folder

    def config_file(self, name: str) -> Path:
        path = self.generator_dir(name) / self.config_filename
        if not path.is_file():
            raise ToolFailure(f"generator {name!r} has no {self.config_filename}")
        return path

    def file(self, name: str, relative_path: str, *, exists: bool = True) -> Path:
        """A file of generator `name`; the path must stay inside its folder once resolved."""
        target = inside(self.generator_dir(name, exists=exists), relative_path)
        if target.suffix not in EDITABLE_SUFFIXES:
            allowed = ", ".join(sorted(EDITABLE_SUFFIXES))
            raise ToolFailure(f"{relative_path!r}: only {allowed} files can be used here")
        if exists and not target.is_file():
            raise ToolFailure(f"file {relative_path!r} not found in generator {name!r}")
        return target

    def files(self, name: str) -> list[str]:
        """The generator's editable files, relative, without following symlinks."""
        folder = self.generator_dir(name)
        found = []
        for path in _walk(folder):
            if path.suffix in EDITABLE_SUFFIXES:
                found.append(path.relative_to(folder).as_posix())
        return sorted(found)

    def read(self, name: str, relative_path: str) -> str:
        path = self.file(name, relative_path)
        size = path.stat().st_size
        if size > MAX_READ_BYTES:
            raise ToolFailure(
                f"{relative_path!r} is {size} bytes, more than {MAX_READ_BYTES} can be read here"
            )
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ToolFailure(f"{relative_path!r} is not UTF-8 text") from None

    def write(self, name: str, relative_path: str, content: str) -> None:
        self.refuse_if_read_only()
        path = self.file(name, relative_path, exists=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")

    def delete_file(self, name: str, relative_path: str) -> None:
        self.refuse_if_read_only()
        self.file(name, relative_path).unlink()

    def delete_generator(self, name: str) -> None:
        self.refuse_if_read_only()
        shutil.rmtree(self.generator_dir(name))


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            continue  # never followed: it may lead outside the folder
        if entry.is_dir():
            found.extend(_walk(entry))
        elif entry.is_file():
            found.append(entry)
    return found


def register(tool: ToolMaker, workspace: Workspace) -> None:
    """The tools that list, read, write and delete generators' files."""

    @tool()
    def list_generators() -> list[str]:
        """Saved generators: folders of the generators folder that hold a config file."""
        return workspace.generators()

    @tool()
    def list_generator_files(name: str) -> list[str]:
        """A generator's .yml, .yaml, .jinja, .csv and .json files, relative to its folder."""
        return workspace.files(name)

    @tool()
    def read_generator_file(name: str, relative_path: str) -> str:
        """The text of a file in a generator's folder (e.g. `templates/event.jinja`)."""
        return workspace.read(name, relative_path)

    @tool(read_only=False)
    def write_generator_file(name: str, relative_path: str, content: str) -> dict[str, str]:
        """Create or replace a file in a generator's folder (the folder is created for a new
        generator). The config file is `generator.yml` unless the server was started with
        another --config-filename. Only .yml, .yaml, .jinja, .csv and .json files."""
        workspace.write(name, relative_path, content)
        return {"written": relative_path}

    @tool(read_only=False, destructive=True)
    def delete_generator_file(name: str, relative_path: str) -> dict[str, str]:
        """Delete one file of a generator."""
        workspace.delete_file(name, relative_path)
        return {"deleted": relative_path}

    @tool(read_only=False, destructive=True)
    def delete_generator(name: str) -> dict[str, str]:
        """Delete a generator's whole folder."""
        workspace.delete_generator(name)
        return {"deleted": name}
