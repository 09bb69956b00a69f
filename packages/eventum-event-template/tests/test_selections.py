"""Loops and select filters over samples take shortcuts (fast.py) that must give what Jinja gives:
the same seed renders the same events with the shortcuts on and off, and the loops that could
differ are left to Jinja."""

from __future__ import annotations

import json

import pytest
from jinja2 import nodes

from eventum_event_template import fast

from .conftest import make_batch, render

HOSTS = [
    {"name": "web1", "role": "web", "zone": "dmz", "items": 1},
    {"name": "db1", "role": "db", "zone": "core", "items": 2},
    {"name": "web2", "role": "web", "zone": "core", "items": 3},
    {"name": "db2", "role": "db", "zone": "dmz", "items": 4},
]
SAMPLES = {"hosts": {"type": "json", "source": "hosts.json"}}
FILES = {"hosts.json": json.dumps(HOSTS)}
LOOPS = {
    "test with a constant": "{% for h in samples.hosts if h.role == 'web' %}{{ h.name }},{% endfor %}",
    "test with a variable and loop.index": (
        "{% set r = ['web', 'db'] | random %}"
        "{% for h in samples.hosts if h.role == r %}{{ loop.index }}:{{ h.name }},{% endfor %}"
    ),
    "and, in, a list": (
        "{% for h in samples.hosts if h.role in ['web', 'db'] and h.zone != 'dmz' %}"
        "{{ h.name }},{% endfor %}"
    ),
    "if as the whole body": (
        "{% set l = [] %}{% for h in samples.hosts %}{% if h.zone == 'dmz' %}"
        "{% do l.append(h.name) %}{% endif %}{% endfor %}{{ l | random }}"
    ),
    "if with loop.index (not a selection)": (
        "{% for h in samples.hosts %}{% if h.role == 'db' %}{{ loop.index }}{% endif %}{% endfor %}"
    ),
    "if with for-else (not a selection)": (
        "{% for h in samples.hosts %}{% if h.role == 'x' %}{{ h.name }}{% endif %}"
        "{% else %}empty{% endfor %}"
    ),
    "value drawn per item (not a selection)": (
        "{% for h in samples.hosts if h.role == module.rand.choice(['web', 'db']) %}"
        "{{ h.name }},{% endfor %}"
    ),
    "a dict's own attribute (not a selection)": (
        "{% for d in [{'items': 1}, {'items': 2}] if d.items == 1 %}x{% else %}none{% endfor %}"
    ),
    "a list of dicts": (
        "{% for d in [{'k': 1}, {'k': 2}, {'k': 1}] if d.k == 1 %}{{ loop.length }}{% endfor %}"
    ),
    "selectattr twice": (
        "{{ (samples.hosts | selectattr('role', 'eq', 'db') | selectattr('zone', 'equalto', "
        "'dmz') | list | random).name }} {{ samples.hosts | rejectattr('role', 'eq', 'web') "
        "| map(attribute='name') | join(',') }}"
    ),
    "select on a column, unhashable argument": (
        "{{ samples.hosts['role'] | select('in', ['db']) | list }} "
        "{{ samples.hosts | selectattr('role', 'in', ['web']) | list | length }}"
    ),
    "length of a selection fails as Jinja's does": (
        "{{ samples.hosts | selectattr('role', 'eq', 'db') | length }}"
    ),
}


def _events(make_plugin, monkeypatch, source: str, on: bool) -> list[str]:
    monkeypatch.setattr(fast, "ENABLED", on)
    plugin = make_plugin({"samples": SAMPLES}, {"t.jinja": source, **FILES}, seed=5)
    produced = plugin.produce(make_batch(30))
    return [*produced.events, f"failed={produced.failed}"]


@pytest.mark.parametrize("source", LOOPS.values(), ids=LOOPS.keys())
def test_shortcuts_render_what_jinja_renders(make_plugin, monkeypatch, source):
    assert _events(make_plugin, monkeypatch, source, True) == _events(
        make_plugin, monkeypatch, source, False
    )


def _loop(source: str) -> nodes.For:
    env = fast.FastEnvironment(extensions=["jinja2.ext.do"])
    return next(env.parse(source).find_all(nodes.For))


@pytest.mark.parametrize(
    ("name", "selected"),
    [
        ("test with a constant", True),
        ("test with a variable and loop.index", True),
        ("and, in, a list", True),
        ("if as the whole body", True),
        ("if with loop.index (not a selection)", False),
        ("if with for-else (not a selection)", False),
        ("value drawn per item (not a selection)", False),
        ("a dict's own attribute (not a selection)", False),
    ],
)
def test_only_loops_that_select_by_fixed_values_become_selections(name, selected):
    loop = _loop(LOOPS[name])
    assert (isinstance(loop.iter, nodes.Filter) and loop.test is None) is selected


def test_a_selection_of_sample_rows_is_made_once(make_plugin, monkeypatch):
    source = "{{ (samples.hosts | selectattr('role', 'eq', 'db') | list | random).name }}"
    plugin = make_plugin({"samples": SAMPLES}, {"t.jinja": source, **FILES}, seed=1)
    tested = []
    original = plugin._env.tests["eq"]
    plugin._env.tests["eq"] = lambda a, b: tested.append(a) or original(a, b)
    assert set(render(plugin, 50)) == {"db1", "db2"}
    assert len(tested) == 4  # each row once, on the first event
