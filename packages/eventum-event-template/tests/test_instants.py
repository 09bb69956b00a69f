"""A timestamp shared by the events of one instant renders as the datetime it stands for."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from eventum_event_template import plugin
from eventum_event_template.instants import Instant, instants

from .conftest import render

USES = (
    "{{ timestamp }}|{{ timestamp.isoformat() }}|{{ timestamp.isoformat(' ', 'seconds') }}|"
    "{{ timestamp.strftime('%Y-%m-%dT%H:%M:%S.%f%z') }}|{{ timestamp.strftime('%s %j') }}|"
    "{{ (timestamp + module.datetime.timedelta(hours=1)).isoformat() }}|"
    "{{ timestamp.replace(minute=7).strftime('%M') }}|{{ timestamp.timestamp() }}|"
    "{{ timestamp.astimezone(module.zoneinfo.ZoneInfo('Asia/Tokyo')).isoformat() }}|"
    "{{ timestamp.isoformat() }}{{ timestamp.strftime('%H') }}"
)


@pytest.mark.parametrize("tz", [UTC, ZoneInfo("Europe/Berlin")])
def test_templates_render_an_instant_as_its_datetime(make_plugin, monkeypatch, tz):
    batch = {"n": 12, "step_us": 250_000, "tz": tz}  # four events per second, two seconds
    shared = render(make_plugin({}, {"t.jinja": USES}, tz=tz), **batch)
    monkeypatch.setattr(plugin, "instants", list)
    plain = render(make_plugin({}, {"t.jinja": USES}, tz=tz), **batch)
    assert shared == plain
    assert len(set(shared)) == 12


def test_equal_neighbours_share_one_instant_that_behaves_as_a_datetime():
    moment = datetime(2024, 3, 31, 1, 59, 59, 500, tzinfo=ZoneInfo("Europe/Berlin"))
    later = moment + timedelta(seconds=1)
    made = instants([moment, moment, later, later, moment])
    assert made == [moment, moment, later, later, moment]
    assert made[0] is made[1] and made[2] is made[3] and made[4] is not made[0]
    first = made[0]
    assert isinstance(first, datetime) and type(first) is Instant
    assert first.strftime("%H:%M %Z") == first.strftime("%H:%M %Z") == moment.strftime("%H:%M %Z")
    assert str(first) == str(moment) and first.isoformat() == moment.isoformat()
    assert first - moment == timedelta(0) and hash(first) == hash(moment)
    assert (first + timedelta(days=1)).strftime("%d") == "01"  # no texts of its own
    assert pickle.loads(pickle.dumps(first)) == moment
