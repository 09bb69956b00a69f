from __future__ import annotations

import json
from collections import Counter

import pytest
from pydantic import ValidationError

from eventum_core import ConfigError

from .conftest import render


def one(make_plugin, source, samples, tmp_path=None, **kw):
    return make_plugin({"samples": samples}, {"t.jinja": source, **kw})


@pytest.fixture
def csv_files(tmp_path):
    (tmp_path / "hosts.csv").write_text("host,ip,weight\nweb1,10.0.0.1,9\ndb1,10.0.0.2,1\n")
    (tmp_path / "raw.csv").write_text('a;"x;y"\nb;z\n\nc\n')
    (tmp_path / "users.json").write_text(
        json.dumps(
            [{"name": "ann", "role": "admin", "w": 0}, {"name": "bob", "role": "user", "w": 3}]
        )
    )
    return tmp_path


SAMPLES = {
    "hosts": {"type": "csv", "source": "hosts.csv", "header": True},
    "raw": {"type": "csv", "source": "raw.csv", "delimiter": ";"},
    "users": {"type": "json", "source": "users.json"},
    "colors": {"type": "items", "source": ["red", "green", "blue"]},
    "pairs": {"type": "items", "source": [["a", 1], ["b", 2]]},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ samples.hosts[0].host }} {{ samples.hosts[1][1] }}", "web1 10.0.0.2"),
        (
            "{{ samples['hosts'] | length }} {{ samples.hosts.columns }}",
            "2 ['host', 'ip', 'weight']",
        ),
        ("{% for r in samples.hosts %}{{ r.ip }},{% endfor %}", "10.0.0.1,10.0.0.2,"),
        (
            "{{ samples.raw[0]._0 }}|{{ samples.raw[0]._1 }}|{{ samples.raw | length }}"
            "|{{ samples.raw[2]._1 == '' }}",
            "a|x;y|3|True",
        ),
        ("{{ samples.users[1].name }} {{ samples.users[0].w + 1 }}", "bob 1"),
        ("{{ samples.colors[2][0] }} {{ samples.colors[2]._0 }}", "blue blue"),
        ("{{ samples.pairs[1]._1 + 1 }}", "3"),
        ("{{ samples.users.where(role='user')[0].name }}", "bob"),
        ("{{ samples.users.where(role='x') | length }}", "0"),
        ("{{ samples.users.where(role='x').pick(default='none') }}", "none"),
        ("{{ samples.users.where(role='x').weighted_pick('w', default='-') }}", "-"),
        ("{{ samples.users.where(role='x').pick_n(3) }}", "[]"),
        ("{{ samples.users.where(role='x').weighted_pick_n('w', 2) }}", "[]"),
        ("{{ samples.users.pick_n(0) }}", "[]"),
        ("{{ samples.users.weighted_pick('w').name }}", "bob"),
        ("{{ samples.hosts['host'] }}", "['web1', 'db1']"),
    ],
)
def test_sample_access(make_plugin, csv_files, source, expected):
    assert render(one(make_plugin, source, SAMPLES)) == [expected]


def test_random_picks_are_uniform_or_weighted(make_plugin, csv_files):
    source = ("{{ samples.colors | random | first }} {{ samples.hosts.pick().host }} "
              "{{ samples.hosts.weighted_pick('weight').host }} "
              "{{ samples.hosts.pick_n(2) | map(attribute='host') | join('+') }} "
              "{{ samples.hosts.weighted_pick_n('weight', 2) | length }}")  # fmt: skip
    events = render(one(make_plugin, source, SAMPLES), 4000)
    fields = [e.split() for e in events]
    colors = Counter(f[0] for f in fields)
    assert set(colors) == {"red", "green", "blue"}
    assert all(1200 < c < 1470 for c in colors.values())
    assert Counter(f[1] for f in fields)["web1"] == pytest.approx(2000, rel=0.07)
    assert Counter(f[2] for f in fields)["web1"] == pytest.approx(3600, rel=0.03)
    assert Counter(f[3] for f in fields)["web1+web1"] == pytest.approx(1000, rel=0.15)
    assert {f[4] for f in fields} == {"2"}


def test_rand_choice_works_on_a_sample(make_plugin, csv_files):
    events = render(one(make_plugin, "{{ module.rand.choice(samples.colors)._0 }}", SAMPLES), 300)
    assert set(events) == {"red", "green", "blue"}


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("{{ samples.users.where(age=3) }}", "unknown column"),
        ("{{ samples.users.where(role='x').pick() }}", "empty sample"),
        ("{{ samples.users.weighted_pick('name') }}", "not a number"),
        ("{{ samples.users.where(role='admin').weighted_pick('w') }}", "all weights are zero"),
        ("{{ samples.users.weighted_pick('zzz') }}", "weight column"),
    ],
)
def test_sample_errors_fail_the_event(make_plugin, csv_files, source, error):
    from .conftest import RecordingLogger, make_batch

    log = RecordingLogger()
    plugin = make_plugin({"samples": SAMPLES}, {"t.jinja": source}, logger=log)
    produced = plugin.produce(make_batch(2))
    assert produced.failed == 2
    assert produced.events == []
    assert error in log.records[0][2]["error"]


def test_csv_rows_longer_than_the_header_fail_at_init(make_plugin, tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n1,2,3\n")
    with pytest.raises(ConfigError, match="record 2 has 3 values"):
        one(make_plugin, "x", {"s": {"type": "csv", "source": "bad.csv", "header": True}})


def test_json_items_with_other_keys_fail_at_init(make_plugin, tmp_path):
    (tmp_path / "bad.json").write_text('[{"a": 1}, {"b": 2}]')
    with pytest.raises(ConfigError, match="item 1"):
        one(make_plugin, "x", {"s": {"type": "json", "source": "bad.json"}})


def test_missing_sample_file_or_bad_suffix_is_a_config_error(make_plugin, tmp_path):
    with pytest.raises(ValidationError, match="does not exist"):
        one(make_plugin, "x", {"s": {"type": "csv", "source": "nope.csv"}})
    (tmp_path / "data.txt").write_text("a")
    with pytest.raises(ValidationError, match=r"\.csv"):
        one(make_plugin, "x", {"s": {"type": "csv", "source": "data.txt"}})


def test_quotechar_option(make_plugin, tmp_path):
    (tmp_path / "q.csv").write_text("'a,b',c\n")
    plugin = one(make_plugin, "{{ samples.q[0]._0 }}",
                 {"q": {"type": "csv", "source": "q.csv", "quotechar": "'"}})  # fmt: skip
    assert render(plugin) == ["a,b"]
