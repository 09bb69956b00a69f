"""Turning a batch of strings into the bytes a stream output writes in one call."""

from __future__ import annotations

import codecs
from collections.abc import Sequence

_CHUNK = 256  # items encoded at a time: the batch's bytes are built without its text joined


def encode_lines(
    items: Sequence[str], separator: str, encoding: str
) -> tuple[bytearray, list[int]]:
    """The items, each followed by `separator`, as one buffer; and the unencodable ones.

    The buffer is sized for text of one byte a character and filled a few hundred items at a
    time, so a batch is held as its items and their bytes, never also as one joined text (for
    a 10,000-event batch of large events that copy is tens of megabytes). One incremental encoder
    per batch, so an encoding with a byte-order mark writes it once. Only when a chunk cannot be
    encoded is it redone item by item, to leave out just the items the codec cannot represent.
    """
    encoder = codecs.getincrementalencoder(encoding)()
    buffer = bytearray(sum(map(len, items)) + len(items) * len(separator))
    end = 0
    failed: list[int] = []
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        try:
            data = encoder.encode(separator.join([*chunk, ""]))
        except UnicodeEncodeError:
            data = b"".join(_encodable(encoder, chunk, separator, start, failed))
        buffer[end : end + len(data)] = data  # in place while it fits, growing the buffer if not
        end += len(data)
    del buffer[end:]
    return buffer, failed


def _encodable(
    encoder: codecs.IncrementalEncoder,
    chunk: Sequence[str],
    separator: str,
    offset: int,
    failed: list[int],
) -> list[bytes]:
    parts: list[bytes] = []
    for index, item in enumerate(chunk, offset):
        try:
            parts.append(encoder.encode(item + separator))
        except UnicodeEncodeError:
            failed.append(index)
    return parts
