"""Jinja environment and per-template render state, built once so that an event costs a dict
update and a call of the compiled render function.

A template without side effects (no state, dispatch, subprocess, includes...) also gets a
*batch* form: the template body inside a `for timestamp in ...` loop with a separator after each
event, rendered once per batch and split. A batch whose events contain the separator, or whose
render raises, is rendered again event by event, which reports errors precisely.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from random import Random
from types import TracebackType
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    Template,
    TemplateSyntaxError,
    nodes,
    pass_context,
)
from jinja2.constants import LOREM_IPSUM_WORDS
from jinja2.runtime import Context
from markupsafe import Markup, escape

from eventum_core import cache_directory
from eventum_event_template import fast as fast_paths
from eventum_event_template.code_cache import CodeCache, environment_salt
from eventum_event_template.fast import CachingEnvironment, FastEnvironment
from eventum_event_template.state import State

EXTENSIONS = ("jinja2.ext.do", "jinja2.ext.loopcontrols")
SEPARATOR = "\x00\x01eventum\x02\x00"
_BATCH_VAR = "__eventum_batch"


def make_environment(base_path: Path, rng: Random) -> Environment:
    """Eventum's environment (loader rooted at the generator folder, `do` and `loopcontrols`,
    lenient undefined, no autoescape) with `random` and `lipsum` drawing from `rng`, the
    shortcuts of `fast` unless they are off, and compiled code kept between runs."""
    env = (FastEnvironment if fast_paths.ENABLED else CachingEnvironment)(
        loader=FileSystemLoader(str(base_path)),
        extensions=list(EXTENSIONS),
        auto_reload=False,
        cache_size=-1,
    )
    env.filters["random"] = _seeded_random(env, rng)
    env.globals["lipsum"] = _seeded_lipsum(rng)
    env.code_cache = CodeCache(cache_directory("templates"), environment_salt(env))
    return env


def _seeded_random(env: Environment, rng: Random) -> Any:
    """Jinja's `random` filter, drawing from `rng`; an empty sequence gives undefined. It takes
    the context, as Jinja's own does, so that Jinja never folds `["a", "b"] | random` into one
    constant at compile time (a plain filter on constants is evaluated once, for every event)."""

    @pass_context
    def random(context: Context, seq: Any) -> Any:
        try:
            return rng.choice(seq)
        except IndexError:
            return env.undefined("No random item, sequence was empty.")

    return random


def _seeded_lipsum(rng: Random) -> Any:
    words = LOREM_IPSUM_WORDS.split()

    def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        paragraphs = []
        for _ in range(n):
            chosen = [rng.choice(words) for _ in range(rng.randint(min, max))]
            text = " ".join(chosen).capitalize().rstrip(",") + "."
            paragraphs.append(text)
        if not html:
            return "\n\n".join(paragraphs)
        return Markup("\n".join(f"<p>{escape(p)}</p>" for p in paragraphs))

    return lipsum


class CompiledTemplate:
    """One alias: its compiled template, its `locals`, and a context reused for every event."""

    __slots__ = (
        "_batch_ctx",
        "_batch_root",
        "_batch_with_tags",
        "_ctx",
        "_fresh_context",
        "_root",
        "_template",
        "alias",
        "file",
        "locals",
        "text_timestamps",
        "values",
    )

    def __init__(
        self,
        alias: str,
        file: str,
        template: Template,
        *,
        render_vars: dict[str, Any],
        locals_: State,
        batch: BatchForm | None,
        fresh_context: bool,
    ) -> None:  # fmt: skip
        self.alias = alias
        self.file = file
        self.locals = locals_
        self._template = template
        self._root = template.root_render_func
        # With shared=True the context reads this very dict: setting timestamp/tags in it is
        # all an event costs.
        self.values = {**template.globals, **render_vars, "locals": locals_}
        self._ctx = template.new_context(self.values, shared=True)
        self._fresh_context = fresh_context
        if batch is None:
            self._batch_root = None
            self._batch_ctx: Context | None = None
            self._batch_with_tags = self.text_timestamps = False
        else:
            self._batch_root = batch.template.root_render_func
            self._batch_ctx = batch.template.new_context(self.values, shared=True)
            self._batch_with_tags = batch.with_tags
            self.text_timestamps = batch.text_timestamps

    @property
    def batchable(self) -> bool:
        return self._batch_root is not None

    def render(self, timestamp: datetime, tags: tuple[str, ...]) -> str:
        values = self.values
        values["timestamp"] = timestamp
        values["tags"] = tags
        if self._fresh_context:  # `extends` registers blocks in the context on every render
            ctx = self._template.new_context(values, shared=True)
        else:
            ctx = self._ctx
            if ctx.vars:  # top-level {% set %} of the previous event
                ctx.vars.clear()
                ctx.exported_vars.clear()
        return "".join(self._root(ctx))

    def render_batch(
        self, timestamps: Sequence[datetime | str], tags: Sequence[tuple[str, ...]]
    ) -> list[str] | None:
        """Every event of the batch in one render; None if the events must be rendered one by one
        (an error, or the separator inside an event). `timestamps` may be their `str()` when
        `text_timestamps`."""
        root, ctx = self._batch_root, self._batch_ctx
        if root is None or ctx is None:
            return None
        values = self.values
        values[_BATCH_VAR] = (
            zip(timestamps, tags, strict=True) if self._batch_with_tags else timestamps
        )
        try:
            text = "".join(root(ctx))
        except Exception:
            return None
        finally:
            values[_BATCH_VAR] = None
        parts = text.split(SEPARATOR)
        if len(parts) != len(timestamps) + 1:
            return None
        del parts[-1]
        return parts


# Names whose use makes a render depend on or change something outside the event.
_UNBATCHABLE_NAMES = frozenset(
    {"loop", "locals", "shared", "globals", "dispatch", "subprocess", "self", "caller",
     "varargs", "kwargs", "super", "module"}
)  # fmt: skip
_PURE_MODULES = frozenset({"rand", "faker", "mimesis"})
_MUTATORS = frozenset(
    {"append", "extend", "insert", "pop", "popitem", "update", "clear", "remove", "setdefault",
     "add", "discard", "set", "sort", "reverse", "acquire", "release", "run"}
)  # fmt: skip
_UNBATCHABLE_NODES = (
    nodes.Extends, nodes.Block, nodes.Macro, nodes.CallBlock, nodes.Include, nodes.Import,
    nodes.FromImport, nodes.Scope, nodes.OverlayScope, nodes.ExprStmt, nodes.Break,
    nodes.Continue,
)  # fmt: skip


def _batchable(ast: nodes.Template) -> bool:
    # `loop` inside the template's own for-loops is theirs, not the batch loop's.
    own_loop = {
        id(name)
        for for_node in ast.find_all(nodes.For)
        for child in for_node.body
        for name in child.find_all(nodes.Name)
        if name.name == "loop"
    }
    module_targets = set()
    for attr in ast.find_all(nodes.Getattr):
        if isinstance(attr.node, nodes.Name) and attr.node.name == "module":
            if attr.attr not in _PURE_MODULES:
                return False
            module_targets.add(id(attr.node))
        if attr.attr in _MUTATORS:
            return False
    for node in ast.find_all(nodes.Node):
        if isinstance(node, _UNBATCHABLE_NODES):
            return False
        if isinstance(node, nodes.Name) and (
            node.name.startswith("__eventum")
            or (
                node.name in _UNBATCHABLE_NAMES
                and id(node) not in module_targets
                and id(node) not in own_loop
            )
        ):
            return False
    return True


def _prints_timestamp_only(ast: nodes.Template) -> bool:
    """`timestamp` is only ever printed as is (`{{ timestamp }}`), so its text suffices."""
    printed = {
        id(child)
        for output in ast.find_all(nodes.Output)
        for child in output.nodes
        if isinstance(child, nodes.Name)
    }
    return all(id(n) in printed for n in ast.find_all(nodes.Name) if n.name == "timestamp")


@dataclass(frozen=True, slots=True)
class Facts:
    """What the plugin needs from a template's syntax tree, read once (and kept in the code
    cache beside the compiled template, so that a later run need not parse it)."""

    variables: frozenset[str]
    """Names used as variables (`shared`, `tags`)."""
    attributes: frozenset[str]
    """Names used as attributes (`module.faker` uses `faker`)."""
    batchable: bool
    text_timestamps: bool
    """`timestamp` is only printed as is, so `str(timestamp)` may stand in for it."""
    extends: bool

    def uses(self, names: tuple[str, ...]) -> bool:
        return any(name in self.variables or name in self.attributes for name in names)


def template_facts(env: Environment, source: str) -> Facts:
    """The facts of `source` (a syntax error raises, as parsing does)."""
    known: dict[str, Facts] = env.__dict__.setdefault("_eventum_facts", {})
    facts = known.get(source)
    if facts is None:

        def read() -> tuple[Any, ...]:
            ast = env.parse(source)
            return (
                tuple(sorted({n.name for n in ast.find_all(nodes.Name)})),
                tuple(sorted({n.attr for n in ast.find_all(nodes.Getattr)})),
                _batchable(ast),
                _prints_timestamp_only(ast),
                any(True for _ in ast.find_all(nodes.Extends)),
            )

        cache: CodeCache | None = getattr(env, "code_cache", None)
        found = read() if cache is None else cache.get_or_make(("facts", source), read)
        variables, attributes, batchable, text_timestamps, extends = found
        facts = known[source] = Facts(
            frozenset(variables), frozenset(attributes), batchable, text_timestamps, extends
        )
    return facts


def read_sources(env: Environment, templates: Sequence[str]) -> dict[str, str | None]:
    """Each template file's text (None: unreadable), read once for every question about it."""
    sources: dict[str, str | None] = {}
    for template in templates:
        try:
            sources[template] = env.loader.get_source(env, template)[0]  # type: ignore[union-attr]
        except Exception:
            sources[template] = None
    return sources


def names_used(
    env: Environment, sources: Iterable[str | None]
) -> Callable[[tuple[str, ...]], bool]:
    """Whether any of the template texts refers to any of some names, as a variable or an
    attribute (`module.faker`): each parsed once, an unreadable or unparsable one counting as
    yes to every question."""
    facts: list[Facts | None] = []
    for source in sources:
        try:
            facts.append(None if source is None else template_facts(env, source))
        except Exception:
            facts.append(None)
    return lambda names: any(f is None or f.uses(names) for f in facts)


@dataclass(frozen=True, slots=True)
class BatchForm:
    """A template's loop form: `template` renders a batch; `with_tags` says the loop also
    unpacks tags; `text_timestamps` says `str(timestamp)` may stand in for the datetime."""

    template: Template
    with_tags: bool
    text_timestamps: bool


_NEWLINE = re.compile(r"(\r\n|\r|\n)")


def batch_template(env: Environment, source: str) -> BatchForm | None:
    """The loop form of `source`, or None when it is not batchable."""
    facts = template_facts(env, source)
    if not facts.batchable:
        return None
    # Jinja drops one trailing newline of a template; inside the loop it would stay.
    lines = _NEWLINE.split(source)[::2]
    if lines[-1] == "":
        del lines[-1]
    body = "\n".join(lines)
    with_tags = "tags" in facts.variables
    target = "timestamp, tags" if with_tags else "timestamp"
    wrapped = f"{{% for {target} in {_BATCH_VAR} %}}{body}{SEPARATOR}{{% endfor %}}"
    try:
        return BatchForm(env.from_string(wrapped), with_tags, facts.text_timestamps)
    except Exception:
        return None


def error_location(error: BaseException) -> tuple[str | None, int | None]:
    """The template file and line where `error` was raised (innermost template frame)."""
    if isinstance(error, TemplateSyntaxError):
        return error.filename or error.name, error.lineno
    found: tuple[str | None, int | None] = (None, None)
    tb: TracebackType | None = error.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            found = (template.name, template.get_corresponding_lineno(tb.tb_lineno))
        tb = tb.tb_next
    return found
