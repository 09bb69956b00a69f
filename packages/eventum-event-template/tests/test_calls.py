"""Calls in templates go straight to the callable where Jinja's `context.call` would only pass the
arguments on, and `tojson` reuses one encoder: whatever is called, the fast environment renders
what Jinja's own renders."""

from __future__ import annotations

import builtins
import collections
import datetime

import pytest
from jinja2 import DictLoader, Environment, pass_context, pass_environment

from eventum_event_template.fast import CachingEnvironment, FastEnvironment


class Tools:
    def plain(self, x: int) -> int:
        return x + 1

    @pass_context
    def with_context(self, context, name: str):  # type: ignore[no-untyped-def]
        return context.get(name, "-")

    def stops(self) -> int:
        raise StopIteration


class Marked:
    """A class a template calls that asks for the context, as a `pass_context` function does."""

    jinja_pass_arg = pass_context(lambda: None).jinja_pass_arg  # type: ignore[attr-defined]

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        self.names = sorted(context.keys())[:2]

    def __str__(self) -> str:
        return ",".join(self.names)


@pass_context
def seen(context, name: str):  # type: ignore[no-untyped-def]
    return context.get(name, "-")


@pass_environment
def env_kind(environment) -> str:  # type: ignore[no-untyped-def]
    return type(environment).__name__.replace("Fast", "").replace("Caching", "")


SOURCES = {
    "C functions and methods": "{% set l = [] %}{% do l.append(3) %}{{ l }} {{ 'a,b'.split(',') }}",
    "a method, twice (then direct)": "{{ tools.plain(1) }}{{ tools.plain(2) }}",
    "a method that takes the context": "{% set v = 7 %}{{ tools.with_context('v') }}",
    "a function that takes the context": "{% set v = 8 %}{{ seen('v') }}{{ seen('v') }}",
    "in a loop, the loop's variables": (
        "{% for i in [1, 2] %}{% set w = i * 10 %}{{ seen('w') }},{% endfor %}"
    ),
    "the environment": "{{ env_kind() }}",
    "a class and a plain function": "{{ dict(a=1) }} {{ range(3) | list }} {{ lipsum_like(2) }}",
    "standard classes, twice (then direct), and a class of another module": (
        "{% for i in [1, 2] %}{{ dt.timedelta(hours=i) }} {{ dt.datetime(2024, i, 1).isoformat() }}"
        " {{ py.dict(a=i) }} {{ Tools().plain(i) }} {{ Marked() }};{% endfor %}"
    ),
    "next on an empty iterator": "[{{ py.next(py.iter([])) }}]",
    "a method raising StopIteration": "[{{ tools.stops() }}]",
    "a macro": "{% macro m(x, y=2) %}{{ x }}-{{ y }}{% endmacro %}{{ m(1) }} {{ m(1, y=3) }}",
    "a call block": "{% macro m() %}<{{ caller() }}>{% endmacro %}{% call m() %}in{% endcall %}",
    "macro arguments left out, defaults": (
        "{% macro m(a, b, c=3) %}{{ a }}{{ b is defined }}{{ c }}{% endmacro %}"
        "{{ m(1, 2) }} {{ m(1) }} {{ m() }} {{ m(1, 2, 4) }} {{ m(1, c=5) }}"
    ),
    "macros with varargs, kwargs, a caller argument": (
        "{% macro v(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, 3) }} {{ v(1, x=2) }}"
        "{% macro c(caller=none) %}{{ caller is none }}{% endmacro %}{{ c() }}"
    ),
    "a macro imported from another template": (
        "{% import 'lib' as lib %}{{ lib.m(1) }}{{ lib.m(1, 2) }}"
    ),
    "a macro in an autoescape block": (
        "{% autoescape true %}{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m('&') }}{% endautoescape %}"
    ),
    "keywords that are Python's": "{{ kw(**{'class': 1}) }} {{ kw(a=2) }}",
    "star arguments": "{{ add(*[1, 2]) }} {{ add(**{'a': 3, 'b': 4}) }}",
    "tojson": (
        "{{ \"<a href='x'>&</a>\" | tojson }} {{ {'b': [1, 2.5, none], 'a': true} | tojson }} "
        "{{ 'é' | tojson }} {{ [1, {'z': 1, 'y': 2}] | tojson(indent=2) }}"
    ),
    "filters that have async variants": (
        "{{ [3, 1, 2] | first }} {{ [1, 2] | join('-') }} {{ [1, 2] | sum }} {{ 'ab' | list }} "
        "{{ [{'a': 1}, {'a': 1}] | map(attribute='a') | unique | list }} "
        "{{ [{'k': 'x', 'v': 1}] | groupby('k') | list }} {{ [1, 2, 3] | select('odd') | list }}"
    ),
    "a dict's keys and attributes, a mapping's keys": (
        "{% set d = {'a': 1, 'items': 2, 'b': none} %}{{ d.a }} {{ d.items is callable }} "
        "[{{ d.missing }}] {{ d.b }} {{ d.get('a') }} {{ od.x }} {{ od.keys is callable }} [{{ od.y }}]"
    ),
    "tojson stays markup": "{{ ('<' | tojson) + '<b>' }} {{ ('x' | tojson).__class__.__name__ }}",
}


def _render(kind: type[Environment], source: str) -> str:
    env = kind(extensions=["jinja2.ext.do"])
    env.globals.update(
        tools=Tools(), seen=seen, env_kind=env_kind, py=builtins, lipsum_like=lambda n: "w" * n,
        kw=lambda **k: sorted(k), add=lambda a, b: a + b, dt=datetime, Tools=Tools, Marked=Marked,
        od=collections.OrderedDict(x=3),
    )  # fmt: skip
    env.loader = DictLoader({"lib": "{% macro m(a, b='-') %}{{ a }}{{ b }}{% endmacro %}"})
    template = env.from_string(source)
    return template.render() + template.render()  # the second render takes the direct path


def test_too_many_macro_arguments_fail_as_in_jinja() -> None:
    source = "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}"
    for kind in (FastEnvironment, CachingEnvironment):
        with pytest.raises(TypeError, match="takes not more than 1 argument"):
            kind().from_string(source).render()


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES.keys())
def test_direct_calls_render_what_jinja_renders(source: str) -> None:
    assert _render(FastEnvironment, source) == _render(CachingEnvironment, source)


@pytest.mark.parametrize("kind", [FastEnvironment, CachingEnvironment])
def test_an_imported_template_sees_the_importing_templates_own_globals(
    kind: type[Environment],
) -> None:
    env = kind(loader=DictLoader({
        "lib": "{% set seen = extra | default('none') %}{% macro m() %}{{ seen }}{% endmacro %}",
        "main": "{% from 'lib' import m %}{% import 'lib' as lib %}{{ m() }} {{ lib.seen }}",
    }))  # fmt: skip
    assert env.get_template("main").render() == "none none"
    with_extra = env.get_template("main", globals={"extra": "x"})
    assert with_extra.render() == "x x"
    assert env.get_template("lib").module.seen == "none"  # the cached module is the plain one


def test_standard_classes_are_then_called_straight_and_others_through_the_context() -> None:
    from eventum_event_template import fast

    _render(
        FastEnvironment,
        SOURCES["standard classes, twice (then direct), and a class of another module"],
    )
    assert {datetime.timedelta, datetime.datetime, dict} <= fast._DIRECT_FUNCTIONS
    assert Marked not in fast._DIRECT_FUNCTIONS and Tools not in fast._DIRECT_FUNCTIONS
