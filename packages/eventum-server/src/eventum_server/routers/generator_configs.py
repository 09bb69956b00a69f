"""`/api/generator-configs`: generator folders under `path.generators_dir` and their files.

Every file path is relative to the generator folder and checked by `confinement.inside`.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import anyio
import yaml
from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from eventum_core.app.application import Application
from eventum_core.app.confinement import generator_folder, inside
from eventum_core.app.renaming import FolderInUse, rename_folder
from eventum_core.errors import UserError
from eventum_server.locations import locate
from eventum_server.routers.common import application

router = APIRouter()
App = Annotated[Application, Depends(application)]


class MoveOrCopy(BaseModel):
    source: str
    destination: str


class Rename(BaseModel):
    new_name: str


def _folder(app: Application, name: str, *, exists: bool = True) -> Path:
    folder = generator_folder(app.settings.path.generators_dir, name)
    if exists and not (folder / app.settings.path.generator_config_filename).is_file():
        raise HTTPException(404, f"generator config '{name}' not found")
    return folder


def _config_file(app: Application, name: str) -> Path:
    return _folder(app, name) / app.settings.path.generator_config_filename


def _write_config(path: Path, body: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8")


@router.get("/")
def list_configs(app: App) -> list[str]:
    root = app.settings.path.generators_dir
    if not root.is_dir():
        return []
    name = app.settings.path.generator_config_filename
    return sorted(p.name for p in root.iterdir() if (p / name).is_file())


_TOKEN = re.compile(r"\$\{[^}]*\}")


def _restore(value: Any, tokens: list[str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"__eventum_token_(\d+)__", lambda m: tokens[int(m[1])], value)
    if isinstance(value, list):
        return [_restore(v, tokens) for v in value]
    if isinstance(value, dict):
        return {_restore(k, tokens): _restore(v, tokens) for k, v in value.items()}
    return value


@router.get("/{name}")
def read_config(name: str, app: App) -> Any:
    """generator.yml as JSON, `${params.x}` / `${secrets.x}` kept as written (not resolved)."""
    tokens: list[str] = []

    def hold(match: re.Match[str]) -> str:
        tokens.append(match[0])
        return f"__eventum_token_{len(tokens) - 1}__"

    text = _TOKEN.sub(hold, _config_file(app, name).read_text(encoding="utf-8"))
    try:
        return _restore(yaml.safe_load(text), tokens)
    except yaml.YAMLError as error:
        raise HTTPException(422, f"generator.yml is not valid YAML: {error}") from None


@router.post("/{name}", status_code=201)
def create_config(name: str, app: App, body: Annotated[dict[str, Any], Body()]) -> dict[str, str]:
    folder = _folder(app, name, exists=False)
    if folder.exists():
        raise HTTPException(409, f"generator config '{name}' already exists")
    folder.mkdir(parents=True)
    _write_config(folder / app.settings.path.generator_config_filename, body)
    return {"name": name}


@router.put("/{name}")
def update_config(name: str, app: App, body: Annotated[dict[str, Any], Body()]) -> dict[str, str]:
    _write_config(_config_file(app, name), body)
    return {"name": name}


@router.delete("/{name}")
def delete_config(name: str, app: App) -> dict[str, bool]:
    shutil.rmtree(_folder(app, name))
    return {"ok": True}


@router.get("/{name}/export")
def export_config(name: str, app: App) -> StreamingResponse:
    """The generator folder as a ZIP archive (`<name>/...`), to import here or elsewhere."""
    from eventum_core.archives import pack

    folder = _folder(app, name)
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by chunks()
    pack(folder, spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while chunk := spool.read(1024 * 1024):
                yield chunk

    disposition = f"attachment; filename*=UTF-8''{quote(name)}.zip"
    return StreamingResponse(
        chunks(), media_type="application/zip", headers={"Content-Disposition": disposition}
    )


@router.post("/{name}/import", status_code=201)
async def import_config(name: str, app: App, request: Request) -> dict[str, str]:
    """A new generator folder from a ZIP archive in the raw body (as `export` makes it)."""
    from eventum_core.archives import unpack

    folder = _folder(app, name, exists=False)
    if folder.exists():
        raise HTTPException(409, f"generator config '{name}' already exists")
    data = await request.body()  # bounded by the body limit
    await anyio.to_thread.run_sync(
        unpack, data, folder, app.settings.path.generator_config_filename
    )
    return {"name": name}


@router.post("/{name}/rename")
def rename_config(name: str, body: Rename, app: App) -> dict[str, str]:
    """Refused while a generator (registered or in startup.yml) uses the folder: its path
    would point nowhere."""
    try:
        rename_folder(app, _folder(app, name), _folder(app, body.new_name, exists=False))
    except FolderInUse as error:
        raise HTTPException(409, f"{error}: remove them first") from None
    return {"name": body.new_name}


@router.get("/{name}/path")
def config_path(name: str, app: App) -> dict[str, str]:
    return {"path": str(_config_file(app, name))}


def _tree(folder: Path, root: Path) -> list[dict[str, Any]]:
    nodes = []
    for entry in sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name)):
        if entry.is_symlink():
            continue  # never followed: it may lead outside the folder
        node: dict[str, Any] = {
            "name": entry.name,
            "path": entry.relative_to(root).as_posix(),
            "is_dir": entry.is_dir(),
        }
        if entry.is_dir():
            node["children"] = _tree(entry, root)
        else:
            node["size"] = entry.stat().st_size
        nodes.append(node)
    return nodes


@router.get("/{name}/file-tree")
def file_tree(name: str, app: App) -> list[dict[str, Any]]:
    folder = _folder(app, name)
    return _tree(folder, folder)


@router.get("/{name}/file/{filepath:path}")
def read_file(name: str, filepath: str, app: App) -> Response:
    target = inside(_folder(app, name), filepath)
    if not target.is_file():
        raise HTTPException(404, f"file '{filepath}' not found")
    return Response(target.read_bytes(), media_type="application/octet-stream")


async def _write_file(
    name: str, filepath: str, app: Application, request: Request, *, create: bool
) -> dict[str, str]:
    target = inside(_folder(app, name), filepath)
    if create and target.exists():
        raise HTTPException(409, f"file '{filepath}' already exists")
    if not create and not target.is_file():
        raise HTTPException(404, f"file '{filepath}' not found")
    content = await request.body()  # bounded by the body limit
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return {"path": filepath}


@router.post("/{name}/file/{filepath:path}", status_code=201)
async def create_file(name: str, filepath: str, app: App, request: Request) -> dict[str, str]:
    """The raw request body becomes the file (any content type)."""
    return await _write_file(name, filepath, app, request, create=True)


@router.put("/{name}/file/{filepath:path}")
async def update_file(name: str, filepath: str, app: App, request: Request) -> dict[str, str]:
    return await _write_file(name, filepath, app, request, create=False)


@router.delete("/{name}/file/{filepath:path}")
def delete_file(name: str, filepath: str, app: App) -> dict[str, bool]:
    folder = _folder(app, name)
    target = inside(folder, filepath)
    if target == folder.resolve():
        raise HTTPException(400, "cannot delete the generator folder itself")
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    else:
        raise HTTPException(404, f"file '{filepath}' not found")
    return {"ok": True}


@router.post("/{name}/file-makedir/{filepath:path}", status_code=201)
def make_dir(name: str, filepath: str, app: App) -> dict[str, str]:
    inside(_folder(app, name), filepath).mkdir(parents=True, exist_ok=True)
    return {"path": filepath}


def _pair(app: Application, name: str, body: MoveOrCopy) -> tuple[Path, Path]:
    folder = _folder(app, name)
    source, destination = inside(folder, body.source), inside(folder, body.destination)
    if not source.exists():
        raise HTTPException(404, f"file '{body.source}' not found")
    if destination.exists():
        raise HTTPException(409, f"file '{body.destination}' already exists")
    destination.parent.mkdir(parents=True, exist_ok=True)
    return source, destination


@router.post("/{name}/file-move")
def move_file(name: str, body: MoveOrCopy, app: App) -> dict[str, str]:
    source, destination = _pair(app, name, body)
    source.rename(destination)
    return {"path": body.destination}


@router.post("/{name}/file-copy")
def copy_file(name: str, body: MoveOrCopy, app: App) -> dict[str, str]:
    source, destination = _pair(app, name, body)
    if source.is_dir():
        shutil.copytree(source, destination, symlinks=True)
    else:
        shutil.copy2(source, destination)
    return {"path": body.destination}


@router.post("/{name}/validate")
def validate(
    name: str, app: App, params: Annotated[dict[str, Any] | None, Body()] = None
) -> dict[str, Any]:
    """Load the generator as `eventum run` would and build its event plugin (templates compile):
    every problem found, with the file and line it is at."""
    from eventum_core.preview import open_event_plugin
    from eventum_server.routers.preview import plan_for

    folder = _folder(app, name)
    try:
        plan = plan_for(app, name, params=params or {})
        open_event_plugin(plan).close()
    except UserError as error:
        return {"ok": False, "errors": locate(str(error), folder)}
    except Exception as error:  # a plugin failing to build is the user's to fix too
        return {"ok": False, "errors": locate(f"{type(error).__name__}: {error}", folder)}
    return {"ok": True, "errors": []}
