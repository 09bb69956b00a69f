"""Shortcuts in Jinja's runtime for what realistic templates do on every event, each giving the
result Jinja's own code gives.

Jinja's compiled templates call `context.call(f, ...)` for every call and
`environment.getattr(x, 'name')` for every `x.name`; the generic versions check for
`pass_context` markers and go through an AttributeError for every dict key (`params.host`).
`EVENTUM_TEMPLATE_FAST=0` turns every shortcut off, to compare with plain Jinja.
"""

from __future__ import annotations

import json
import os
from collections import ChainMap
from functools import partial
from io import StringIO
from types import BuiltinFunctionType, CodeType, MethodType
from typing import Any

from jinja2 import Environment, Template, nodes, pass_context, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.environment import TemplateModule
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, Macro
from jinja2.utils import missing
from markupsafe import Markup

from eventum_event_template.code_cache import CodeCache
from eventum_event_template.samples import Sample

ENABLED = os.environ.get("EVENTUM_TEMPLATE_FAST", "1") != "0"
"""Whether templates use the shortcuts (read once, when the module is imported)."""

_DICT_ATTRIBUTES = frozenset(dir(dict))
_PLAIN_FUNCTIONS: set[Any] = set()
"""Python functions seen without a `jinja_pass_arg` marker (`pass_context` and friends)."""
_DIRECT_FUNCTIONS: set[Any] = set()
"""Those of them that templates call straight: Eventum's own (`module.rand`, samples, state)
and `random`'s, known not to raise StopIteration, which `context.call` turns into undefined;
and classes of the same modules, `datetime`'s and the builtins (`module.datetime.timedelta`)."""
_DIRECT_CLASS_MODULES = frozenset({"builtins", "datetime", "random"})


class FastContext(Context):
    """Jinja's `Context`; `call` goes straight to callables that want no context: a C function
    or method (which cannot carry Jinja's marker), a bound method whose function has none, or
    a class of the standard modules (`timedelta`, `dict`)."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind is type and _direct_class(__obj):
            _DIRECT_FUNCTIONS.add(__obj)
        elif kind is not BuiltinFunctionType and (
            kind is not MethodType or __obj.__func__ not in _PLAIN_FUNCTIONS
        ):
            if kind is not MethodType or hasattr(__obj.__func__, "jinja_pass_arg"):
                return super().call(__obj, *args, **kwargs)
            _PLAIN_FUNCTIONS.add(__obj.__func__)
            module = getattr(__obj.__func__, "__module__", None) or ""
            if module == "random" or module.startswith("eventum_"):
                _DIRECT_FUNCTIONS.add(__obj.__func__)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


def _direct_class(cls: type) -> bool:
    module = getattr(cls, "__module__", None) or ""
    return (module in _DIRECT_CLASS_MODULES or module.startswith("eventum_")) and not hasattr(
        cls, "jinja_pass_arg"
    )


class FastMacro(Macro):
    """Jinja's `Macro`; a call with positional arguments only, of a macro without `caller`,
    `varargs` or `kwargs` and without autoescaping, goes straight to its function (arguments
    not given are `missing`, as Jinja passes them: the macro's defaults then apply), where
    Jinja's own `__call__` sorts the arguments out at every call (cloud-aws-cloudtrail, whose
    `_base` macros build every event: 2% of its time)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain = not (
            self.caller
            or self.explicit_caller
            or self.catch_kwargs
            or self.catch_varargs
            or self._default_autoescape
            or self._environment.is_async
        )

    @pass_eval_context
    def __call__(self, *args: Any, **kwargs: Any) -> str:
        count = self._argument_count
        if (
            kwargs
            or not self._plain
            or len(args) > count
            or (args and isinstance(args[0], EvalContext))
        ):
            return Macro.__call__(self, *args, **kwargs)
        if len(args) < count:
            args = (*args, *[missing] * (count - len(args)))
        return self._func(*args)


DIRECT_TYPES = frozenset({BuiltinFunctionType, Macro, FastMacro})
"""Callables that never take Jinja's context (`context.call` would only pass the arguments)."""


def via_context(context: Context, function: Any, **extra: Any) -> Any:
    """`function` called through `context.call` (a context it may want, StopIteration)."""
    return partial(context.call, function, **extra)


class FastCodeGenerator(CodeGenerator):
    """Jinja's code generator; `x.name` is Python's `getattr(x, 'name', missing)` inline, and
    only when that finds nothing, a dict's key (inline too) or Jinja's `environment.getattr`
    (a key of another mapping, or undefined).
    Each temporary is read right after it is set, so nested lookups may share the names."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline(
            "from eventum_event_template.fast import DIRECT_TYPES as _ec_direct, "
            "_DIRECT_FUNCTIONS as _ec_plain, via_context as _ec_via, FastMacro as _ec_Macro"
        )
        CodeGenerator.visit_Template(self, node, frame)

    def macro_def(self, macro_ref: Any, frame: Frame) -> None:
        """Jinja's definition of a macro, as a `FastMacro`."""
        stream, self.stream = self.stream, StringIO()
        try:
            CodeGenerator.macro_def(self, macro_ref, frame)
            code = self.stream.getvalue()
        finally:
            self.stream = stream
        self.write(code.replace("Macro(", "_ec_Macro(", 1))

    @optimizeconst
    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        """`f(a)` calls `f` itself when it is a C function (`next` aside: Jinja turns its
        StopIteration into undefined), a macro, or one of Eventum's methods or the standard
        classes already seen to take no context, and only otherwise goes through
        `context.call`: the check costs less than that call. (A C method that raises
        StopIteration, a generator's `send`, ends the event with an error where Jinja would
        give undefined.)"""
        if forward_caller or self.environment.is_async:
            CodeGenerator.visit_Call(self, node, frame, forward_caller=forward_caller)
            return
        extra = [name for name, on in (("_loop_vars", frame.loop_frame),
                                       ("_block_vars", frame.block_frame)) if on]  # fmt: skip
        self.write("(_ec_f if ((_ec_f := ")
        self.visit(node.node, frame)
        self.write(").__class__ in _ec_direct and _ec_f is not next) or getattr(_ec_f, ")
        self.write("'__func__', None) in _ec_plain or (_ec_f.__class__ is type and _ec_f in ")
        self.write("_ec_plain) else _ec_via(context, _ec_f")
        self.write("".join(f", {name}={name}" for name in extra) + "))(")
        stream, self.stream = self.stream, StringIO()
        try:
            self.signature(node, frame)
            arguments = self.stream.getvalue()
        finally:
            self.stream = stream
        self.write(arguments.removeprefix(", ") + ")")

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async:
            CodeGenerator.visit_Getattr(self, node, frame)
            return
        self.write("(_eg_v if (_eg_v := getattr((_eg_o := ")
        self.visit(node.node, frame)
        name = repr(node.attr)
        self.write(f"), {name}, missing)) is not missing else ")
        if node.attr not in _DICT_ATTRIBUTES:  # a dict's key (`params.host`), inline
            self.write(f"_eg_o[{name}] if _eg_o.__class__ is dict and {name} in _eg_o else ")
        self.write(f"environment.getattr(_eg_o, {name}))")


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
            tree = trees[source] = self._shortcuts(super()._parse(source, name, filename))
        return tree

    def _shortcuts(self, tree: nodes.Template) -> nodes.Template:
        """The tree as compiled: Jinja's own here."""
        return tree

    def compile(
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        jinja_compile: Any = Environment.compile  # typed per `raw` literal, passed on as given

        def make() -> Any:
            return jinja_compile(self, source, name, filename, raw, defer_init)

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


_SELECTING_FILTERS = ("select", "reject", "selectattr", "rejectattr")


def _kept_selection(select: Any) -> Any:
    """`select`, one of Jinja's select/reject filters; on a sample, whose rows never change,
    the rows it keeps for given arguments are remembered (`samples.hosts | selectattr("role",
    "eq", "db")` tested every row of the sample on every event)."""
    kept: dict[Any, tuple[Sample, tuple[Any, ...]]] = {}

    @pass_context
    def selection(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        if type(value) is not Sample:
            return select(context, value, *args, **kwargs)
        try:  # the sample is kept with its rows, so its id is not reused while remembered
            key = (id(value), args, tuple(kwargs.items()))
            found = kept.get(key)
        except TypeError:  # an unhashable argument
            return select(context, value, *args, **kwargs)
        if found is None:
            rows = tuple(select(context, value, *args, **kwargs))
            if len(kept) < 4096:
                kept[key] = (value, rows)
            return iter(rows)  # an iterator, as Jinja's generator is
        return iter(found[1])

    return selection


_SORTED_JSON = json.JSONEncoder(sort_keys=True)
_JSON_STRING = json.encoder.encode_basestring_ascii  # what it gives for a str, without its checks
_DEFAULT_DUMPS_KWARGS = {"sort_keys": True}


def _tojson(tojson: Any) -> Any:
    """`tojson`, Jinja's filter; with Jinja's default policies it goes through one encoder built
    once (`json.dumps(value, sort_keys=True)` built one per call: half the filter's time)."""

    @pass_eval_context
    def fast_tojson(eval_ctx: EvalContext, value: Any, indent: int | None = None) -> Markup:
        policies = eval_ctx.environment.policies
        if (
            indent is not None
            or policies["json.dumps_function"] is not None
            or policies["json.dumps_kwargs"] != _DEFAULT_DUMPS_KWARGS
        ):
            return tojson(eval_ctx, value, indent)  # type: ignore[no-any-return]
        # Then made safe in HTML, as Jinja's is.
        text = _JSON_STRING(value) if value.__class__ is str else _SORTED_JSON.encode(value)
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return str.__new__(Markup, text.replace("'", "\\u0027"))

    return fast_tojson


class FastTemplate(Template):
    """Jinja's `Template`; `{% import %}` and `{% from ... import %}`, on every render, look for
    globals of the importing template that the imported one lacks (then its module is made
    again, with them): here with a dict lookup per name instead of Jinja's set difference of
    mapping views (8% of cloud-aws-cloudtrail's time); the rest is Jinja's."""

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is None or self.environment.is_async:
            return super()._get_default_module(ctx)
        own = self.globals
        if type(own) is ChainMap and len(own.maps) == 2:
            first, second = own.maps
            lacking = [k for k in ctx.globals_keys if k not in first and k not in second]
        else:
            lacking = [k for k in ctx.globals_keys if k not in own]
        if lacking:
            return self.make_module({k: ctx.parent[k] for k in lacking})
        return super()._get_default_module()  # the cached module


class FastEnvironment(CachingEnvironment):
    """An `Environment` with the shortcuts: the code generator's, the context's, `x.name`
    reading a dict's key without raising AttributeError first, and selections of sample rows
    remembered."""

    code_generator_class = FastCodeGenerator
    context_class = FastContext
    template_class = FastTemplate

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_async:  # the sync filters themselves, not their sync-or-async wrappers
            for name, function in list(self.filters.items()):
                if getattr(function, "jinja_async_variant", False):
                    self.filters[name] = function.__wrapped__
        for name in _SELECTING_FILTERS:
            self.filters[name] = _kept_selection(self.filters[name])
        self.filters["tojson"] = _tojson(self.filters["tojson"])

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

    def _shortcuts(self, tree: nodes.Template) -> nodes.Template:
        """`{% for u in rows if u.kind == x %}` loops over `rows | selectattr("kind", "eq", x)`
        (remembered for a sample) when the test only compares the item's attributes with
        values that cannot change during the loop; so does a loop whose whole body is such an
        `if` (with no `else`, and no `loop` variable that would count the other items)."""
        for loop in tree.find_all(nodes.For):
            if loop.recursive or not isinstance(loop.target, nodes.Name):
                continue
            test, body = loop.test, loop.body
            if (
                test is None
                and not loop.else_
                and len(body) == 1
                and isinstance(body[0], nodes.If)
                and not body[0].elif_
                and not body[0].else_
                and not any(n.name == "loop" for n in body[0].find_all(nodes.Name))
            ):
                test, body = body[0].test, body[0].body
            selections = None if test is None else _selections(test, loop.target.name)
            if selections is None:
                continue
            rows = loop.iter
            for attribute, check, value in selections:
                rows = nodes.Filter(
                    rows, "selectattr", [nodes.Const(attribute), nodes.Const(check), value], [],
                    None, None, lineno=loop.lineno,
                )  # fmt: skip
            loop.iter, loop.test, loop.body = rows, None, body
        return tree


_COMPARISON_TESTS = {"eq": "eq", "ne": "ne", "lt": "lt", "gt": "gt", "lteq": "le", "gteq": "ge",
                     "in": "in"}  # fmt: skip
_CONTAINER_ATTRIBUTES = frozenset(dir(dict)) | frozenset(dir(list)) | frozenset(dir(str))
"""Where `item.name` and `selectattr`'s item lookup could differ (a method or a dict's key)."""


def _selections(test: nodes.Node, target: str) -> list[tuple[str, str, nodes.Expr]] | None:
    """(attribute, test name, value) for each `item.attribute OP value` that `test` joins with
    `and`; None unless every part is such a comparison and its value is a constant or a plain
    variable (evaluated once instead of once per item, with no effect and no error)."""
    if isinstance(test, nodes.And):
        left, right = _selections(test.left, target), _selections(test.right, target)
        return None if left is None or right is None else left + right
    if not isinstance(test, nodes.Compare) or len(test.ops) != 1:
        return None
    item, operand = test.expr, test.ops[0]
    name = _COMPARISON_TESTS.get(operand.op)
    if (
        name is None
        or not isinstance(item, nodes.Getattr)
        or not isinstance(item.node, nodes.Name)
        or item.node.name != target
        or item.attr in _CONTAINER_ATTRIBUTES
    ):
        return None
    value = operand.expr
    if isinstance(value, nodes.List | nodes.Tuple) and all(
        isinstance(v, nodes.Const) for v in value.items
    ):  # a tuple, so the selection can be remembered
        value = nodes.Tuple(value.items, "load", lineno=value.lineno)
    elif not (
        isinstance(value, nodes.Const)
        or (isinstance(value, nodes.Name) and value.name not in (target, "loop"))
    ):
        return None
    return [(item.attr, name, value)]
