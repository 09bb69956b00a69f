"""The generator folder for nodes that do not see it: zipped once by the driver into Ray's object
store, unpacked once per node and content, and loaded from there.

A node that sees the driver's path (the same machine, or a shared filesystem) loads it where it
is. Relative paths in the config are taken from the folder either way, so a relative file
output or dead-letter path on such a node lands in its unpacked copy: give those absolute
paths on a shared filesystem. What a `Sidecar` input leaves in the copy (a world's labels) goes
back to the driver with the segment's result.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 256 << 20  # larger folders are not shipped: the nodes must see them


@dataclass(frozen=True)
class Bundle:
    folder: str  # the generator folder on the driver's machine
    digest: str
    data: bytes


def pack(folder: Path) -> Bundle | None:
    """The folder's files (hidden ones left out) as a zip, None when it is over MAX_BYTES."""
    buffer = io.BytesIO()
    size = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            size += path.stat().st_size
            if size > MAX_BYTES:
                return None
            archive.write(path, relative.as_posix())
    data = buffer.getvalue()
    return Bundle(str(folder), hashlib.sha256(data).hexdigest()[:20], data)


def unpack(bundle: Bundle) -> Path:
    """Where this node has the bundle's files: unpacked on first use, renamed into place whole
    (segments running side by side on one node share one copy)."""
    root = Path(tempfile.gettempdir()) / "eventum-ray" / "generators"
    target = root / bundle.digest
    if target.is_dir():
        return target
    staging = root / f".{bundle.digest}.{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        archive.extractall(staging)
    try:
        os.rename(staging, target)
    except OSError:  # another segment on this node was first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def located(path: str, bundle: Bundle) -> str:
    """`path` (the generator.yml or its folder, absolute on the driver) in this node's copy."""
    return str(unpack(bundle) / Path(path).relative_to(bundle.folder))
