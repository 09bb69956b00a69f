"""Shortcuts in Jinja's runtime for what realistic templates do on every event, each giving the
result Jinja's own code gives.

Jinja's compiled templates call `context.call(f, ...)` for every call and
`environment.getattr(x, 'name')` for every `x.name`; the generic versions check for
`pass_context` markers and go through an AttributeError for every dict key (`params.host`).
`EVENTUM_TEMPLATE_FAST=0` turns every shortcut off, to compare with plain Jinja.
"""

from __future__ import annotations

import os
from types import BuiltinFunctionType, CodeType, MethodType
from typing import Any

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.runtime import Context

from eventum_event_template.code_cache import CodeCache

ENABLED = os.environ.get("EVENTUM_TEMPLATE_FAST", "1") != "0"
"""Whether templates use the shortcuts (read once, when the module is imported)."""

_DICT_ATTRIBUTES = frozenset(dir(dict))
_PLAIN_FUNCTIONS: set[Any] = set()
"""Python functions seen without a `jinja_pass_arg` marker (`pass_context` and friends)."""


class FastContext(Context):
    """Jinja's `Context`; `call` goes straight to callables that want no context: a C function
    or method (which cannot carry Jinja's marker), or a bound method whose function has none."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind is not BuiltinFunctionType and (
            kind is not MethodType or __obj.__func__ not in _PLAIN_FUNCTIONS
        ):
            if kind is not MethodType or hasattr(__obj.__func__, "jinja_pass_arg"):
                return super().call(__obj, *args, **kwargs)
            _PLAIN_FUNCTIONS.add(__obj.__func__)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


class FastCodeGenerator(CodeGenerator):
    """Jinja's code generator; `x.name` is Python's `getattr(x, 'name', missing)` inline, and
    only when that finds nothing, Jinja's `environment.getattr` (a dict key, or undefined).
    Each temporary is read right after it is set, so nested lookups may share the names."""

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async:
            CodeGenerator.visit_Getattr(self, node, frame)
            return
        self.write("(_eg_v if (_eg_v := getattr((_eg_o := ")
        self.visit(node.node, frame)
        name = repr(node.attr)
        self.write(f"), {name}, missing)) is not missing else environment.getattr(_eg_o, {name}))")


class CachingEnvironment(Environment):
    """An `Environment` that parses a source once per process and compiles it once per machine.

    The plugin reads every template's syntax tree several times at start (compiling it, and
    finding what it uses), which with dozens of templates cost more than rendering thousands of
    events; the tree is only read after. Compiled code goes through `code_cache` (set by
    `rendering.make_environment`), so the next run loads it instead of compiling."""

    code_cache: CodeCache | None = None

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        trees: dict[str, nodes.Template] = self.__dict__.setdefault("_eventum_trees", {})
        tree = trees.get(source)
        if tree is None:  # a syntax error is raised each time, naming the template asked for
            tree = trees[source] = super()._parse(source, name, filename)
        return tree

    def compile(  # type: ignore[override]
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        def make() -> Any:
            return Environment.compile(self, source, name, filename, raw, defer_init)

        if raw or self.code_cache is None or not isinstance(source, str):
            return make()
        # Not keyed by the file's path: a generator folder copied elsewhere finds its code.
        code = self.code_cache.get_or_make(("code", source, name, str(defer_init)), make)
        return _renamed(code, filename or "<template>")


def _renamed(code: CodeType, filename: str) -> CodeType:
    """`code` with `filename` in it and every nested function, for tracebacks."""
    if code.co_filename == filename:
        return code
    consts = tuple(_renamed(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


class FastEnvironment(CachingEnvironment):
    """An `Environment` with the shortcuts: the code generator's, the context's, and `x.name`
    reading a dict's key without raising AttributeError first."""

    code_generator_class = FastCodeGenerator
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
