"""`shared` state that a cheap pass can compute ahead: counters.

A template's `shared` use is counters when every mention of `shared` is in statements like these,
at the template's top level (not in an `if`, a loop or a macro), with constant keys:

    {%- set record_id = shared.get('record_id', 1) -%}
    {%- do shared.set('record_id', (record_id + 1) % 2147483647) -%}

and the names they bind are bound nowhere else; or `shared` is the one argument of a macro
imported from another file whose body is such statements on its parameter, called where the
template's top level prints (`"id": {{ next_event_id(shared) | trim }}`, the content packs' form):

    {%- macro next_event_id(sh) -%}
    {%- set eid = sh.get('event_id', 1000000) -%}
    {%- do sh.set('event_id', eid + 1) -%}
    {{ eid }}
    {%- endmacro -%}

What such a template does to `shared` then
depends on `shared` alone: given which templates render, in order, the values `shared` holds
before any event can be computed without rendering (`CounterPlan`). That is how the event
stage puts these templates on every core and keeps `shared` one sequence, as Eventum's documents
it: this process plans each piece of a batch (the picks, and `shared` as the pieces before it
leave it), and whichever producer renders the piece starts from that.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from jinja2 import Environment, nodes

from eventum_event_template.code_cache import CodeCache
from eventum_event_template.pickers import Picker

# A statement: ("let", name, expression), ("set", key, expression) or ("call", statements) (a
# macro's, with names of its own); an expression: ("const", value), ("name", name),
# ("get", key, default) or (operator, operand, ...). Read from one file, a macro call is
# ("macro", file, name) until `counter_ops` puts the macro's statements in its place.
Op = tuple[Any, ...]

_OPERATORS: dict[type[nodes.Node], tuple[str, Callable[..., Any]]] = {
    nodes.Add: ("+", operator.add),
    nodes.Sub: ("-", operator.sub),
    nodes.Mul: ("*", operator.mul),
    nodes.Div: ("/", operator.truediv),
    nodes.FloorDiv: ("//", operator.floordiv),
    nodes.Mod: ("%", operator.mod),
    nodes.Neg: ("neg", operator.neg),
    nodes.Pos: ("pos", operator.pos),
}
_BY_SYMBOL = dict(_OPERATORS.values())


def _call_on_shared(
    node: nodes.Node, method: str, arity: range, shared: str
) -> list[nodes.Expr] | None:
    """The arguments of `shared.<method>(...)` with a constant string key, else None."""
    if not (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Getattr)
        and isinstance(node.node.node, nodes.Name)
        and node.node.node.name == shared
        and node.node.attr == method
        and not node.kwargs
        and node.dyn_args is None
        and node.dyn_kwargs is None
        and len(node.args) in arity
        and isinstance(node.args[0], nodes.Const)
        and isinstance(node.args[0].value, str)
    ):
        return None
    return node.args


def _scalar(node: nodes.Node) -> bool:
    """A constant that cannot change once in `shared` (a list default, `[]`, could)."""
    return isinstance(node, nodes.Const) and isinstance(node.value, int | float | str | None)


def _expression(node: nodes.Node, bound: set[str], shared: str) -> Op | None:
    if _scalar(node):
        return ("const", node.value)  # type: ignore[attr-defined]
    if isinstance(node, nodes.Name) and node.name in bound:
        return ("name", node.name)
    if type(node) in _OPERATORS:
        symbol = _OPERATORS[type(node)][0]
        operands = [_expression(child, bound, shared) for child in node.iter_child_nodes()]
        return None if None in operands else (symbol, *operands)
    args = _call_on_shared(node, "get", range(1, 3), shared)
    if args is None or not all(_scalar(a) for a in args):
        return None
    key, default = (cast(nodes.Const, a).value for a in (*args, nodes.Const(None))[:2])
    return ("get", key, default)


def _mentions(node: nodes.Node, name: str) -> bool:
    """Whether `node` is, or has inside, the variable `name`."""
    names = node.find_all(nodes.Name)
    return any(n.name == name for n in (node, *names) if isinstance(n, nodes.Name))


def counter_ops(
    env: Environment, source: str, sources: Mapping[str, str | None]
) -> tuple[Op, ...] | None:
    """The counter statements of a template, in order (none when it leaves `shared` alone);
    None when its use of `shared` is not only counters. `sources`: the folder's template texts,
    where the macros it imports are read."""
    ops = _cached(env, ("counters", source), lambda: _read_template(env, source))
    if ops is None:
        return None
    resolved: list[Op] = []
    for op in ops:
        body = _macro_body(env, sources, op[1], op[2]) if op[0] == "macro" else op
        if body is None:
            return None
        resolved.append(("call", body) if op[0] == "macro" else op)
    return tuple(resolved)


def _macro_body(
    env: Environment, sources: Mapping[str, str | None], file: str, name: str
) -> tuple[Op, ...] | None:
    text = sources.get(file)
    if text is None:
        return None
    macros = _cached(env, ("macros", text), lambda: _read_macros(env, text))
    return cast(tuple[Op, ...] | None, macros.get(name))


def _cached(env: Environment, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
    cache: CodeCache | None = getattr(env, "code_cache", None)
    return make() if cache is None else cache.get_or_make(key, make)


def _read_template(env: Environment, source: str) -> tuple[Op, ...] | None:
    ast = env.parse(source)
    if any(True for _ in ast.find_all(nodes.Extends)):
        return None
    stores = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    imported = {  # `{% from 'file' import m %}` at the top level, `m` not bound again
        local: (node.template.value, name)
        for node in ast.body
        if isinstance(node, nodes.FromImport) and isinstance(node.template, nodes.Const)
        for name, local in (n if isinstance(n, tuple) else (n, n) for n in node.names)
        if local not in stores
    }
    return _read_body(ast, ast.body, "shared", imported)


def _read_macros(env: Environment, source: str) -> dict[str, tuple[Op, ...] | None]:
    """Each top-level macro of one parameter: its counter statements on that parameter."""
    return {
        macro.name: (
            _read_body(macro, macro.body, macro.args[0].name, {})
            if len(macro.args) == 1
            and not macro.defaults
            and (macro.args[0].name == "shared" or not _mentions(macro, "shared"))
            else None
        )
        for macro in env.parse(source).body
        if isinstance(macro, nodes.Macro)
    }


def _read_body(
    scope: nodes.Node,
    body: list[nodes.Node],
    shared: str,
    imported: dict[str, tuple[str, str]],
) -> tuple[Op, ...] | None:
    """The counter statements of `body` (a template's or a macro's top level), where `shared`
    is named `shared`, or None. `imported`: macros by local name, as (file, name)."""
    ops: list[Op] = []
    bound: set[str] = set()
    for node in body:  # a statement that mentions `shared` is a counter's, or none is
        if not _mentions(node, shared):
            continue
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if _mentions(child, shared):
                    call = _macro_call(child, shared, imported)
                    if call is None:
                        return None
                    ops.append(call)
            continue
        op: Op | None = None
        if isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
            value = _expression(node.node, bound, shared)
            if value is not None:
                op = ("let", node.target.name, value)
                bound.add(node.target.name)
        elif isinstance(node, nodes.ExprStmt):
            args = _call_on_shared(node.node, "set", range(2, 3), shared)
            value = None if args is None else _expression(args[1], bound, shared)
            if args is not None and value is not None:
                op = ("set", cast(nodes.Const, args[0]).value, value)
        if op is None:
            return None
        ops.append(op)
    stores = [n.name for n in scope.find_all(nodes.Name) if n.ctx in ("store", "param")]
    if any(stores.count(name) != 1 for name in bound):
        return None  # a counter's name is bound again elsewhere
    return tuple(ops)


def _macro_call(node: nodes.Node, shared: str, imported: dict[str, tuple[str, str]]) -> Op | None:
    """("macro", file, name) for a printed `m(shared)`, filtered or not, of an imported macro."""
    while isinstance(node, nodes.Filter) and node.node is not None:
        if any(_mentions(arg, shared) for arg in [*node.args, *(k.value for k in node.kwargs)]):
            return None
        node = node.node
    if not (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Name)
        and node.node.name in imported
        and len(node.args) == 1
        and isinstance(node.args[0], nodes.Name)
        and node.args[0].name == shared
        and not node.kwargs
        and node.dyn_args is None
        and node.dyn_kwargs is None
    ):
        return None
    return ("macro", *imported[node.node.name])


def _compile(expression: Op) -> Callable[[dict[str, Any], dict[str, Any]], Any]:
    """`expression` as a function of (`shared`'s values, the names bound so far)."""
    kind = expression[0]
    if kind == "const":
        value = expression[1]
        return lambda state, names: value
    if kind == "name":
        name = expression[1]
        return lambda state, names: names[name]
    if kind == "get":
        key, default = expression[1], expression[2]
        return lambda state, names: state.get(key, default)
    apply = _BY_SYMBOL[kind]
    operands = [_compile(e) for e in expression[1:]]
    if len(operands) == 1:
        (only,) = operands
        return lambda state, names: apply(only(state, names))
    left, right = operands
    return lambda state, names: apply(left(state, names), right(state, names))


def _run(ops: tuple[Op, ...]) -> Callable[[dict[str, Any]], None]:
    """Statements as one function of `shared`'s values; raises where rendering would."""
    steps: list[tuple[str, Any, Callable[..., Any]]] = [
        ("call", None, _run(op[1])) if op[0] == "call" else (op[0], op[1], _compile(op[2]))
        for op in ops
    ]

    def run(state: dict[str, Any]) -> None:
        names: dict[str, Any] = {}
        for kind, target, action in steps:
            if kind == "let":
                names[target] = action(state, names)
            elif kind == "set":
                state[target] = action(state, names)
            else:
                action(state)  # a macro, with names of its own

    return run


def _step(ops: tuple[Op, ...]) -> Callable[[dict[str, Any]], None] | None:
    """What rendering the template does to `shared`'s values (None: nothing)."""
    if not ops:
        return None
    run = _run(ops)

    def step(state: dict[str, Any]) -> None:
        try:
            run(state)
        except Exception:
            return  # the render fails here too, leaving `shared` as the statements before did

    return step


class CounterPlan:
    """The picks and `shared`'s starting values of each piece, in stream order: made here from
    a picker of its own, cheaply (no rendering)."""

    def __init__(self, picker: Picker, ops: dict[str, tuple[Op, ...]]) -> None:
        self._picker = picker
        self._steps = {alias: _step(o) for alias, o in ops.items()}
        self._state: dict[str, Any] = {}

    def plan(self, size: int) -> tuple[Sequence[str] | None, dict[str, Any]]:
        """For the next `size` timestamps: the alias picked for each (None: every template
        renders each time) and `shared`'s values before the first."""
        start = dict(self._state)
        picks = self._picker.pick_batch(size)
        steps = self._steps
        state = self._state
        if picks is None:
            every = [s for s in steps.values() if s is not None]
            for _ in range(size):
                for step in every:
                    step(state)
        else:
            for alias in picks:
                made = steps[alias]
                if made is not None:
                    made(state)
        return picks, start
