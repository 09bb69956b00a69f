"""Shortcuts in Jinja's runtime for what realistic templates do on every event, each giving the
result Jinja's own code gives.

Jinja's compiled templates call `context.call(f, ...)` for every call and
`environment.getattr(x, 'name')` for every `x.name`; the generic versions check for
`pass_context` markers and go through an AttributeError for every dict key (`params.host`).
`EVENTUM_TEMPLATE_FAST=0` turns every shortcut off, to compare with plain Jinja.
"""

from __future__ import annotations

import os
from types import BuiltinFunctionType, MethodType
from typing import Any

from jinja2 import Environment
from jinja2.runtime import Context

ENABLED = os.environ.get("EVENTUM_TEMPLATE_FAST", "1") != "0"
"""Whether templates use the shortcuts (read once, when the module is imported)."""

_DICT_ATTRIBUTES = frozenset(dir(dict))
_PLAIN_FUNCTIONS: set[Any] = set()
"""Python functions seen without a `jinja_pass_arg` marker (`pass_context` and friends)."""


def _plain(obj: Any) -> bool:
    """Whether calling `obj` needs nothing injected: a C function or method (which cannot
    carry Jinja's marker), or a bound method whose function has no marker."""
    kind = type(obj)
    if kind is BuiltinFunctionType:
        return True
    if kind is MethodType:
        function = obj.__func__
        if function in _PLAIN_FUNCTIONS:
            return True
        if not hasattr(function, "jinja_pass_arg"):
            _PLAIN_FUNCTIONS.add(function)
            return True
    return False


class FastContext(Context):
    """Jinja's `Context`; `call` goes straight to callables that want no context."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not _plain(__obj):
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


class FastEnvironment(Environment):
    """An `Environment` whose `x.name` reads a dict's key without raising AttributeError first."""

    context_class = FastContext

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # Jinja's own
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)
