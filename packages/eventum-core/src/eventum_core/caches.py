"""What plugins keep on disk between runs (compiled templates, a world's Faker values): where,
and how it is written so that a process reading it never sees half a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def cache_directory(name: str) -> Path | None:
    """`$EVENTUM_CACHE_DIR/<name>` (set empty: no cache), else the user's cache folder's
    `eventum/<name>`."""
    configured = os.environ.get("EVENTUM_CACHE_DIR")
    if configured is not None:
        return Path(configured) / name if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "eventum" / name


def write_whole(path: Path, data: bytes) -> bool:
    """Write `data` to `path` whole or not at all (the folder made private if missing);
    False when it could not be written: a cache that cannot be written is simply not kept."""
    temporary = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False
    return True
