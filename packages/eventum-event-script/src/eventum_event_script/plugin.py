"""The `script` event plugin: calls the user's `produce(params)` once per timestamp."""

from __future__ import annotations

import sys
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from eventum_core import (
    ConfigError,
    EventDropped,
    EventsExhausted,
    PluginContext,
    Produced,
    TimestampBatch,
)
from eventum_event_script.config import ScriptEventConfig

ProduceFunction = Callable[[dict[str, Any]], Any]


def _script_line(error: BaseException, path: Path) -> int | None:
    """The line of the script where `error` was raised, if it came from the script."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    return frames[-1].lineno if frames else None


def _describe(error: BaseException, path: Path) -> str:
    line = _script_line(error, path)
    where = f" (at {path.name}:{line})" if line is not None else ""
    return f"{type(error).__name__}: {error}{where}"


def load_script(path: Path, module_name: str) -> types.ModuleType:
    """Execute the script as a fresh module and return it; any problem is a `ConfigError`.

    The module is registered in `sys.modules` so that dataclasses, pickling and other code that
    looks a module up by name work inside the script. `EventDropped` and `EventsExhausted` are
    preset globals, so a script raises them without importing anything.
    """
    try:
        source = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read script {path}: {error.strerror or error}") from error
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as error:
        raise ConfigError(
            f"syntax error in script {path}, line {error.lineno}: {error.msg}"
        ) from error
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    module.__dict__["EventDropped"] = EventDropped
    module.__dict__["EventsExhausted"] = EventsExhausted
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except Exception as error:
        del sys.modules[module_name]
        raise ConfigError(f"script {path} failed to load: {_describe(error, path)}") from error
    if not callable(module.__dict__.get("produce")):
        del sys.modules[module_name]
        raise ConfigError(f"script {path} must define a function `produce(params)`")
    return module


class ScriptEvent:
    """Events from the `produce(params)` function of a Python script.

    `params` is one dict, reused for every call, holding `timestamp` (an aware datetime in the
    generator's timezone) and `tags` (the tags of the input that made it). `produce` returns one
    event string or a list of them; raising `EventDropped` drops the event and `EventsExhausted`
    ends the generator.
    """

    Config: ClassVar[type[ScriptEventConfig]] = ScriptEventConfig

    def __init__(self, config: ScriptEventConfig, context: PluginContext) -> None:
        self._path = config.path
        self._log = context.logger
        self._module_name = f"eventum_script_{id(self):x}"
        self._module = load_script(self._path, self._module_name)
        self._produce: ProduceFunction = self._module.produce
        self._params: dict[str, Any] = {"timestamp": None, "tags": ()}
        self._exhausted = False

    def produce(self, batch: TimestampBatch) -> Produced:
        if self._exhausted:
            return Produced([], exhausted=True)
        produce, params, path = self._produce, self._params, self._path
        events: list[str] = []
        append, extend = events.append, events.extend
        failed = dropped = 0
        first_failure = ""
        for timestamp, tags in zip(batch.datetimes(), batch.tags(), strict=True):
            params["timestamp"] = timestamp
            params["tags"] = tags
            try:
                result = produce(params)
            except EventDropped:
                dropped += 1
                continue
            except EventsExhausted:
                self._exhausted = True
                break
            except Exception as error:
                failed += 1
                if failed == 1:
                    first_failure = _describe(error, path)
                continue
            if isinstance(result, str):
                append(result)
            elif isinstance(result, list) and all(isinstance(item, str) for item in result):
                extend(result)
            else:
                failed += 1
                if failed == 1:
                    first_failure = (
                        f"produce() returned {type(result).__name__}, expected str or list[str]"
                    )
        if failed:
            self._log.error(
                "script failed to produce events",
                script=str(path),
                failed=failed,
                reason=first_failure,
            )
        return Produced(events, failed=failed, dropped=dropped, exhausted=self._exhausted)

    def close(self) -> None:
        sys.modules.pop(self._module_name, None)
