"""Compiled templates, and what the plugin reads from their syntax trees, kept on disk between
runs as Python keeps `.pyc` files.

Parsing and compiling Jinja is most of a realistic generator's start (23 templates of
cloud-aws-cloudtrail: about half a second, in every run and every spawned process), while the
templates rarely change between runs. An entry is found by a digest of everything that shapes
it: the source, the template's name, Jinja's and Python's versions, the environment's options
and this package's code generator. A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

import jinja2

from eventum_core import write_whole

T = TypeVar("T")

_FORMAT = b"eventum-template-cache 1"
_SHAPING_SOURCES = ("fast.py", "rendering.py", "counters.py", "code_cache.py")
"""This package's files that decide the code Jinja makes (the generator, the environment) and
what the plugin reads from syntax trees (facts, counters)."""


@cache  # read once per process, not once per plugin instance (event workers, previews)
def _package_salt() -> bytes:
    digest = hashlib.sha256(_FORMAT)
    digest.update(jinja2.__version__.encode())
    digest.update(importlib.util.MAGIC_NUMBER)
    here = Path(__file__).parent
    for name in _SHAPING_SOURCES:
        digest.update((here / name).read_bytes())
    return digest.digest()


def environment_salt(env: jinja2.Environment) -> bytes:
    """What of `env` shapes compiled code: its class, syntax options, extensions, and the
    filters and tests it knows (Jinja rejects unknown ones, and folds constants through them)."""
    shape = (
        type(env).__module__, type(env).__qualname__, env.block_start_string,
        env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
        env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
        env.keep_trailing_newline, env.optimized, env.is_async, repr(env.autoescape),
        env.finalize is None, sorted(env.extensions), sorted(env.filters), sorted(env.tests),
    )  # fmt: skip
    return hashlib.sha256(_package_salt() + repr(shape).encode()).digest()


class CodeCache:
    """Values marshal can write (code objects, tuples of strings and booleans), each stored
    under the digest of its key's strings; `directory` None keeps nothing."""

    def __init__(self, directory: Path | None, salt: bytes) -> None:
        self._directory = directory
        self._salt = salt

    def get_or_make(self, key: tuple[str | None, ...], make: Callable[[], T]) -> T:
        """The stored value for `key`, else `make()`, stored for the next run."""
        if self._directory is None:
            return make()
        digest = hashlib.sha256(self._salt)
        for part in key:
            data = b"\x00" if part is None else b"\x01" + part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little") + data)
        path = self._directory / f"{digest.hexdigest()}.bin"
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            value: T = marshal.loads(path.read_bytes())
            return value
        value = make()
        with contextlib.suppress(ValueError):  # a value marshal cannot write is not kept
            write_whole(path, marshal.dumps(cast(Any, value)))
        return value
