"""ZIP archives made in a test: generator folders to import, and the hostile shapes (links,
names leading outside) an import must refuse."""

from __future__ import annotations

import io
import stat
import zipfile


def zip_bytes(files: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    """An archive of `files` (name -> content), plus entries that are symbolic links to
    /etc/passwd under the names in `links`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()
