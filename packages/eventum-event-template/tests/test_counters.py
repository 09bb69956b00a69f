"""`shared` counters computed ahead: templates whose state is counters render on every core and
their counters stay one sequence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from jinja2 import Environment

from eventum_core.testing import run_generator
from eventum_event_template.counters import CounterPlan, counter_ops
from eventum_event_template.pickers import Picker

GET = "{%- set n = shared.get('n', 0) + 1 -%}"
SET = "{%- do shared.set('n', n) -%}"


@pytest.fixture(params=["jinja", "plugin"])
def ops(request, make_plugin):
    """`counter_ops` with plain Jinja's parser and with the plugin's (which folds constants:
    `[]` is a constant there)."""
    if request.param == "jinja":
        env = Environment(extensions=["jinja2.ext.do"])
    else:
        env = make_plugin({}, {"t.jinja": "x"})._env
    return lambda source, sources={}: counter_ops(env, source, sources)


def test_counter_statements_are_read_in_order(ops):
    source = (
        "{%- set seq = shared.get('seq', 100000) -%}\n{{ seq }} {{ module.rand.crypto.uuid4() }}\n"
        "{%- do shared.set('seq', (seq + 1) % 2147483647) -%}"
    )
    assert ops(source) == (
        ("let", "seq", ("get", "seq", 100000)),
        ("set", "seq", ("%", ("+", ("name", "seq"), ("const", 1)), ("const", 2147483647))),
    )
    assert ops("{{ module.rand.crypto.uuid4() }}") == ()  # leaves `shared` alone


@pytest.mark.parametrize(
    "source",
    [
        "{%- set s = shared.get('sessions', []) -%}{% do s.append(1) %}",  # a pool
        "{%- set s = shared.get('sessions', []) -%}{% do shared.set('sessions', s) %}",
        "{%- set n = shared.get('seq:' ~ host, 0) -%}{% do shared.set('seq:' ~ host, n + 1) %}",
        "{% if x %}" + GET + SET + "{% endif %}",  # not at the top level
        GET + SET + "{{ shared.get('n') }}",  # printed
        GET + "{% set n = 5 %}" + SET,  # bound again
        GET + "{% for n in [1] %}{% endfor %}" + SET,
        "{% do shared.update({'n': 1}) %}",
        "{% macro m() %}" + GET + "{% endmacro %}",
    ],
)
def test_other_uses_of_shared_are_not_counters(ops, source):
    assert ops(source) is None


MACRO = (
    "{%- macro next_id(sh) -%}{%- set eid = sh.get('id', 1000) -%}"
    "{%- do sh.set('id', eid + 1) -%}{{ eid }}{%- endmacro -%}"
)
IMPORT = "{%- from '_base.jinja' import next_id -%}"


def test_a_macro_counter_called_with_shared_is_read_as_the_macros_statements(ops):
    """The content packs' form: an imported macro counts, called where the template prints."""
    source = IMPORT + '{"id": "{{ next_id(shared) | trim }}", "n": {{ next_id(shared) }}}'
    body = (
        ("let", "eid", ("get", "id", 1000)),
        ("set", "id", ("+", ("name", "eid"), ("const", 1))),
    )
    assert ops(source, {"_base.jinja": MACRO}) == (("call", body), ("call", body))
    step = (("let", "eid", ("const", 5)), ("call", body), ("set", "x", ("name", "eid")))
    plan = CounterPlan(Picker(("t",)), {"t": step})  # the macro's `eid` is its own
    plan.plan(2)
    assert plan.plan(1) == (None, {"id": 1002, "x": 5})


@pytest.mark.parametrize(
    ("source", "base"),
    [
        (IMPORT + "{{ next_id(shared) }}", None),  # the file is not there
        (IMPORT + "{{ other(shared) }}", MACRO),  # not an imported macro
        (IMPORT + "{% if x %}{{ next_id(shared) }}{% endif %}", MACRO),  # not at the top level
        (IMPORT + "{{ next_id(shared) if x }}", MACRO),
        (IMPORT + "{{ next_id(shared.x) }}", MACRO),
        (IMPORT + "{{ next_id(shared) | default(shared) }}", MACRO),
        (IMPORT + "{{ next_id(shared) }}{{ shared }}", MACRO),
        (IMPORT + "{% set next_id = 1 %}{{ next_id(shared) }}", MACRO),  # bound again
        (IMPORT + "{{ next_id(shared) }}", MACRO.replace("(sh)", "(sh, n=1)")),
        (IMPORT + "{{ next_id(shared) }}", MACRO.replace("{{ eid }}", "{{ sh.get('x') }}")),
        (IMPORT + "{{ next_id(shared) }}", MACRO.replace("1000", "shared.get('y')")),
        (IMPORT + "{{ next_id(shared) }}", MACRO.replace("do sh.set", "do sh.update")),
    ],
)
def test_other_macro_uses_of_shared_are_not_counters(ops, source, base):
    assert ops(source, {"_base.jinja": base}) is None


def test_a_plan_gives_each_piece_the_values_the_pieces_before_it_leave():
    step = (("let", "n", ("+", ("get", "n", 0), ("const", 1))), ("set", "n", ("name", "n")))
    plan = CounterPlan(Picker(("a", "b")), {"a": step, "b": ()})  # `all`: a and b each time
    assert plan.plan(3) == (None, {})
    assert plan.plan(2) == (None, {"n": 3})
    assert plan.plan(1) == (None, {"n": 5})


def test_a_statement_that_fails_stops_the_template_there_as_rendering_does():
    step = (
        ("set", "a", ("const", 1)),
        ("let", "n", ("+", ("get", "n", "x"), ("const", 1))),  # "x" + 1: a TypeError
        ("set", "n", ("name", "n")),
    )
    plan = CounterPlan(Picker(("t",)), {"t": step})
    assert plan.plan(2) == (None, {})
    assert plan.plan(1) == (None, {"a": 1})


def _pack(tmp_path: Path, count: int, a: str, b: str, **event: object) -> dict:
    (tmp_path / "a.jinja").write_text(a)
    (tmp_path / "b.jinja").write_text(b)
    return {
        "input": [{"linspace": {"start": "2024-01-01T00:00:00+00:00",
                                "end": "2024-01-01T01:00:00+00:00", "count": count}}],
        "event": {"template": {"mode": "chance", **event, "templates": [
            {"a": {"template": "a.jinja", "chance": 3}},
            {"b": {"template": "b.jinja", "chance": 1}},
        ]}},
        "output": [{"stdout": {"formatter": {"format": "json"}}}],
    }  # fmt: skip


A = (
    GET + SET + "{%- set a = shared.get('a', 100) -%}"
    "{%- do shared.set('a', (a + 1) % 2147483647) -%}"
    '{"t": "a", "n": {{ n }}, "a": {{ a }}, "pid": {{ module.os.getpid() }},'
    ' "u": "{{ module.rand.crypto.uuid4() }}"}'
)
B = GET + SET + '{"t": "b", "n": {{ n }}, "pid": {{ module.os.getpid() }}}'


def test_counters_are_one_sequence_over_every_core(tmp_path: Path):
    config = _pack(tmp_path, 6000, A, B)
    run = run_generator(config, base_path=tmp_path, batch={"size": 1000}, workers=2, seed=3)
    events = [json.loads(e) for e in run.events]
    assert [e["n"] for e in events] == list(range(1, 6001))
    a = [e["a"] for e in events if e["t"] == "a"]
    assert a == list(range(100, 100 + len(a))) and 0.7 < len(a) / 6000 < 0.8  # chance 3:1
    pids = {e["pid"] for e in events}
    assert len(pids) == 2 and os.getpid() in pids  # this process and a worker made batches
    again = run_generator(config, base_path=tmp_path, batch={"size": 1000}, workers=2, seed=3)
    repeated = [json.loads(e) for e in again.events]
    assert [e | {"pid": 0} for e in repeated] == [e | {"pid": 0} for e in events]  # seeded


def test_macro_counters_are_one_sequence_over_every_core(tmp_path: Path):
    (tmp_path / "_base.jinja").write_text(MACRO)
    a = IMPORT + '{"t": "a", "id": {{ next_id(shared) }}, "pid": {{ module.os.getpid() }}}'
    b = IMPORT + '{"t": "b", "id": "{{ next_id(shared) | trim }}", "pid": 0}'
    config = _pack(tmp_path, 4000, a, b)
    run = run_generator(config, base_path=tmp_path, batch={"size": 1000}, workers=2, seed=5)
    events = [json.loads(e) for e in run.events]
    assert [int(e["id"]) for e in events] == list(range(1000, 5000))
    assert len({e["pid"] for e in events if e["t"] == "a"}) == 2  # rendered in two processes


def test_a_template_with_other_state_is_not_planned(make_plugin):
    counters = make_plugin({"mode": "chance", "templates": [
        {"a": {"template": "a.jinja", "chance": 1}}, {"b": {"template": "b.jinja", "chance": 1}},
    ]}, {"a.jinja": A, "b.jinja": B})  # fmt: skip
    assert (counters.parallel_safe, counters.planned, counters.movable) == (False, True, True)
    pool = "{%- set s = shared.get('s', []) -%}{% do s.append(1) %}x"
    for config, files in [
        ({"mode": "chance", "templates": [{"a": {"template": "a.jinja", "chance": 1}}]},
         {"a.jinja": pool}),
        ({"mode": "spin", "templates": [{"a": {"template": "a.jinja"}}]}, {"a.jinja": A}),
        ({"mode": "any", "shared_scope": "producer", "templates": [{"a": {"template": "a.jinja"}}]},
         {"a.jinja": A}),
    ]:  # fmt: skip
        plugin = make_plugin(config, files)
        assert not plugin.planned
