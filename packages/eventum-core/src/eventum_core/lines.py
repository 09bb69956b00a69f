"""Turning a batch of strings into the bytes a stream output writes in one call."""

from __future__ import annotations

from collections.abc import Sequence


def encode_lines(items: Sequence[str], separator: str, encoding: str) -> tuple[bytes, list[int]]:
    """The items, each followed by `separator`, as one byte string; and the unencodable ones.

    The whole batch is encoded at once; only when that fails is it redone item by item, to leave
    out just the items the codec cannot represent.
    """
    try:
        return separator.join([*items, ""]).encode(encoding), []  # one copy of the text, not two
    except UnicodeEncodeError:
        pass
    parts: list[bytes] = []
    failed: list[int] = []
    for index, item in enumerate(items):
        try:
            parts.append((item + separator).encode(encoding))
        except UnicodeEncodeError:
            failed.append(index)
    return b"".join(parts), failed
