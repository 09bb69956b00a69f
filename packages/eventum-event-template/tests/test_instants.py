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


@pytest.mark.parametrize(
    "format",
    [
        "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y:%H:%M:%S", "%H%M%S%f", "%Y",
        "%%Y %Y%%", "[%d-%m-%Y %H:%M]", "%b %d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%s %j %y",
        "%a, %d %b %Y", "100%", "%", "%Y-é", "no directive", "", "%b %e %H:%M:%S", "%y%m%d",
        "%a, %d %b %Y %H:%M:%S GMT", "%B %A %j", "%Y-%m-%dT%H:%M:%S.000Z",
    ],
)  # fmt: skip
def test_strftime_gives_what_datetime_strftime_gives(format: str) -> None:
    from random import Random

    from eventum_event_template.instants import strftime

    rng = Random(format)
    tz = ZoneInfo("America/New_York")
    moments = [datetime(1, 1, 1), datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)]
    moments += [
        datetime(9999, 12, 31, 23, 59, 59, 999999),
        datetime(2024, 2, 29, 0, 0, 0, 1, tzinfo=tz),
        datetime(1000, 1, 1),
    ]
    for _ in range(200):
        moments.append(datetime.fromtimestamp(rng.uniform(-6e10, 2.5e11), tz=UTC))
    for moment in moments:
        assert strftime(moment, format) == moment.strftime(format), (moment, format)
        instant = Instant.of(moment)
        assert instant.strftime(format) == instant.strftime(format) == moment.strftime(format)
        step = timedelta(microseconds=1 if moment.year == 1 else -1)
        derived = instant + step
        assert type(derived) is Instant and derived._texts is None
        assert derived.strftime(format) == (moment + step).strftime(format)
