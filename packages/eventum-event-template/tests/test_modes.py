from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError

from eventum_core import EventPlugin
from eventum_event_template import TemplateEvent

from .conftest import make_batch, render

FILES = {"a.jinja": "A", "b.jinja": "B", "c.jinja": "C"}
THREE = [{k: {"template": f"{k}.jinja"}} for k in "abc"]


def test_plugin_meets_the_protocol(make_plugin):
    assert isinstance(make_plugin({}, {"a.jinja": "x"}), EventPlugin)
    assert TemplateEvent.Config is not None


def test_all_renders_every_template_in_order(make_plugin):
    plugin = make_plugin({"mode": "all", "templates": THREE}, FILES)
    assert render(plugin, 2) == ["A", "B", "C", "A", "B", "C"]


def test_any_is_uniform(make_plugin):
    plugin = make_plugin({"mode": "any", "templates": THREE}, FILES, seed=3)
    counts = Counter(render(plugin, 6000))
    assert set(counts) == {"A", "B", "C"}
    for value in counts.values():
        assert 1800 < value < 2200


def test_chance_follows_relative_weights(make_plugin):
    templates = [
        {"a": {"template": "a.jinja", "chance": 6}},
        {"b": {"template": "b.jinja", "chance": 3}},
        {"c": {"template": "c.jinja", "chance": 1}},
    ]
    plugin = make_plugin({"mode": "chance", "templates": templates}, FILES, seed=1)
    counts = Counter(render(plugin, 10000))
    assert counts["A"] == pytest.approx(6000, rel=0.05)
    assert counts["B"] == pytest.approx(3000, rel=0.07)
    assert counts["C"] == pytest.approx(1000, rel=0.12)


def test_chance_must_be_positive(make_plugin):
    with pytest.raises(ValidationError):
        make_plugin({"mode": "chance", "templates": [{"a": {"template": "a.jinja", "chance": 0}}]},
                    FILES)  # fmt: skip


def test_spin_cycles_across_batches(make_plugin):
    plugin = make_plugin({"mode": "spin", "templates": THREE}, FILES)
    assert render(plugin, 4) + render(plugin, 3) == list("ABCABCA")


def test_chain_follows_the_chain(make_plugin):
    config = {"mode": "chain", "chain": ["a", "a", "c"], "templates": THREE}
    plugin = make_plugin(config, FILES)
    assert render(plugin, 5) + render(plugin, 2) == list("AACAACA")


def test_chain_rejects_unknown_aliases(make_plugin):
    with pytest.raises(ValidationError, match="unknown template aliases"):
        make_plugin({"mode": "chain", "chain": ["x"], "templates": THREE}, FILES)


def test_templates_need_unique_single_key_items(make_plugin):
    with pytest.raises(ValidationError, match="duplicate"):
        make_plugin({"templates": [{"a": {"template": "a.jinja"}}, {"a": {"template": "b.jinja"}}]},
                    FILES)  # fmt: skip
    with pytest.raises(ValidationError, match="exactly one key"):
        make_plugin({"templates": [{"a": {"template": "a.jinja"}, "b": {"template": "b.jinja"}}]},
                    FILES)  # fmt: skip


def test_unknown_mode_is_rejected(make_plugin):
    with pytest.raises(ValidationError):
        make_plugin({"mode": "random", "templates": THREE}, FILES)


FSM_FILES = {
    "login.jinja": "login{% do shared.set('n', shared.get('n', 0) + 1) %}",
    "work.jinja": "work{% do locals.set('k', locals.get('k', 0) + 1) %}",
    "logout.jinja": "logout",
}


def test_fsm_moves_on_first_true_transition(make_plugin):
    templates = [
        {"login": {"template": "login.jinja", "initial": True,
                   "transitions": [{"to": "work", "when": {"always": None}}]}},
        {"work": {"template": "work.jinja",
                  "transitions": [{"to": "logout", "when": {"ge": {"locals.k": 2}}},
                                  {"to": "work", "when": {"always": None}}]}},
        {"logout": {"template": "logout.jinja",
                    "transitions": [{"to": "login", "when": {"never": None}},
                                    {"to": "work", "when": {"eq": {"shared.n": 1}}}]}},
    ]  # fmt: skip
    plugin = make_plugin({"mode": "fsm", "templates": templates}, FSM_FILES)
    assert render(plugin, 6) == ["login", "work", "work", "logout", "work", "logout"]


def test_fsm_needs_exactly_one_initial_state(make_plugin):
    templates = [{"a": {"template": "a.jinja"}}, {"b": {"template": "b.jinja"}}]
    with pytest.raises(ValidationError, match="exactly one template must be initial"):
        make_plugin({"mode": "fsm", "templates": templates}, FILES)
    two = [{"a": {"template": "a.jinja", "initial": True}},
           {"b": {"template": "b.jinja", "initial": True}}]  # fmt: skip
    with pytest.raises(ValidationError, match="exactly one"):
        make_plugin({"mode": "fsm", "templates": two}, FILES)


def test_fsm_transition_to_unknown_state_is_rejected(make_plugin):
    templates = [{"a": {"template": "a.jinja", "initial": True,
                        "transitions": [{"to": "zzz", "when": {"always": None}}]}}]  # fmt: skip
    with pytest.raises(ValidationError, match="unknown 'zzz'"):
        make_plugin({"mode": "fsm", "templates": templates}, FILES)


def test_fsm_uses_tags_and_timestamp(make_plugin):
    templates = [
        {"a": {"template": "a.jinja", "initial": True,
               "transitions": [{"to": "b", "when": {"has_tags": ["x"]}}]}},
        {"b": {"template": "b.jinja",
               "transitions": [{"to": "c", "when": {"after": {"second": 3}}}]}},
        {"c": {"template": "c.jinja"}},
    ]  # fmt: skip
    plugin = make_plugin({"mode": "fsm", "templates": templates}, FILES)
    batch_tags = [("y",), ("x",)]
    events = plugin.produce(make_batch(6, tags=batch_tags, sources=[0, 0, 1, 1, 1, 1])).events
    # 00:00:02 has tag x (a→b); at 00:00:03 `after second=3` holds (b→c).
    assert events == ["A", "A", "B", "C", "C", "C"]


@pytest.mark.parametrize(
    ("template", "scope", "split", "moved"),
    [
        ("{{ module.rand.number.integer(1, 9) }}", "generator", True, True),
        ("{% do shared.set('n', shared.get('n', 0) + 1) %}{{ shared.get('n') }}", "generator",
         False, True),
        ("{% do locals.set('n', 1) %}x", "generator", False, True),
        ("{% do shared.set('n', shared.get('n', 0) + 1) %}{{ shared.get('n') }}", "producer",
         True, True),
        ("{% do globals.set('n', 1) %}x", "producer", False, False),
    ],
)  # fmt: skip
def test_state_decides_where_the_templates_may_render(make_plugin, template, scope, split, moved):
    """`shared` and `locals` are one sequence for the generator unless `shared_scope: producer`:
    then batches may be split over processes; `globals` is the process's, so it stays here."""
    config = {"mode": "any", "shared_scope": scope, "templates": [{"a": {"template": "a.jinja"}}]}
    plugin = make_plugin(config, {"a.jinja": template})
    assert (plugin.parallel_safe, plugin.movable) == (split, moved)
