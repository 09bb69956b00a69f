"""The core's formatters: plain, json, json-batch, eventum-http-input (orjson speeds json up)."""

from __future__ import annotations

import json
import json.encoder
import json.scanner
import re
from collections.abc import Callable, Sequence
from typing import ClassVar

from pydantic import Field

from eventum_core.batch import Formatted
from eventum_core.config.plugin_config import PluginConfig
from eventum_core.context import PluginContext

try:
    import orjson
except ImportError:  # json alone gives the same bytes, only slower
    orjson = None  # type: ignore[assignment]


class NoOptions(PluginConfig):
    """A formatter without options."""


class JsonOptions(PluginConfig):
    indent: int = Field(default=0, ge=0)


class PlainFormatter:
    """Events unchanged."""

    Config: ClassVar[type[PluginConfig]] = NoOptions
    parallel_safe: ClassVar[bool] = True

    def __init__(self, config: NoOptions, context: PluginContext) -> None:
        self.config = config

    def format(self, events: Sequence[str]) -> Formatted:
        return Formatted(list(events), len(events))


def _dumper(indent: int) -> json.JSONEncoder:
    # indent 0 keeps Eventum's one-line form with ", " and ": " separators.
    return json.JSONEncoder(ensure_ascii=False, indent=indent or None)


def _one_line_codec() -> Callable[[str], str] | None:
    """Parse and re-serialise one event as `_dumper(0).encode(json.loads(event))` does, with
    the same C encoder, built once instead of once per event (a parsed value cannot be
    circular, so no cycle check), after orjson's parser or json's C scanner. None when this
    Python's json has no C parts, or they do not give what the plain path gives."""
    make_scanner = getattr(json.scanner, "c_make_scanner", None)
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make_scanner is None or make_encoder is None or basestring is None:
        return None
    scan = make_scanner(json.JSONDecoder())
    space = re.compile(r"[ \t\n\r]*").match  # json.decoder's WHITESPACE
    try:
        encoder = make_encoder(None, None, basestring, None, ": ", ", ", False, False, True)
    except TypeError:  # another signature
        return None

    def scanned(event: str) -> str:
        value, end = scan(event, space(event, 0).end())  # type: ignore[union-attr]
        if space(event, end).end() != len(event):  # type: ignore[union-attr]
            raise ValueError("extra data")
        return "".join(encoder(value, 0))

    codec = _orjson_first(lambda value: "".join(encoder(value, 0)), scanned) or scanned
    probe = '{"a": [1, 2.5, -0.0, 1e300, true, null, "é\\u00e9\\n\\"x"], "b": {}}'
    try:
        if codec(probe) != _dumper(0).encode(json.loads(probe)):
            return None
    except Exception:
        return None
    return codec


def _orjson_first(
    encode: Callable[[object], str], then: Callable[[str], str] | None
) -> Callable[[str], str] | None:
    """`encode(orjson.loads(event))` where orjson, 2-3x faster to parse than json, reads the event
    as json.loads does; otherwise `then(event)` (None: raise ValueError for the caller's json
    path). orjson rejects what json reads otherwise: NaN, Infinity, 1e400, lone surrogates, a
    BOM, and bytes other than UTF-8 (json.loads reads UTF-16 too). Only an integer past 64 bits
    comes back changed, as a float of at least 9.2e18, which Python writes with "e+": text
    without "e+" has no such float."""
    if orjson is None:
        return then
    loads, rejected = orjson.loads, orjson.JSONDecodeError

    def codec(event: str) -> str:
        try:
            text = encode(loads(event))
            if "e+" not in text:
                return text
        except rejected:
            pass
        if then is None:
            raise ValueError("left to json")
        return then(event)

    return codec


class JsonFormatter:
    """Each event re-serialised as JSON; an event that is not valid JSON is counted and left out."""

    Config: ClassVar[type[PluginConfig]] = JsonOptions
    parallel_safe: ClassVar[bool] = True

    def __init__(self, config: JsonOptions, context: PluginContext) -> None:
        self._encode = _dumper(config.indent).encode
        self._fast = _one_line_codec() if config.indent == 0 else _orjson_first(self._encode, None)
        self._log = context.logger

    def format(self, events: Sequence[str]) -> Formatted:
        encode, loads, fast = self._encode, json.loads, self._fast
        items: list[str] = []
        failed = 0
        for event in events:
            if fast is not None:
                try:
                    items.append(fast(event))
                    continue
                except (ValueError, StopIteration, RecursionError, TypeError):
                    pass  # bytes, too; the plain path below says what is wrong, as it always has
            try:
                items.append(encode(loads(event)))
            except ValueError as error:
                failed += 1
                if failed == 1:
                    self._log.warning(
                        "event is not valid JSON", reason=str(error), sample=event[:200]
                    )
        return Formatted(items, len(events), failed)


class JsonBatchFormatter:
    """The whole batch as one JSON array; invalid events are counted and left out."""

    Config: ClassVar[type[PluginConfig]] = JsonOptions
    parallel_safe: ClassVar[bool] = True

    def __init__(self, config: JsonOptions, context: PluginContext) -> None:
        self._indent = config.indent
        self._log = context.logger

    def format(self, events: Sequence[str]) -> Formatted:
        values = []
        failed = 0
        for event in events:
            try:
                values.append(json.loads(event))
            except ValueError as error:
                failed += 1
                if failed == 1:
                    self._log.warning(
                        "event is not valid JSON", reason=str(error), sample=event[:200]
                    )
        if not values:
            return Formatted([], len(events), failed)
        if self._indent:
            text = json.dumps(values, ensure_ascii=False, indent=self._indent)
        else:
            text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        return Formatted([text], len(events), failed)


class HttpInputFormatter:
    """`{"count": N}`: feeds another generator's `http` input with one request per batch."""

    Config: ClassVar[type[PluginConfig]] = NoOptions
    parallel_safe: ClassVar[bool] = True

    def __init__(self, config: NoOptions, context: PluginContext) -> None:
        self.config = config

    def format(self, events: Sequence[str]) -> Formatted:
        if not events:
            return Formatted([], 0)
        return Formatted([json.dumps({"count": len(events)})], len(events))
