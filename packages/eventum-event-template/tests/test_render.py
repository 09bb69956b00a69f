from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from eventum_core import ConfigError
from eventum_core.testing import validation_context
from eventum_event_template.rendering import SEPARATOR

from .conftest import START, RecordingLogger, make_batch, render

BENCH = Path("/work/shared/bench/workloads")


def test_context_variables(make_plugin):
    source = (
        "{{ timestamp.isoformat() }}|{{ timestamp.tzinfo is not none }}|{{ tags | join(',') }}|"
        "{{ params.env }}|{{ vars.kind }}|{{ module.json.dumps([1]) }}|{{ missing }}|"
        "{{ module['os.path'].basename('/a/b') }}"
    )
    plugin = make_plugin(
        {"params": {"env": "prod"},
         "templates": [{"t": {"template": "t.jinja", "vars": {"kind": "k1"}}}]},
        {"t.jinja": source},
    )  # fmt: skip
    produced = plugin.produce(make_batch(1, tags=[("a", "b")]))
    assert produced.events == ["2024-01-01T00:00:00+00:00|True|a,b|prod|k1|[1]||b"]


def test_timestamp_is_in_the_generator_timezone(make_plugin):
    tz = ZoneInfo("Europe/Berlin")
    plugin = make_plugin({}, {"t.jinja": "{{ timestamp.hour }} {{ timestamp.utcoffset() }}"},
                         tz=tz)  # fmt: skip
    assert render(plugin, 1, tz=tz) == ["1 1:00:00"]


def test_vars_are_per_template(make_plugin):
    templates = [{"a": {"template": "v.jinja", "vars": {"x": 1}}},
                 {"b": {"template": "v.jinja", "vars": {"x": 2}}}]  # fmt: skip
    plugin = make_plugin({"templates": templates}, {"v.jinja": "{{ vars.x }}"})
    assert render(plugin, 2) == ["1", "2", "1", "2"]


def test_state_scopes(make_plugin):
    counter = (
        "{% do locals.set('n', locals.get('n', 0) + 1) %}"
        "{% do shared.update({'s': shared['s'] or 0}) %}{% do shared.set('s', shared.s + 1) %}"
        "{{ locals.n }}/{{ shared.get('s') }}"
    )
    templates = [{"a": {"template": "c.jinja"}}, {"b": {"template": "c.jinja"}}]
    plugin = make_plugin({"templates": templates}, {"c.jinja": counter})
    assert render(plugin, 2) == ["1/1", "1/2", "2/3", "2/4"]
    assert plugin.shared.as_dict() == {"s": 4}
    assert {k: v.as_dict() for k, v in plugin.local_states.items()} == {
        "a": {"n": 2},
        "b": {"n": 2},
    }


def test_state_pop_clear_as_dict(make_plugin):
    source = ("{% do locals.set('a', 1) %}{% do locals.set('b', 2) %}{{ locals.pop('a') }}"
              "{{ locals.pop('zz', 'd') }}{{ locals.as_dict() }}{% do locals.clear() %}"
              "{{ locals.as_dict() }}")  # fmt: skip
    assert render(make_plugin({}, {"t.jinja": source})) == ["1d{'b': 2}{}"]


def test_globals_are_shared_across_plugins_and_shared_is_not(make_plugin, tmp_path):
    source = ("{% do globals.acquire() %}{% do globals.set('g_test', globals.get('g_test', 0) + 1)"
              " %}{% do globals.release() %}{% do shared.set('s', shared.get('s', 0) + 1) %}"
              "{{ globals['g_test'] }} {{ shared.s }}")  # fmt: skip
    first = make_plugin({}, {"t.jinja": source})
    second = make_plugin({}, {"t.jinja": source})
    assert render(first) == ["1 1"]
    assert render(second) == ["2 1"]
    from eventum_event_template.state import GLOBAL_STATE

    GLOBAL_STATE.pop("g_test")


def test_subprocess_run(make_plugin, tmp_path):
    source = ("{% set r = subprocess.run('echo out; echo err >&2; exit 3', cwd=cwd) %}"
              "{{ r.stdout.strip() }} {{ r.stderr.strip() }} {{ r.exit_code }} "
              "{{ subprocess.run('echo $X', env={'X': 5}).stdout.strip() }} "
              "{{ subprocess.run('pwd', cwd=cwd).stdout.strip() == cwd }}")  # fmt: skip
    plugin = make_plugin({"params": {}}, {"t.jinja": "{% set cwd = params.cwd %}" + source})
    plugin = make_plugin({"params": {"cwd": str(tmp_path)}},
                         {"t.jinja": "{% set cwd = params.cwd %}" + source})  # fmt: skip
    assert render(plugin) == ["out err 3 5 True"]


def test_subprocess_timeout_fails_the_event(make_plugin):
    log = RecordingLogger()
    plugin = make_plugin({}, {"t.jinja": "{{ subprocess.run('sleep 5', timeout=0.2) }}"},
                         logger=log)  # fmt: skip
    produced = plugin.produce(make_batch(1))
    assert produced.failed == 1
    assert "TimeoutExpired" in log.records[0][2]["error"]


def test_dispatch_drop(make_plugin):
    source = (
        "{% if timestamp.second % 2 %}{% do dispatch.drop() %}{% endif %}{{ timestamp.second }}"
    )
    templates = [{"a": {"template": "t.jinja"}}, {"b": {"template": "t.jinja"}}]
    plugin = make_plugin({"templates": templates}, {"t.jinja": source})
    produced = plugin.produce(make_batch(4))
    assert produced.events == ["0", "0", "2", "2"]
    assert produced.dropped == 2


def test_dispatch_next_repicks(make_plugin):
    files = {"a.jinja": "{% do dispatch.next() %}A", "b.jinja": "B"}
    templates = [{"a": {"template": "a.jinja"}}, {"b": {"template": "b.jinja"}}]
    plugin = make_plugin({"mode": "spin", "templates": templates}, files)
    assert render(plugin, 3) == ["B", "B", "B"]


def test_dispatch_next_over_the_limit_fails(make_plugin):
    log = RecordingLogger()
    plugin = make_plugin({}, {"t.jinja": "{% do dispatch.next(max_repicks=3) %}"}, logger=log)
    produced = plugin.produce(make_batch(2))
    assert (produced.events, produced.failed) == ([], 2)
    assert "repick limit exceeded (3)" in log.records[0][2]["error"]
    assert log.records[0][2]["failed_events"] == 2


def test_dispatch_exhaust(make_plugin):
    source = (
        "{% if timestamp.second == 2 %}{% do dispatch.exhaust() %}{% endif %}{{ timestamp.second }}"
    )
    plugin = make_plugin({}, {"t.jinja": source})
    produced = plugin.produce(make_batch(5))
    assert produced.events == ["0", "1"]
    assert produced.exhausted
    assert plugin.produce(make_batch(2)).exhausted


def test_include_import_and_from_import(make_plugin):
    files = {
        "main.jinja": (
            "{% import 'lib/macros.jinja' as m %}{% from 'lib/macros.jinja' import shout %}"
            "{% include 'parts/head.jinja' %}|{{ m.greet(params.who) }}|{{ shout('x') }}"
        ),
        "lib/macros.jinja": (
            "{% macro greet(n) %}hi {{ n }} {{ params.who }}{% endmacro %}"
            "{% macro shout(s) %}{{ s | upper }}!{% endmacro %}"
        ),
        "parts/head.jinja": "[{{ timestamp.year }} {{ vars.v }}]",
    }
    plugin = make_plugin(
        {"params": {"who": "bob"},
         "templates": [{"m": {"template": "main.jinja", "vars": {"v": 7}}}]}, files
    )  # fmt: skip
    assert render(plugin) == ["[2024 7]|hi bob bob|X!"]


def test_extends_renders_repeatedly(make_plugin):
    files = {
        "base.jinja": "<{% block body %}{% endblock %}>",
        "child.jinja": (
            "{% extends 'base.jinja' %}{% block body %}{{ timestamp.second }}{% endblock %}"
        ),
    }
    plugin = make_plugin({"templates": [{"c": {"template": "child.jinja"}}]}, files)
    assert render(plugin, 3) == ["<0>", "<1>", "<2>"]


def test_whitespace_is_kept_and_one_trailing_newline_dropped(make_plugin):
    plugin = make_plugin({}, {"t.jinja": "  line1\n  {{ 1 }}\n\n"})
    assert render(plugin, 2) == ["  line1\n  1\n", "  line1\n  1\n"]


def test_top_level_set_does_not_leak_into_the_next_event(make_plugin):
    source = "{{ x is defined }}{% set x = 1 %}{{ shared.get('k') }}{% do shared.set('k', 1) %}"
    assert render(make_plugin({}, {"t.jinja": source}), 2) == ["FalseNone", "False1"]


def test_render_errors_are_counted_and_logged_once_per_batch(make_plugin):
    log = RecordingLogger()
    source = (
        "ok {{ timestamp.second }}\n{% if timestamp.second == 1 %}{{ nothing.attr }}{% endif %}"
    )
    templates = [{"fine": {"template": "f.jinja"}}, {"bad": {"template": "t.jinja"}}]
    plugin = make_plugin({"templates": templates}, {"t.jinja": source, "f.jinja": "F"}, logger=log)
    produced = plugin.produce(make_batch(3))
    assert produced.events == ["F", "ok 0\n", "F", "ok 2\n"]
    assert produced.failed == 1
    [(level, _message, fields)] = log.records
    assert level == "error"
    assert fields["template"] == "bad"
    assert fields["line"] == 2
    assert fields["file"] == "t.jinja"
    assert "UndefinedError" in fields["error"]
    assert fields["failed_events"] == 1


def test_exception_in_a_call_is_reported_with_its_line(make_plugin):
    log = RecordingLogger()
    source = "a\nb\n{{ module.rand.number.integer(5, 1) }}"
    plugin = make_plugin({}, {"t.jinja": source}, logger=log)
    produced = plugin.produce(make_batch(4))
    assert produced.failed == 4
    assert len(log.records) == 1
    assert log.records[0][2]["line"] == 3
    assert log.records[0][2]["failed_events"] == 4


def test_error_inside_an_included_template_names_that_file(make_plugin):
    log = RecordingLogger()
    files = {"main.jinja": "{% include 'inc.jinja' %}", "inc.jinja": "x\n{{ 1 // 0 }}"}
    plugin = make_plugin({"templates": [{"m": {"template": "main.jinja"}}]}, files, logger=log)
    assert plugin.produce(make_batch(1)).failed == 1
    assert (log.records[0][2]["file"], log.records[0][2]["line"]) == ("inc.jinja", 2)


def test_missing_template_file_fails_at_config_load(make_plugin, tmp_path):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="template file not found"):
        make_plugin({"templates": [{"a": {"template": "nope.jinja"}}]}, {"x.jinja": ""})


def test_syntax_error_fails_at_init_with_file_and_line(make_plugin):
    with pytest.raises(ConfigError, match=r"syntax error in \S*/t\.jinja, line 2"):
        make_plugin({}, {"t.jinja": "fine\n{% if %}"})


def test_missing_include_fails_the_event_not_the_init(make_plugin):
    log = RecordingLogger()
    plugin = make_plugin({}, {"t.jinja": "{% include 'gone.jinja' %}"}, logger=log)
    assert plugin.produce(make_batch(1)).failed == 1
    assert "gone.jinja" in log.records[0][2]["error"]


SEEDED = (
    "{{ module.rand.crypto.uuid4() }} {{ [1, 2, 3, 4] | random }} "
    "{{ module.faker.locale.en_US.name() }} {{ module.mimesis.locale['en'].person.name() }} "
    "{{ module.random.random() }} {{ lipsum(1, html=False)[:20] }}"
)


def test_seeded_runs_repeat_byte_for_byte(make_plugin):
    runs = [render(make_plugin({}, {"t.jinja": SEEDED}, seed=s), 50) for s in (11, 11, 12)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert len(set(runs[0])) == 50


def test_random_filter_on_a_literal_list_draws_for_every_event(make_plugin):
    # Jinja folds a plain filter of constants at compile time: one value for every event.
    events = render(
        make_plugin({}, {"t.jinja": "{{ ['a', 'b', 'c', 'd', 'e', 'f'] | random }}"}), 60
    )
    assert set(events) == set("abcdef")


def test_random_filter_on_an_empty_list_is_undefined(make_plugin):
    assert render(make_plugin({}, {"t.jinja": "[{{ [] | random }}]"})) == ["[]"]


def test_faker_and_mimesis_load_lazily(make_plugin):
    for name in [m for m in sys.modules if m.split(".")[0] in ("faker", "mimesis")]:
        del sys.modules[name]
    plugin = make_plugin({}, {"t.jinja": "{{ module.rand.number.integer(1, 1) }}"})
    assert render(plugin) == ["1"]
    assert "faker" not in sys.modules
    assert "mimesis" not in sys.modules


def test_faker_proxy_features_and_mimesis_extras(make_plugin):
    source = (
        "{{ module.faker.locale['de_DE'].unique.random_int(1, 3) is number }} "
        "{{ module.mimesis.enums.Gender.MALE.name }} {{ module.mimesis.random.Random }}"
    )
    assert render(make_plugin({}, {"t.jinja": source}))[0].startswith("True MALE <class")


def test_unknown_locale_fails_the_event(make_plugin):
    log = RecordingLogger()
    plugin = make_plugin({}, {"t.jinja": "{{ module.mimesis.locale['xx'].person.name() }}"},
                         logger=log)  # fmt: skip
    assert plugin.produce(make_batch(1)).failed == 1
    assert "unknown Mimesis locale" in log.records[0][2]["error"]


# The batch form (one render per batch) must give what the per-event path gives.
@pytest.mark.parametrize(
    "source",
    [
        "{{ timestamp }} INFO heartbeat ok",
        "{{ timestamp }} {{ tags | join('+') }} {{ params.p }}",
        "{% set x = timestamp.second %}{{ x * 2 }}{% if x > 3 %}big{% endif %}\n",
        "{% for i in range(2) %}{{ loop.index }}{{ i }}{% endfor %}{{ timestamp.minute }}",
        "{{ module.rand.number.integer(1, 100) }} {{ module.faker.locale.en.user_name() }}",
        "{{- timestamp -}}\n",
    ],
)
@pytest.mark.parametrize(
    "tz",
    [UTC, ZoneInfo("UTC"), timezone(timedelta(hours=5, minutes=30)), ZoneInfo("America/New_York")],
)
def test_batch_form_matches_per_event_rendering(make_plugin, tmp_path, source, tz):
    plugin = make_plugin({"params": {"p": 1}}, {"t.jinja": source}, tz=tz, seed=5)
    assert plugin._batchable
    reference = make_plugin({"params": {"p": 1}}, {"t.jinja": source}, tz=tz, seed=5)
    reference._batchable = False
    batch = dict(n=40, step_us=250_000, tz=tz, tags=[("a",), ("b", "c")],
                 sources=[i % 2 for i in range(40)],
                 start=datetime(2024, 3, 10, 6, 59, 55, tzinfo=UTC))  # fmt: skip
    assert render(plugin, **batch) == render(reference, **batch)


@pytest.mark.parametrize(
    "source",
    [
        "{% do shared.set('a', 1) %}",
        "{{ locals.get('a') }}",
        "{{ dispatch }}",
        "{% include 'x.jinja' %}",
        "{{ module.os.getcwd() }}",
        "{{ params.l.append(1) }}",
        "{% for i in [1] %}{% break %}{% endfor %}",
    ],
)
def test_side_effects_use_the_per_event_path(make_plugin, source):
    plugin = make_plugin({}, {"t.jinja": source, "x.jinja": ""})
    assert not plugin._batchable


def test_events_holding_the_separator_fall_back_to_per_event(make_plugin):
    plugin = make_plugin(
        {"params": {"s": SEPARATOR}}, {"t.jinja": "{{ params.s }}{{ timestamp.second }}"}
    )
    assert plugin._batchable
    assert render(plugin, 3) == [f"{SEPARATOR}0", f"{SEPARATOR}1", f"{SEPARATOR}2"]


def test_batch_error_is_reported_by_the_per_event_path(make_plugin):
    log = RecordingLogger()
    source = "{{ 10 // (timestamp.second - 1) }}"
    plugin = make_plugin({}, {"t.jinja": source}, logger=log)
    assert plugin._batchable
    produced = plugin.produce(make_batch(3))
    assert (produced.events, produced.failed) == (["-10", "10"], 1)
    assert log.records[0][2]["line"] == 1


def test_batch_form_with_any_mode_keeps_event_order(make_plugin):
    files = {"a.jinja": "a{{ timestamp.second }}", "b.jinja": "b{{ timestamp.second }}"}
    templates = [{"a": {"template": "a.jinja"}}, {"b": {"template": "b.jinja"}}]
    plugin = make_plugin({"mode": "any", "templates": templates}, files, seed=2)
    events = render(plugin, 30)
    assert [int(e[1:]) for e in events] == list(range(30))
    assert {e[0] for e in events} == {"a", "b"}


def _copy_workload(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(BENCH / name, target)
    return target


@pytest.mark.skipif(not BENCH.exists(), reason="bench workloads not present")
@pytest.mark.parametrize("name", ["w1_plain", "w2_json", "w3_minimal"])
def test_bench_workload_templates_render(name, tmp_path):
    import json

    import yaml

    from eventum_event_template import TemplateEvent

    from .conftest import context

    folder = _copy_workload(name, tmp_path)
    config = yaml.safe_load((folder / "generator.yml").read_text())["event"]["template"]
    cfg = TemplateEvent.Config.model_validate(config, context=validation_context(folder, now=START))
    plugin = TemplateEvent(cfg, context(folder, seed=1))
    produced = plugin.produce(make_batch(200, step_us=432_000))
    assert produced.failed == 0
    assert len(produced.events) == 200
    first = produced.events[0]
    if name == "w3_minimal":
        assert first == "2024-01-01 00:00:00+00:00 INFO heartbeat ok"
        assert produced.events[1] == "2024-01-01 00:00:00.432000+00:00 INFO heartbeat ok"
    elif name == "w1_plain":
        assert "[2024-01-01T00:00:00+00:00]" in first
        assert first.split('"')[2].split()[0] == "200"
    else:
        records = [json.loads(e) for e in produced.events]
        assert [r["seq"] for r in records] == list(range(1, 201))
        assert {r["status"] for r in records} <= {200, 301, 404, 500}
