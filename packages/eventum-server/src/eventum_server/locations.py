"""Where a configuration error is: core's messages, split into file, line and reason for Studio.

Core writes `PATH:LINE[:COLUMN]: field: reason` (one per line) and template errors as
`template 'alias': syntax error in FILE, line N: reason`; a generator's render errors are logged
with `file` and `line`. Studio marks each at its line in the editor.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_PLACE = re.compile(r"^(?P<file>/[^:\n]*)(?::(?P<line>\d+))?(?::(?P<col>\d+))?: ")
_TEMPLATE = re.compile(r"in (?P<file>[^,\n]+), line (?P<line>\d+): ")


def relative(file: str | None, folder: Path | None) -> str | None:
    """`file` relative to the generator folder when it is inside it (POSIX separators)."""
    if file is None or folder is None:
        return file
    path = Path(file)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return file


def locate(message: str, folder: Path | None) -> list[dict[str, Any]]:
    """One entry per line of `message`: `file` (relative to `folder` when inside), `line`,
    `column` (None when unknown) and `message` (the reason, without the place)."""
    found = []
    for text in filter(None, (line.strip() for line in message.splitlines())):
        entry: dict[str, Any] = {"file": None, "line": None, "column": None, "message": text}
        place = _PLACE.match(text)
        if place:
            entry.update(
                file=relative(place["file"], folder),
                line=int(place["line"]) if place["line"] else None,
                column=int(place["col"]) if place["col"] else None,
                message=text[place.end() :],
            )
        template = _TEMPLATE.search(entry["message"])
        if template:
            entry.update(
                file=relative(template["file"].strip(), folder), line=int(template["line"])
            )
        found.append(entry)
    return found
